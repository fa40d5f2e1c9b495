"""Personal baselines on constructed series (no database): a true change alerts, noise does not, a
short baseline is insufficient, the robust z sees through outliers, thresholds come from the catalog."""

from __future__ import annotations

import itertools
import math
import statistics
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
        },
        schema=THRESHOLD_SCHEMA,
    )
    row = one(daily, days, thresholds)
    assert row["swc"] == 0.5 and row["te"] == 0.3 and row["real_change"] is False  # 0.49 < SWC 0.5
    row = one(*frame([80 + n for n in NOISE], 81.0), thresholds)
    assert row["real_change"] is True and evidence(row)["swcSource"] == "catalog"
