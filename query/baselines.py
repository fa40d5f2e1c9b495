"""Personal baselines and real change, as pure Polars functions.

For a day's value x of one wrestler's metric, the baseline is the athlete's own values of the
previous 28 days (the day itself excluded), one per day (the day's last value):
- z = (x − mean) ÷ SD (sample SD); |z| ≥ 1 yellow, ≥ 2 red (AthleteMonitoring's bands);
- robust z = 0.6745 × (x − median) ÷ MAD; |robust z| ≥ 2.5 is red;
- both need at least 14 days with data in the baseline, otherwise: insufficient data, no alert;
- real change: the change from the baseline mean exceeds both the smallest worthwhile change (the
  catalog's or the team's, else 0.2 × the baseline SD) and k × the typical error (the catalog's or the
  team's, else the SD of day-to-day differences in the baseline ÷ √2; k = 1.5 by default, a working
  default, not a published rule).
An alert is a red day whose change is real: a value outside the athlete's usual range that is also
beyond the measurement's noise and the smallest change that matters. (A yellow day is common: with
|z| >= 1 about a third of ordinary days would be one; a red day within the typical error is noise by
definition. Both stay visible as the z of the evidence, neither is an alert.)

Heart-rate variability (the catalog's `hrv`, rMSSD in ms) is read as Plews et al. (IJSPP 2014) ask:
the evaluated value of a day is the mean of ln rMSSD over the 7 days ending on it, only where those
7 days hold at least 3 readings (fewer: insufficient data), against the daily ln rMSSD values of the
28 days before that week, and its default smallest worthwhile change is 0.5 x the athlete's baseline SD of ln
rMSSD. One bad night moves a weekly mean by a seventh of its drop; a week of them is a real change.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

FORMULA_VERSION = "baseline-2"
BASELINE_DAYS = 28
MIN_BASELINE_DAYS = 14
YELLOW_Z = 1.0
RED_Z = 2.0
RED_ROBUST_Z = 2.5
K_DEFAULT = 1.5
SWC_SD_FACTOR = 0.2
ROLLING_LN = frozenset({"hrv"})  # catalog keys read as 7-day rolling means of their natural log
WEEK_DAYS = 7
MIN_WEEK_READINGS = 3
ROLLING_SWC_SD_FACTOR = 0.5
DAILY_LOOKBACK_DAYS = BASELINE_DAYS + WEEK_DAYS - 1  # the daily values an evaluated day needs

DAILY_SCHEMA: dict[str, Any] = {
    "wrestler_id": pl.String,
    "metric_id": pl.Int64,
    "day": pl.Date,
    "value": pl.Float64,
}
EVAL_SCHEMA: dict[str, Any] = {"wrestler_id": pl.String, "metric_id": pl.Int64, "day": pl.Date}
THRESHOLD_SCHEMA: dict[str, Any] = {
    "wrestler_id": pl.String,
    "metric_id": pl.Int64,
    "typical_error": pl.Float64,
    "smallest_change": pl.Float64,
    "k": pl.Float64,
    "rolling_ln": pl.Boolean,  # the metric is one of ROLLING_LN
}


def _rolling_ln(daily: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """The daily values of the (wrestler, metric) `pairs` as their natural log, each day with `x`:
    the mean of the logs over the WEEK_DAYS days ending on it (null below MIN_WEEK_READINGS
    readings), `week_n` (those readings) and `raw` (the day's own value); other pairs keep their
    value as `x`."""
    keys = ["wrestler_id", "metric_id"]
    rolling = daily.join(pairs, on=keys, how="semi").filter(pl.col("value") > 0)
    logs = rolling.with_columns(pl.col("value").alias("raw"), pl.col("value").log())
    week = (
        logs.join(logs.select(*keys, pl.col("day").alias("wday"), pl.col("value").alias("wv")), on=keys)
        .filter(
            (pl.col("wday") <= pl.col("day")) & (pl.col("wday") > pl.col("day") - pl.duration(days=WEEK_DAYS))
        )
        .group_by([*keys, "day"])
        .agg(pl.col("wv").mean().alias("mean"), pl.len().cast(pl.UInt32).alias("week_n"))
    )
    rolled = logs.join(week, on=[*keys, "day"]).select(
        *keys,
        "day",
        "value",
        pl.when(pl.col("week_n") >= MIN_WEEK_READINGS).then(pl.col("mean")).alias("x"),
        "week_n",
        "raw",
    )
    rest = daily.join(pairs, on=keys, how="anti").with_columns(
        pl.col("value").alias("x"),
        pl.lit(None, pl.UInt32).alias("week_n"),
        pl.lit(None, pl.Float64).alias("raw"),
    )
    return pl.concat([rest.select(rolled.columns), rolled])


def evaluate(daily: pl.DataFrame, days: pl.DataFrame, thresholds: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per (wrestler, metric, day) of `days` that has a value: the baseline statistics, the
    rules' results and `keep` (whether it is an alert). `daily` holds the daily values of the same
    pairs back to DAILY_LOOKBACK_DAYS before the earliest evaluated day."""
    keys = ["wrestler_id", "metric_id"]
    if thresholds is None or not thresholds.height:
        thresholds = pl.DataFrame(schema=THRESHOLD_SCHEMA)
    daily = _rolling_ln(daily, thresholds.filter(pl.col("rolling_ln")).select(keys))
    target = (
        days.join(daily, on=[*keys, "day"], how="inner")
        .drop("value")
        .join(thresholds, on=keys, how="left")
        .with_columns(pl.col("rolling_ln").fill_null(False))
    )
    # A rolling metric's week is judged against the 28 days before it, not against itself.
    lag = pl.duration(days=pl.when(pl.col("rolling_ln")).then(WEEK_DAYS - 1).otherwise(0))
    base = (
        target.select(*keys, "day", "rolling_ln")
        .join(daily.select(*keys, pl.col("day").alias("bday"), pl.col("value").alias("v")), on=keys)
        .filter(
            (pl.col("bday") < pl.col("day") - lag)
            & (pl.col("bday") >= pl.col("day") - lag - pl.duration(days=BASELINE_DAYS))
        )
    )
    stats = (
        base.sort("bday")
        .group_by([*keys, "day"])
        .agg(
            pl.len().alias("n"),
            pl.col("v").mean().alias("mean"),
            pl.col("v").std().alias("sd"),
            pl.col("v").median().alias("median"),
            (pl.col("v") - pl.col("v").median()).abs().median().alias("mad"),
            (pl.col("v").diff().std() / math.sqrt(2)).alias("te_data"),
            pl.col("bday").min().alias("window_from"),
            pl.col("bday").max().alias("window_to"),
        )
    )
    out = target.join(stats, on=[*keys, "day"], how="left").with_columns(pl.col("n").fill_null(0))
    enough = (pl.col("n") >= MIN_BASELINE_DAYS) & pl.col("x").is_not_null()
    swc_factor = pl.when(pl.col("rolling_ln")).then(ROLLING_SWC_SD_FACTOR).otherwise(SWC_SD_FACTOR)
    z = pl.when(enough & (pl.col("sd") > 0)).then((pl.col("x") - pl.col("mean")) / pl.col("sd"))
    rz = pl.when(enough & (pl.col("mad") > 0)).then(0.6745 * (pl.col("x") - pl.col("median")) / pl.col("mad"))
    out = out.with_columns(
        z.alias("z"),
        rz.alias("robust_z"),
        (pl.col("x") - pl.col("mean")).alias("change"),
        pl.coalesce("smallest_change", swc_factor * pl.col("sd")).alias("swc"),
        pl.col("smallest_change").is_not_null().alias("swc_from_catalog"),
        pl.coalesce("typical_error", "te_data").alias("te"),
        pl.col("typical_error").is_not_null().alias("te_from_catalog"),
        pl.col("k").fill_null(K_DEFAULT).alias("k"),
        enough.alias("sufficient"),
    )
    real = (
        pl.col("sufficient")
        & pl.col("swc").is_not_null()
        & pl.col("te").is_not_null()
        & (pl.col("change").abs() > pl.col("swc"))
        & (pl.col("change").abs() > pl.col("k") * pl.col("te"))
    )
    red = (pl.col("z").abs() >= RED_Z) | (pl.col("robust_z").abs() >= RED_ROBUST_Z)
    yellow = pl.col("z").abs() >= YELLOW_Z
    return out.with_columns(
        real.fill_null(False).alias("real_change"),
        pl.when(red.fill_null(False))
        .then(pl.lit("red"))
        .when(yellow.fill_null(False))
        .then(pl.lit("yellow"))
        .otherwise(None)
        .alias("level"),
    ).with_columns(((pl.col("level") == "red") & pl.col("real_change")).fill_null(False).alias("keep"))


def evidence(row: dict[str, Any]) -> dict[str, Any]:
    """What an alert rests on, as stored and served."""

    def r(v: float | None, nd: int = 3) -> float | None:
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(v, nd)

    rules = []
    if row["z"] is not None and abs(row["z"]) >= YELLOW_Z:
        rules.append(f"|z| >= {RED_Z if abs(row['z']) >= RED_Z else YELLOW_Z}")
    if row["robust_z"] is not None and abs(row["robust_z"]) >= RED_ROBUST_Z:
        rules.append(f"|robust z| >= {RED_ROBUST_Z}")
    if row["real_change"]:
        rules.append("real change: |change| > SWC and > k x TE")
    return {
        "value": row["x"],
        "date": row["day"].isoformat(),
        "window": {
            "from": row["window_from"].isoformat() if row["window_from"] else None,
            "to": row["window_to"].isoformat() if row["window_to"] else None,
            "days": BASELINE_DAYS,
            "daysWithData": row["n"],
        },
        "mean": r(row["mean"]),
        "sd": r(row["sd"]),
        "median": r(row["median"]),
        "mad": r(row["mad"]),
        "z": r(row["z"], 2),
        "robustZ": r(row["robust_z"], 2),
        "change": r(row["change"]),
        "swc": r(row["swc"]),
        "swcSource": "catalog"
        if row["swc_from_catalog"]
        else f"{ROLLING_SWC_SD_FACTOR if row['rolling_ln'] else SWC_SD_FACTOR} x baseline SD",
        "typicalError": r(row["te"]),
        "typicalErrorSource": "catalog"
        if row["te_from_catalog"]
        else "SD of day-to-day differences / sqrt 2",
        "k": row["k"],
        "rules": rules,
        "formulaVersion": FORMULA_VERSION,
        **(
            {
                "transform": f"mean of ln over {WEEK_DAYS} days (at least {MIN_WEEK_READINGS} readings)",
                "rawValue": row["raw"],
                "weekReadings": row["week_n"],
            }
            if row["rolling_ln"]
            else {}
        ),
    }
