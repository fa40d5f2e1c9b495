"""Training load, descriptive only (never an injury prediction), as pure Polars functions.

Session load (Foster's sRPE) = CR-10 RPE × minutes, in arbitrary units; where a session has no RPE, a
stored training_load (a device's TRIMP) stands in, labelled as such. Daily load = the sum of the day's
sessions; a day without sessions counts 0 only when the athlete has other data that day (a rest day),
otherwise it is missing. Over the 7 days ending on a day: weekly load, monotony (mean ÷ SD, sample SD
by default) and strain (weekly load × monotony). Acute:chronic ratios: acute = mean daily load of the
last 7 days, chronic = of the last 28 (coupled) or of the 28 days before the acute week (uncoupled);
and the EWMA variant with λ = 2 ÷ (N + 1). Every value comes with its window and the days with data;
below the coverage floors it is "insufficient data", not a number.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any, Literal

import polars as pl

FORMULA_VERSION = "load-1"
ACUTE_DAYS = 7
CHRONIC_DAYS = 28
MIN_ACUTE_DAYS = 4  # of 7
MIN_CHRONIC_DAYS = 14  # of 28
LABEL = "descriptive: not an injury prediction; the 0.8-1.3 'sweet spot' is contested"

SESSION_SCHEMA: dict[str, Any] = {
    "day": pl.Date,
    "rpe": pl.Float64,
    "minutes": pl.Float64,
    "device_load": pl.Float64,
}


def session_loads(sessions: pl.DataFrame) -> pl.DataFrame:
    """One row per session: its load and the kind of number it is (srpe or device)."""
    return sessions.select(
        "day",
        pl.when(pl.col("rpe").is_not_null() & pl.col("minutes").is_not_null())
        .then(pl.col("rpe") * pl.col("minutes"))
        .otherwise(pl.col("device_load"))
        .alias("load"),
        pl.when(pl.col("rpe").is_not_null() & pl.col("minutes").is_not_null())
        .then(pl.lit("srpe"))
        .when(pl.col("device_load").is_not_null())
        .then(pl.lit("device"))
        .otherwise(None)
        .alias("kind"),
    ).filter(pl.col("load").is_not_null())


def daily_loads(sessions: pl.DataFrame, covered_days: list[date], start: date, end: date) -> pl.DataFrame:
    """Every day of [start, end]: its load (null when there is no data at all that day), its session
    count, and whether it is covered (sessions, or other data: a rest day)."""
    loads = (
        session_loads(sessions)
        .group_by("day")
        .agg(pl.col("load").sum(), pl.len().alias("sessions"), pl.col("kind").unique().sort().alias("kinds"))
    )
    days = pl.DataFrame({"day": pl.date_range(start, end, "1d", eager=True)})
    covered = pl.DataFrame(
        {"day": covered_days, "other": [True] * len(covered_days)},
        schema={"day": pl.Date, "other": pl.Boolean},
    )
    out = days.join(loads, on="day", how="left").join(covered.unique("day"), on="day", how="left")
    return out.select(
        "day",
        pl.when(pl.col("load").is_not_null())
        .then(pl.col("load"))
        .when(pl.col("other").fill_null(False))
        .then(0.0)
        .otherwise(None)
        .alias("load"),
        pl.col("sessions").fill_null(0).cast(pl.Int64),
        pl.col("kinds").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        (pl.col("load").is_not_null() | pl.col("other").fill_null(False)).alias("covered"),
    )


def _window(daily: pl.DataFrame, end: date, days: int, offset: int = 0) -> pl.DataFrame:
    last = end - timedelta(days=offset)
    first = last - timedelta(days=days - 1)
    return daily.filter(pl.col("day").is_between(first, last))


def _coverage(window: pl.DataFrame, days: int, end: date, offset: int = 0) -> dict[str, Any]:
    last = end - timedelta(days=offset)
    return {
        "from": (last - timedelta(days=days - 1)).isoformat(),
        "to": last.isoformat(),
        "days": days,
        "daysWithData": int(window.filter(pl.col("covered")).height),
    }


def _mean(window: pl.DataFrame) -> float | None:
    values = window.filter(pl.col("covered"))["load"]
    return float(values.mean()) if values.len() else None  # type: ignore[arg-type]


def monotony_strain(
    loads: list[float], sd: Literal["sample", "population"] = "sample"
) -> tuple[float, float, float, float | None, float | None]:
    """(weekly load, mean, SD, monotony, strain) of a week's daily loads; monotony and strain are
    None when the SD is 0 (every day the same)."""
    s = pl.Series(loads, dtype=pl.Float64)
    weekly = float(s.sum())
    mean = float(s.mean())  # type: ignore[arg-type]
    spread = float(s.std(ddof=1 if sd == "sample" else 0))  # type: ignore[arg-type]
    if not spread or math.isnan(spread):
        return weekly, mean, 0.0, None, None
    monotony = mean / spread
    return weekly, mean, spread, monotony, weekly * monotony


def _ewma(daily: pl.DataFrame, end: date, n: int) -> float | None:
    """EWMA of the daily loads up to `end` (missing days skipped), λ = 2 ÷ (n + 1)."""
    values = daily.filter((pl.col("day") <= end) & pl.col("covered")).sort("day")["load"]
    if not values.len():
        return None
    return float(values.ewm_mean(alpha=2 / (n + 1), adjust=False)[-1])


def _ratio(acute: float | None, chronic: float | None) -> float | None:
    return round(acute / chronic, 3) if acute is not None and chronic else None


def summary(daily: pl.DataFrame, end: date) -> dict[str, Any]:
    """The load figures of the day `end`, each with its window and coverage."""
    acute_w = _window(daily, end, ACUTE_DAYS)
    chronic_w = _window(daily, end, CHRONIC_DAYS)
    before_w = _window(daily, end, CHRONIC_DAYS, offset=ACUTE_DAYS)
    acute_cov = _coverage(acute_w, ACUTE_DAYS, end)
    acute_ok = acute_cov["daysWithData"] >= MIN_ACUTE_DAYS
    week: dict[str, Any] = {"window": acute_cov, "sd": "sample"}
    if acute_ok:
        loads = acute_w.filter(pl.col("covered"))["load"].to_list()
        weekly, mean, sd, monotony, strain = monotony_strain(loads)
        week |= {
            "status": "ok",
            "weeklyLoad": round(weekly, 2),
            "meanDailyLoad": round(mean, 2),
            "sdDailyLoad": round(sd, 2),
            "monotony": round(monotony, 4) if monotony is not None else None,
            "strain": round(strain, 1) if strain is not None else None,
        }
    else:
        week |= {"status": "insufficient data"}

    def acwr(chronic_window: pl.DataFrame, offset: int) -> dict[str, Any]:
        cov = _coverage(chronic_window, CHRONIC_DAYS, end, offset)
        acute = _mean(acute_w) if acute_ok else None
        chronic = _mean(chronic_window) if cov["daysWithData"] >= MIN_CHRONIC_DAYS else None
        ok = acute is not None and chronic is not None
        return {
            "status": "ok" if ok else "insufficient data",
            "acute": round(acute, 2) if acute is not None else None,
            "chronic": round(chronic, 2) if chronic is not None else None,
            "ratio": _ratio(acute, chronic) if ok else None,
            "acuteWindow": acute_cov,
            "chronicWindow": cov,
        }

    chronic_cov = _coverage(chronic_w, CHRONIC_DAYS, end)
    ewma_ok = acute_ok and chronic_cov["daysWithData"] >= MIN_CHRONIC_DAYS
    ea, ec = (_ewma(daily, end, ACUTE_DAYS), _ewma(daily, end, CHRONIC_DAYS)) if ewma_ok else (None, None)
    return {
        "date": end.isoformat(),
        "week": week,
        "acwrCoupled": acwr(chronic_w, 0),
        "acwrUncoupled": acwr(before_w, ACUTE_DAYS),
        "acwrEwma": {
            "status": "ok" if ewma_ok and ea is not None and ec else "insufficient data",
            "acute": round(ea, 2) if ea is not None else None,
            "chronic": round(ec, 2) if ec is not None else None,
            "ratio": _ratio(ea, ec),
            "lambdaAcute": round(2 / (ACUTE_DAYS + 1), 4),
            "lambdaChronic": round(2 / (CHRONIC_DAYS + 1), 4),
            "chronicWindow": chronic_cov,
        },
        "label": LABEL,
        "formulaVersion": FORMULA_VERSION,
    }
