"""The built-in analyst's generation time (pure Polars, no I/O: what a cache miss costs without a
provider): a chart insight of a 365-point chart, median under 20 ms in either locale; an advanced
insight of three 365-point series with a year of history each, under 20 ms per series. No floor
fits a text generator, so the figures are recorded as absolute milliseconds (`analyst.<name>`);
the cache-hit path over HTTP is measured against the HTTP floor in test_http_benchmark.py.

Run:  uv run pytest benchmarks/test_ai_benchmark.py -m benchmark -s
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from ai import analyst
from benchmarks.record import Run

pytestmark = pytest.mark.benchmark
ROUNDS = 50
MAX_MEDIAN_MS = 20.0


def series(name: str, start: date, n: int, base: float) -> list[tuple[str, float]]:
    return [
        ((start + timedelta(days=i)).isoformat(), base + math.sin(i / 9) + (i % 11) / 20) for i in range(n)
    ]


def medians_ms(fns: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Median time of each function; the rounds are interleaved so that a burst of load on the
    shared machine falls on all of them rather than on whichever ran at that moment."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(ROUNDS):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) * 1000 for name, t in times.items()}


def test_the_analyst_answers_a_year_long_chart_in_milliseconds(record: Run) -> None:
    today = date(2026, 12, 1)
    year_ago = today - timedelta(days=364)
    chart = analyst.ChartIn(
        "weight-trend", analyst.SeriesIn("weight", list(series("weight", year_ago, 365, 80)))
    )
    advanced = analyst.AdvancedIn(
        "body_composition",
        "composition",
        [
            analyst.SeriesIn(
                key,
                list(series(key, year_ago, 365, base)),
                low=base - 2,
                high=base + 2,
                history=series(key, year_ago - timedelta(days=365), 365, base),
            )
            for key, base in (("weight", 80.0), ("body_fat", 11.0), ("muscle_mass", 40.0))
        ],
        thresholds=[analyst.Threshold("max", 82.0)],
    )
    figures = medians_ms(
        {
            "chart_insight": lambda: analyst.chart_insight(chart, "en-US"),
            "chart_insight_fa": lambda: analyst.chart_insight(chart, "fa-IR"),
            "advanced_insight": lambda: analyst.advanced_insight(advanced, "en-US"),
        }
    )
    print("\nanalyst median ms: " + ", ".join(f"{k}={v:.2f}" for k, v in figures.items()))
    per_series = figures["advanced_insight"] / len(advanced.series)
    for name in ("chart_insight", "chart_insight_fa"):
        record.absolute(f"analyst.{name}", figures[name], MAX_MEDIAN_MS, unit="ms", threshold=0.5)
    record.absolute("analyst.advanced_per_series", per_series, MAX_MEDIAN_MS, unit="ms", threshold=0.5)
    assert figures["chart_insight"] < MAX_MEDIAN_MS and figures["chart_insight_fa"] < MAX_MEDIAN_MS, figures
    assert per_series < MAX_MEDIAN_MS, figures
