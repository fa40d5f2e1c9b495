"""Personal baselines on constructed series (no database): a true change alerts, noise does not, a
short baseline is insufficient, the robust z sees through outliers, thresholds come from the catalog,
a yellow day or a red day within the noise is no alert, heart-rate variability is read as 7-day means
of ln rMSSD with their coverage."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

from query.baselines import DAILY_SCHEMA, EVAL_SCHEMA, THRESHOLD_SCHEMA, evaluate, evidence
from tests.series_fixtures import NOISE

DAY = date(2026, 3, 1)


def frame(values: list[float], x: float, metric: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    days = [DAY - timedelta(days=len(values) - i) for i in range(len(values))]
    daily = pl.DataFrame(
        {"wrestler_id": "w", "metric_id": metric, "day": [*days, DAY], "value": [*values, x]},
        schema=DAILY_SCHEMA,
    )
    return daily, pl.DataFrame(
        {"wrestler_id": ["w"], "metric_id": [metric], "day": [DAY]}, schema=EVAL_SCHEMA
    )


def one(daily: pl.DataFrame, days: pl.DataFrame, thresholds: pl.DataFrame | None = None) -> dict[str, object]:
    out = evaluate(daily, days, thresholds)
    assert out.height == 1
    return out.row(0, named=True)


def test_a_real_change_is_a_red_alert_with_its_numbers() -> None:
    base = [80 + n for n in NOISE]
    row = one(*frame(base, 82.0))
    mean, sd = statistics.mean(base), statistics.stdev(base)
    assert row["n"] == 20 and abs(row["z"] - (82 - mean) / sd) < 1e-9  # type: ignore[operator]
    assert row["level"] == "red" and row["real_change"] and row["keep"]
    te = statistics.stdev([b - a for a, b in itertools.pairwise(base)]) / math.sqrt(2)
    assert abs(row["te"] - te) < 1e-9 and abs(row["swc"] - 0.2 * sd) < 1e-9  # type: ignore[operator]
    ev = evidence(row)
    assert ev["window"] == {"from": "2026-02-09", "to": "2026-02-28", "days": 28, "daysWithData": 20}
    assert ev["value"] == 82.0 and "|z| >= 2.0" in ev["rules"] and ev["typicalErrorSource"].startswith("SD")


def test_noise_does_not_alert() -> None:
    row = one(*frame([80 + n for n in NOISE], 80.15))
    assert row["level"] is None and not row["real_change"] and not row["keep"]


def test_a_short_baseline_is_insufficient() -> None:
    row = one(*frame([80 + n for n in NOISE[:10]], 90.0))
    assert row["n"] == 10 and not row["sufficient"] and row["z"] is None and not row["keep"]


def test_the_robust_z_sees_through_outliers_in_the_baseline() -> None:
    base = [80 + n for n in NOISE[:18]] + [95.0, 65.0]  # two wild days inflate the SD
    row = one(*frame(base, 81.0))
    median = statistics.median(base)
    mad = statistics.median([abs(v - median) for v in base])
    assert abs(row["robust_z"] - 0.6745 * (81.0 - median) / mad) < 1e-9  # type: ignore[operator]
    assert abs(row["z"]) < 1 and row["robust_z"] > 2.5 and row["level"] == "red"  # type: ignore[arg-type, operator]


def test_catalog_thresholds_decide_the_real_change() -> None:
    daily, days = frame([80 + n for n in NOISE], 80.5)
    thresholds = pl.DataFrame(
        {
            "wrestler_id": ["w"],
            "metric_id": [1],
            "typical_error": [0.3],
            "smallest_change": [0.5],
            "k": [1.5],
            "rolling_ln": [False],
        },
        schema=THRESHOLD_SCHEMA,
    )
    row = one(daily, days, thresholds)
    assert row["swc"] == 0.5 and row["te"] == 0.3 and row["real_change"] is False  # 0.49 < SWC 0.5
    row = one(*frame([80 + n for n in NOISE], 81.0), thresholds)
    assert row["real_change"] is True and evidence(row)["swcSource"] == "catalog"


def test_only_a_red_day_with_a_real_change_is_an_alert() -> None:
    base = [80 + n for n in NOISE]
    mean, sd = statistics.mean(base), statistics.stdev(base)

    def limits(te: float) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "wrestler_id": ["w"],
                "metric_id": [1],
                "typical_error": [te],
                "smallest_change": [0.05],
                "k": [1.5],
                "rolling_ln": [False],
            },
            schema=THRESHOLD_SCHEMA,
        )

    row = one(*frame(base, mean + 1.5 * sd), limits(0.05))  # yellow, and beyond 1.5 x the typical error
    assert row["level"] == "yellow" and row["real_change"] and not row["keep"]
    row = one(*frame(base, mean + 3 * sd), limits(1.0))  # red, but within 1.5 x a typical error of 1 kg
    assert row["level"] == "red" and not row["real_change"] and not row["keep"]


HRV = pl.DataFrame(
    {
        "wrestler_id": ["w"],
        "metric_id": [1],
        "typical_error": [None],
        "smallest_change": [None],
        "k": [None],
        "rolling_ln": [True],
    },
    schema=THRESHOLD_SCHEMA,
)


def hrv(values: Sequence[float | None]) -> pl.DataFrame:
    """Daily rMSSD readings ending on DAY (None: no reading that day)."""
    days = [DAY - timedelta(days=len(values) - 1 - i) for i in range(len(values))]
    kept = [(d, v) for d, v in zip(days, values, strict=True) if v is not None]
    return pl.DataFrame(
        {"wrestler_id": "w", "metric_id": 1, "day": [d for d, _ in kept], "value": [v for _, v in kept]},
        schema=DAILY_SCHEMA,
    )


def on_day() -> pl.DataFrame:
    return pl.DataFrame({"wrestler_id": ["w"], "metric_id": [1], "day": [DAY]}, schema=EVAL_SCHEMA)


def test_hrv_is_a_weekly_mean_of_ln_rmssd_and_a_sustained_drop_alerts() -> None:
    steady = [70 * math.exp(n / 2) for n in NOISE] * 2  # 40 days around 70 ms, ln SD about 0.09
    dropped = steady[:-7] + [v * 0.75 for v in steady[-7:]]  # the last week 25 % lower
    row = one(hrv(dropped), on_day(), HRV)
    week = [math.log(v) for v in dropped[-7:]]
    assert abs(row["x"] - statistics.mean(week)) < 1e-9  # type: ignore[operator]
    assert row["week_n"] == 7 and row["raw"] == dropped[-1] and row["n"] == 28
    assert row["window_to"] == DAY - timedelta(days=7)  # the 28 days before the week
    assert row["level"] == "red" and row["real_change"] and row["keep"]
    assert abs(row["swc"] - 0.5 * row["sd"]) < 1e-9  # type: ignore[operator]
    ev = evidence(row)
    assert (
        ev["weekReadings"] == 7 and ev["rawValue"] == dropped[-1] and ev["swcSource"] == "0.5 x baseline SD"
    )
    # One bad night moves the weekly mean little: no alert.
    one_night = [*steady[:-1], steady[-1] * 0.75]
    assert not one(hrv(one_night), on_day(), HRV)["keep"]


def test_hrv_with_fewer_than_three_readings_a_week_is_insufficient() -> None:
    steady = [70 * math.exp(n / 2) for n in NOISE] * 2
    sparse: list[float | None] = [*steady[:-7], None, None, None, None, None, 40.0, 40.0]
    row = one(hrv(sparse), on_day(), HRV)
    assert row["week_n"] == 2 and row["x"] is None and not row["sufficient"] and not row["keep"]
