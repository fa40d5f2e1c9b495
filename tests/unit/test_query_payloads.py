"""Pure payload functions of query/ on small frames (no database)."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from db.snapshots import SNAPSHOT_SCHEMA
from query.registry import CHARTS
from query.sections import (
    chart_axis,
    chart_payload,
    overview_payload,
    pick_locale,
    rpe_distribution,
    signed_percent,
    stack_payload,
)
from query.team_view import athlete_card, stats_payload


def daily(rows: list[tuple[str, int, float]]) -> pl.DataFrame:
    """Daily rows from (key, local day number since 1970-01-01, value)."""
    return pl.DataFrame(
        rows, schema={"key": pl.String, "day": pl.Int32, "value": pl.Float64}, orient="row"
    ).select("key", pl.col("day").cast(pl.Date).dt.to_string("%Y-%m-%d").alias("date"), "value")


def snap(rows: list[tuple[str, float | None, float | None]]) -> pl.DataFrame:
    return pl.DataFrame([(k, v, p, 0.0, 0, k, k) for k, v, p in rows], schema=SNAPSHOT_SCHEMA, orient="row")


class TestChartAxis:
    def test_latest_days_oldest_first_aligned(self) -> None:
        df = daily([("a", 1, 1.0), ("a", 3, 3.0), ("b", 2, 20.0), ("b", 4, 40.0)])
        expected = pl.DataFrame(
            {
                "date": ["1970-01-03", "1970-01-04", "1970-01-05"],
                "a": [None, 3.0, None],
                "b": [20.0, None, 40.0],
                "c": [None, None, None],
            },
            schema={"date": pl.String, "a": pl.Float64, "b": pl.Float64, "c": pl.Float64},
        )
        axis = chart_axis(df, 3, ["a", "b", "c"])
        assert_frame_equal(axis.select("date", "a", "b", "c"), expected)

    def test_lazy_input_gives_the_same_axis(self) -> None:
        df = daily([("a", 5, 1.0), ("b", 5, 2.0), ("a", 9, 3.0)])
        assert_frame_equal(chart_axis(df.lazy(), 30, ["a", "b"]), chart_axis(df, 30, ["a", "b"]))

    def test_empty(self) -> None:
        assert chart_axis(daily([]), 30, ["a"]).is_empty()

    def test_missing_series_is_all_null(self) -> None:
        out = chart_payload(CHARTS["body-composition/trends"], daily([("weight", 0, 80.0)]), 30)
        assert out["bodyFat"] == {"dates": ["1970-01-01"], "values": [None]}


class TestOverviewPayload:
    def test_delta_and_labels(self) -> None:
        out = overview_payload(
            snap([("msi", 92.0, 90.5), ("api", 420.0, None), ("bos", 8.0, 8.0)]), [80.0, 75.0]
        )
        assert out["metrics"]["overallScore"] == 80.0
        assert out["deltas"]["overallScore"] == 5.0
        assert out["deltas"]["msi"] == 1.5
        assert out["deltas"]["api"] is None
        assert out["statusLabels"]["api"] == "bad"
        assert out["statusLabels"]["bos"] == "good"
        assert out["statusLabels"]["mes"] is None


class TestSmallPieces:
    def test_rpe_distribution(self) -> None:
        rpe = pl.DataFrame({"value": [5.0, 7.4, 7.6, 10.0]})
        assert rpe_distribution(rpe) == {
            "buckets": ["6", "7", "8", "9", "10"],
            "values": [25.0, 25.0, 25.0, 0.0, 25.0],
        }

    def test_signed_percent(self) -> None:
        assert [signed_percent(v) for v in (8.0, -3.5, 0.0, None)] == ["+8%", "-3.5%", "0%", None]

    def test_locale(self) -> None:
        assert [pick_locale(h) for h in (None, "en-US,en;q=0.9", "fa-IR", "de")] == [
            "fa-IR",
            "en-US",
            "fa-IR",
            "fa-IR",
        ]

    def test_stack_daily_threshold(self) -> None:
        stack = pl.DataFrame(
            {"key": ["c", "o"], "name_en": ["C", "O"], "name_fa": ["ک", "ا"], "days": [24, 23]}
        )
        assert stack_payload(stack, "en-US") == {
            "supplements": [{"name": "C", "daily": True}, {"name": "O", "daily": False}]
        }

    def test_team_stats_without_scores(self) -> None:
        assert (
            stats_payload({"total": 2, "ready": 1, "attention": 0, "average": None})["averageScore"] is None
        )

    def test_athlete_card_training_weeks(self) -> None:
        row = {
            "id": "x",
            "name_fa": "a",
            "weight_class": 74,
            "score": 81.26,
            "status": "attention",
            "weeks": 3,
            "load": None,
        }
        card = athlete_card(row)
        assert (card["overallScore"], card["trainingWeek"], card["totalWeeks"]) == (81.3, 3, 8)
        assert card["insights"] == [{"label": "Needs Attention", "type": "warning"}]
