"""The built-in analyst (ai/analyst.py) against hand-computed vectors, in both locales (pure, no database).

Besides the numbers, every answer is checked for what the module promises: its texts cite only numbers
found in its facts, its evidence has the four keys, Persian answers are Persian and English ones are not.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, ClassVar

import pytest

from ai.analyst import (
    AdvancedIn,
    ChartIn,
    SeriesIn,
    Threshold,
    TrainingIn,
    advanced_insight,
    chart_insight,
    cited_numbers,
    series_facts,
    training_program,
)

LOCALES = ("fa-IR", "en-US")
PERSIAN = re.compile(r"[\u0600-\u06FF]")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
EVIDENCE_KEYS = {"metric", "date", "value", "rule"}


def days(n: int, start: str = "2024-01-01", step: int = 1) -> list[str]:
    first = date.fromisoformat(start)
    return [(first + timedelta(days=i * step)).isoformat() for i in range(n)]


def series(name: str, values: Iterable[float | None], start: str = "2024-01-01", **kw: Any) -> SeriesIn:
    vals = list(values)
    return SeriesIn(name, list(zip(days(len(vals), start), vals, strict=True)), **kw)


def linear() -> SeriesIn:
    return series("weight", [70.0, 71.0, 72.0, 73.0, 74.0])


# history for the anomaly vectors: eight older days of one athlete
HISTORY_VALUES = [60.0, 62.0, 61.0, 59.0, 63.0, 60.0, 61.0, 62.0]
HISTORY = list(zip(days(8, "2023-12-01"), HISTORY_VALUES, strict=True))


def chart_texts(answer: dict[str, Any]) -> list[str]:
    return [
        answer["summary"],
        *answer["patterns"],
        *answer["warnings"],
        *(r["text"] for r in answer["recommendations"]),
    ]


def advanced_texts(answer: dict[str, Any]) -> list[str]:
    return [
        answer["summary"],
        *answer["patterns"],
        *(r["text"] for r in answer["recommendations"]),
        *(a["label"] for a in answer["anomalies"]),
    ]


def training_texts(answer: dict[str, Any]) -> list[str]:
    program = answer["program"]
    texts = [program["title"], program["focus"], *program["aiRecommendations"]]
    texts += [t for t in (program["nutrition"], program["recovery"]) if t is not None]
    return texts + [b["name"] for b in program["blocks"]]


def numbers_in(texts: Iterable[str], strip: Iterable[str]) -> list[float]:
    """The numbers of the texts, once labels, names and dates (whose digits are no facts) are gone."""
    found: list[float] = []
    removed = sorted({s for s in strip if s}, key=len, reverse=True)
    for text in texts:
        for s in removed:
            text = text.replace(s, " ")
        text = ISO_DATE.sub(" ", text)
        found += [float(m) for m in NUMBER.findall(text)]
    return found


def assert_cites_only_facts(texts: list[str], facts: dict[str, Any], strip: Iterable[str]) -> None:
    cited = cited_numbers(facts)
    uncited = [x for x in numbers_in(texts, strip) if x not in cited]
    assert not uncited, (uncited, texts)


def labels_of(*inputs: SeriesIn) -> list[str]:
    return [s.name for s in inputs] + [label for s in inputs for label, _ in s.points]


def assert_evidence(evidence: list[dict[str, Any]]) -> None:
    assert evidence
    for e in evidence:
        assert set(e) == EVIDENCE_KEYS
        assert isinstance(e["metric"], str) and isinstance(e["rule"], str)
        assert e["date"] is None or isinstance(e["date"], str)
        assert isinstance(e["value"], float) and math.isfinite(e["value"])


def assert_language(texts: list[str], locale: str) -> None:
    if locale == "fa-IR":
        assert all(PERSIAN.search(t) for t in texts), texts
    else:
        assert not any(PERSIAN.search(t) for t in texts), texts


def hand_slope(xs: list[float], ys: list[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def hand_robust_z(x: float, reference: list[float]) -> float:
    med = statistics.median(reference)
    mad = statistics.median(abs(v - med) for v in reference)
    return 0.6745 * (x - med) / mad


class TestSeriesFacts:
    def test_linear_series(self) -> None:
        f = series_facts(linear())
        assert f.metric == "weight"
        assert f.n == 5
        assert f.first == ("2024-01-01", 70.0)
        assert f.last == ("2024-01-05", 74.0)
        assert f.change == 4.0
        assert f.change_pct == 5.71  # 100 * 4 / 70 = 5.714…
        assert f.slope_per_day == 1.0
        assert f.direction == "up"
        assert f.minimum == ("2024-01-01", 70.0)
        assert f.maximum == ("2024-01-05", 74.0)
        assert f.mean == 72.0
        assert f.out_of_range == [] and f.anomalies == []

    def test_dates_are_sorted_whatever_the_input_order(self) -> None:
        s = linear()
        shuffled = SeriesIn(s.name, [s.points[i] for i in (3, 0, 4, 1, 2)])
        assert series_facts(shuffled) == series_facts(s)

    def test_slope_is_per_day_on_uneven_dates(self) -> None:
        labels = ["2024-03-01", "2024-03-02", "2024-03-04", "2024-03-08"]
        values = [1.0, 2.0, 5.0, 6.0]
        f = series_facts(SeriesIn("hrv", list(zip(labels, values, strict=True))))
        expected = hand_slope([0.0, 1.0, 3.0, 7.0], values)  # 20.5 / 28.75 = 0.713…
        assert f.slope_per_day == round(expected, 2) == 0.71
        assert f.direction == "up"

    def test_falling_series(self) -> None:
        f = series_facts(series("fat", [74.0, 73.0, 72.0, 71.0, 70.0]))
        assert (f.slope_per_day, f.change, f.change_pct, f.direction) == (-1.0, -4.0, -5.41, "down")

    def test_flat_series(self) -> None:
        # fitted change over 4 days = 4 × slope, far under 1% of the mean (0.7)
        values = [70.0, 70.1, 69.9, 70.0, 70.05]
        f = series_facts(series("weight", values))
        slope = hand_slope([0.0, 1.0, 2.0, 3.0, 4.0], values)
        assert abs(slope * 4) < 0.01 * statistics.mean(values)
        assert f.direction == "flat"
        assert series_facts(series("weight", [5.0] * 4)).direction == "flat"

    def test_zero_mean_is_flat_only_without_change(self) -> None:
        assert series_facts(series("delta", [0.0, 0.0, 0.0])).direction == "flat"
        assert series_facts(series("delta", [-1.0, 0.0, 1.0])).direction == "up"

    def test_just_over_one_percent_is_a_trend(self) -> None:
        # mean 100, fitted change over the window 1.2 (> 1)
        f = series_facts(series("score", [99.4, 100.0, 100.6]))
        assert (f.slope_per_day, f.direction) == (0.6, "up")

    def test_two_points_have_a_slope_but_no_direction(self) -> None:
        f = series_facts(series("weight", [70.0, 72.0]))
        assert (f.n, f.slope_per_day, f.change, f.direction) == (2, 2.0, 2.0, "unknown")

    def test_one_and_no_points(self) -> None:
        one = series_facts(series("weight", [70.0]))
        assert (one.n, one.slope_per_day, one.direction, one.change) == (1, None, "unknown", 0.0)
        none = series_facts(SeriesIn("weight", []))
        assert (none.n, none.first, none.mean, none.direction) == (0, None, None, "unknown")

    def test_nulls_are_skipped(self) -> None:
        f = series_facts(series("weight", [70.0, None, 72.0, None, 74.0]))
        assert (f.n, f.first, f.last, f.slope_per_day) == (3, ("2024-01-01", 70.0), ("2024-01-05", 74.0), 1.0)

    def test_zero_first_value_has_no_percentage(self) -> None:
        f = series_facts(series("load", [0.0, 1.0, 2.0]))
        assert (f.change, f.change_pct) == (2.0, None)

    def test_iso_datetimes_are_a_time_series(self) -> None:
        points: list[tuple[str, float | None]] = [
            ("2024-01-03T08:00:00", 3.0),
            ("2024-01-01T08:00:00+03:30", 1.0),
            ("2024-01-02 08:00", 2.0),
        ]
        f = series_facts(SeriesIn("sleep", points))
        assert (f.first, f.slope_per_day, f.direction) == (("2024-01-01T08:00:00+03:30", 1.0), 1.0, "up")

    def test_ties_name_the_earliest_day(self) -> None:
        f = series_facts(series("weight", [71.0, 70.0, 72.0, 70.0, 72.0]))
        assert (f.minimum, f.maximum) == (("2024-01-02", 70.0), ("2024-01-03", 72.0))

    def test_numbers_are_rounded_to_two_decimals(self) -> None:
        f = series_facts(series("power_to_weight", [1.0, 1.333, 1.5]))
        assert f.mean == round((1.0 + 1.333 + 1.5) / 3, 2) == 1.28
        assert f.change_pct == 50.0


class TestCategorical:
    RADAR = SeriesIn(
        "skills", [("takedown", 5.0), ("escape", 8.0), ("par terre", 3.0), ("defense", 6.0)], high=7.0
    )

    def test_labels_that_are_not_dates_keep_their_order(self) -> None:
        f = series_facts(self.RADAR)
        assert (f.first, f.last) == (("takedown", 5.0), ("defense", 6.0))
        assert (f.minimum, f.maximum) == (("par terre", 3.0), ("escape", 8.0))
        assert f.direction == "unknown"
        assert f.slope_per_day == round(hand_slope([0.0, 1.0, 2.0, 3.0], [5.0, 8.0, 3.0, 6.0]), 2)

    def test_out_of_range_category(self) -> None:
        f = series_facts(self.RADAR)
        assert f.out_of_range == [
            {"metric": "skills: escape", "date": None, "value": 8.0, "rule": "above_range"}
        ]

    def test_one_label_that_is_not_a_date_makes_it_categorical(self) -> None:
        s = SeriesIn("x", [("2024-01-01", 1.0), ("2024-01-02", 2.0), ("final", 3.0)])
        assert (series_facts(s).direction, series_facts(s).last) == ("unknown", ("final", 3.0))

    @pytest.mark.parametrize("locale", LOCALES)
    def test_insight_reports_categories_not_a_trend(self, locale: str) -> None:
        answer, facts = chart_insight(ChartIn("overview-radar", self.RADAR), locale)
        texts = chart_texts(answer)
        joined = " ".join(texts)
        assert "escape" in joined and "par terre" in joined
        assert not any(w in joined for w in ("Trend", "fitted", "روند", "برازش"))
        assert facts["series"][0]["kind"] == "categorical"
        assert facts["series"][0]["anomaly_check"] == {"done": False, "reason": "categorical"}
        assert any("escape" in w and "7" in w for w in answer["warnings"])
        assert_cites_only_facts(texts, facts, labels_of(self.RADAR))
        assert_language(texts, locale)


class TestRanges:
    def test_catalog_range(self) -> None:
        f = series_facts(series("weight", [59.5, 70.0, 71.0, 73.0, 74.25], low=60.0, high=72.0))
        assert f.out_of_range == [
            {"metric": "weight", "date": "2024-01-01", "value": 59.5, "rule": "below_range"},
            {"metric": "weight", "date": "2024-01-04", "value": 73.0, "rule": "above_range"},
            {"metric": "weight", "date": "2024-01-05", "value": 74.25, "rule": "above_range"},
        ]

    def test_bounds_are_exclusive(self) -> None:
        assert series_facts(series("weight", [60.0, 72.0], low=60.0, high=72.0)).out_of_range == []

    def test_thresholds_by_label(self) -> None:
        thresholds = [
            Threshold("max weight", 72.5),  # upper bound: values above
            Threshold("Minimum readiness", 71.5),  # lower bound: values below
            Threshold("target", 73.5),  # neither: crossing upwards only
            Threshold("vo2max line", 73.5),  # "max" inside a word is no bound word: crossing
            Threshold("حداقل", 70.5),  # Persian lower bound
        ]
        f = series_facts(linear(), thresholds)
        rules = [(e["rule"], e["date"]) for e in f.out_of_range]
        assert rules == [
            ("above_threshold:max weight", "2024-01-04"),
            ("above_threshold:max weight", "2024-01-05"),
            ("below_threshold:Minimum readiness", "2024-01-01"),
            ("below_threshold:Minimum readiness", "2024-01-02"),
            ("above_threshold:target", "2024-01-05"),
            ("above_threshold:vo2max line", "2024-01-05"),
            ("below_threshold:حداقل", "2024-01-01"),
        ]

    @pytest.mark.parametrize("locale", LOCALES)
    def test_out_of_range_is_a_warning_and_a_high_priority_review(self, locale: str) -> None:
        s = series("weight", [70.0, 71.0, 72.0, 73.0, 74.0], high=72.0)
        answer, facts = chart_insight(ChartIn("weight-chart", s), locale)
        assert len(answer["warnings"]) == 1
        assert "2024-01-04 (73)" in answer["warnings"][0] and "2024-01-05 (74)" in answer["warnings"][0]
        top = answer["recommendations"][0]
        assert top["priority"] == "high" and "2024-01-04" in top["text"] and "2024-01-05" in top["text"]
        assert [e["rule"] for e in answer["evidence"] if "range" in e["rule"]] == ["above_range"] * 2
        assert facts["series"][0]["n_out_of_range"] == 2
        assert_cites_only_facts(chart_texts(answer), facts, [*labels_of(s), "weight-chart"])


class TestAnomalies:
    POINTS: ClassVar[list[tuple[str, float | None]]] = [
        ("2024-02-01", 61.0),
        ("2024-02-02", 60.0),
        ("2024-02-03", 75.0),
    ]

    def test_robust_z_against_history_and_series(self) -> None:
        f = series_facts(SeriesIn("rest_hr", self.POINTS, history=HISTORY))
        reference = [*HISTORY_VALUES, 61.0, 60.0, 75.0]
        z = hand_robust_z(75.0, reference)  # median 61, MAD 1 → 0.6745 × 14 = 9.443
        assert z == pytest.approx(9.443)
        assert len(f.anomalies) == 1
        a = f.anomalies[0]
        assert (a["metric"], a["date"], a["value"]) == ("rest_hr", "2024-02-03", 75.0)
        assert a["rule"] == f"robust_z={round(z, 2)}" == "robust_z=9.44"
        assert all(abs(hand_robust_z(v, reference)) <= 3.5 for v in (61.0, 60.0))

    def test_only_the_series_points_are_looked_at(self) -> None:
        history = [*HISTORY, ("2023-12-20", 120.0)]  # an old outlier is no anomaly of this chart
        f = series_facts(SeriesIn("rest_hr", self.POINTS[:2], history=history))
        assert f.anomalies == []

    def test_history_on_the_chart_days_is_not_counted_twice(self) -> None:
        history = [*HISTORY, ("2024-02-03", 75.0)]
        _, facts = chart_insight(ChartIn("c", SeriesIn("rest_hr", self.POINTS, history=history)), "en-US")
        assert facts["series"][0]["anomaly_check"]["reference_n"] == 11
        assert facts["series"][0]["anomaly_check"]["history_n"] == 8

    def test_too_few_reference_values(self) -> None:
        _, facts = chart_insight(ChartIn("c", SeriesIn("rest_hr", self.POINTS, history=HISTORY[:4])), "en-US")
        check = facts["series"][0]["anomaly_check"]
        assert (check["done"], check["reason"], check["reference_n"]) == (
            False,
            "too_few_reference_values",
            7,
        )
        assert facts["series"][0]["anomalies"] == []

    def test_zero_mad(self) -> None:
        history = [(d, 60.0) for d in days(8, "2023-12-01")]
        _, facts = chart_insight(ChartIn("c", SeriesIn("rest_hr", self.POINTS, history=history)), "en-US")
        check = facts["series"][0]["anomaly_check"]
        assert (check["done"], check["reason"], check["mad"]) == (False, "mad_zero", 0.0)

    @pytest.mark.parametrize("locale", LOCALES)
    def test_anomaly_is_a_warning_and_a_medium_check(self, locale: str) -> None:
        s = SeriesIn("rest_hr", self.POINTS, history=HISTORY)
        answer, facts = chart_insight(ChartIn("hr", s), locale)
        assert any("9.44" in w and "2024-02-03" in w for w in answer["warnings"])
        assert any("2024-02-03" in r["text"] and r["priority"] == "medium" for r in answer["recommendations"])
        assert 9.44 in cited_numbers(facts)
        assert_cites_only_facts(chart_texts(answer), facts, [*labels_of(s), "hr"])
        assert_language(chart_texts(answer), locale)


class TestChartInsight:
    @pytest.mark.parametrize("locale", LOCALES)
    def test_linear(self, locale: str) -> None:
        answer, facts = chart_insight(ChartIn("weight-trend", linear()), locale)
        assert set(answer) == {"summary", "patterns", "recommendations", "warnings", "evidence"}
        assert "5.71" in answer["summary"] and "+4" in answer["summary"]
        assert "2024-01-01" in answer["summary"] and "2024-01-05" in answer["summary"]
        word = "افزایشی" if locale == "fa-IR" else "up"
        assert word in answer["summary"]
        assert any("+1" in p for p in answer["patterns"])
        assert answer["warnings"] == []
        assert [r["priority"] for r in answer["recommendations"]] == ["low"]
        s = facts["series"][0]
        assert (s["n"], s["slope_per_day"], s["change"], s["change_pct"], s["direction"]) == (
            5,
            1.0,
            4.0,
            5.71,
            "up",
        )
        assert s["min"] == {"label": "2024-01-01", "value": 70.0}
        assert s["max"] == {"label": "2024-01-05", "value": 74.0}
        rules = {e["rule"] for e in answer["evidence"]}
        assert {"first", "last", "minimum", "maximum", "trend:up:least_squares_slope_per_day"} <= rules
        assert_evidence(answer["evidence"])
        assert_cites_only_facts(chart_texts(answer), facts, [*labels_of(linear()), "weight-trend"])
        assert_language(chart_texts(answer), locale)

    @pytest.mark.parametrize("locale", LOCALES)
    def test_flat(self, locale: str) -> None:
        s = series("weight", [70.0, 70.1, 69.9, 70.0, 70.05])
        answer, facts = chart_insight(ChartIn("c", s), locale)
        assert ("ثابت" if locale == "fa-IR" else "flat") in answer["summary"]
        assert any(
            ("روند مشخصی نیست" if locale == "fa-IR" else "No clear trend") in p for p in answer["patterns"]
        )
        assert_cites_only_facts(chart_texts(answer), facts, labels_of(s))

    @pytest.mark.parametrize(
        ("locale", "too_few"),
        [("fa-IR", "برای دیدن روند، داده کافی نیست"), ("en-US", "too few points to see a trend")],
    )
    def test_two_points_are_too_few(self, locale: str, too_few: str) -> None:
        s = series("weight", [70.0, 72.0])
        answer, facts = chart_insight(ChartIn("c", s), locale)
        assert too_few in answer["summary"]
        assert not any(w in " ".join(answer["patterns"]) for w in ("fitted", "Trend", "برازش", "روند"))
        assert [r["priority"] for r in answer["recommendations"]] == ["medium"]
        assert facts["series"][0]["direction"] == "unknown"
        assert any(e["rule"].startswith("too_few_points") and e["value"] == 2.0 for e in answer["evidence"])
        assert_evidence(answer["evidence"])
        assert_cites_only_facts(chart_texts(answer), facts, labels_of(s))
        assert_language(chart_texts(answer), locale)

    @pytest.mark.parametrize("locale", LOCALES)
    def test_no_values(self, locale: str) -> None:
        s = SeriesIn("weight", [("2024-01-01", None)])
        answer, facts = chart_insight(ChartIn("c", s), locale)
        assert facts["series"][0]["n"] == 0 and answer["patterns"] == [] and answer["warnings"] == []
        assert answer["recommendations"][0]["priority"] == "medium"
        assert_language(chart_texts(answer), locale)

    def test_locale_other_than_fa_ir_is_english(self) -> None:
        for locale in ("en-GB", "fa", "de-DE", ""):
            answer, _ = chart_insight(ChartIn("c", linear()), locale)
            assert_language(chart_texts(answer), "en-US")

    def test_facts_are_json_and_deterministic(self) -> None:
        inp = ChartIn("c", SeriesIn("rest_hr", TestAnomalies.POINTS, high=70.0, history=HISTORY))
        first, second = chart_insight(inp, "fa-IR"), chart_insight(inp, "fa-IR")
        assert first == second
        json.dumps(first, allow_nan=False)


class TestAdvancedInsight:
    def inp(self) -> AdvancedIn:
        return AdvancedIn(
            section="recovery",
            chart_id="recovery-trend",
            series=[
                linear(),
                SeriesIn("rest_hr", TestAnomalies.POINTS, history=HISTORY),
                SeriesIn("skills", [("takedown", 5.0), ("escape", 8.0)]),
            ],
            baseline=(72.0, "target"),
            thresholds=[Threshold("max", 73.5)],
        )

    @pytest.mark.parametrize("locale", LOCALES)
    def test_answer(self, locale: str) -> None:
        inp = self.inp()
        answer, facts = advanced_insight(inp, locale)
        assert set(answer) == {
            "summary",
            "patterns",
            "anomalies",
            "recommendations",
            "confidence",
            "evidence",
        }
        label = "rest_hr: z مقاوم 9.44" if locale == "fa-IR" else "rest_hr: robust z 9.44"
        assert answer["anomalies"] == [{"label": label, "date": "2024-02-03", "value": 75.0}]
        # threshold "max" 73.5: weight 74 on 2024-01-05, rest_hr 75 on 2024-02-03
        assert facts["n_out_of_range"] == 2 and facts["n_anomalies"] == 1
        assert facts["total_points"] == 10 and facts["series_count"] == 3
        assert answer["recommendations"][0]["priority"] == "high"
        priorities = [r["priority"] for r in answer["recommendations"]]
        assert priorities == sorted(priorities, key=["high", "medium", "low"].index)
        assert_evidence(answer["evidence"])
        strip = [*labels_of(*inp.series), "recovery-trend", "recovery", "target", "max"]
        assert_cites_only_facts(advanced_texts(answer), facts, strip)
        assert_language(advanced_texts(answer), locale)

    @pytest.mark.parametrize("locale", LOCALES)
    def test_baseline(self, locale: str) -> None:
        answer, facts = advanced_insight(
            AdvancedIn("body", "w", [linear()], baseline=(72.0, "target")), locale
        )
        # last 74 against 72: +2 kg, 100 × 2 / 72 = 2.777… %
        assert facts["series"][0]["vs_baseline"] == {"diff": 2.0, "pct": 2.78}
        line = next(p for p in answer["patterns"] if "target" in p)
        assert "74" in line and "72" in line and "+2" in line and "+2.78" in line
        assert {
            "metric": "weight",
            "date": "2024-01-05",
            "value": 2.0,
            "rule": "last_minus_baseline:target",
        } in (answer["evidence"])

    @pytest.mark.parametrize(
        ("points", "confidence"),
        [(0, 0.0), (1, 0.1), (2, 0.2), (3, 0.37), (5, 0.42), (15, 0.65), (30, 1.0), (45, 1.0)],
    )
    def test_confidence_from_data_quantity(self, points: int, confidence: float) -> None:
        # under 3 values 0.1 each, else 0.3 + 0.7 · min(1, n / 30)
        expected = 0.1 * points if points < 3 else 0.3 + 0.7 * min(1.0, points / 30)
        assert round(expected, 2) == confidence
        inp = AdvancedIn("s", "c", [series("weight", [70.0 + i % 3 for i in range(points)])])
        answer, facts = advanced_insight(inp, "en-US")
        assert answer["confidence"] == confidence == facts["confidence"]
        assert 0.0 <= answer["confidence"] <= 1.0

    @pytest.mark.parametrize("locale", LOCALES)
    def test_too_few_and_empty(self, locale: str) -> None:
        inp = AdvancedIn("s", "c", [series("weight", [70.0, 71.0]), SeriesIn("fat", [])])
        answer, facts = advanced_insight(inp, locale)
        too_few = "کافی نیست" if locale == "fa-IR" else "too few points to see a trend"
        assert too_few in answer["summary"]
        assert answer["anomalies"] == []
        assert answer["confidence"] == 0.2
        assert_cites_only_facts(advanced_texts(answer), facts, labels_of(*inp.series))
        assert_language(advanced_texts(answer), locale)
        empty, _ = advanced_insight(AdvancedIn("s", "c", []), locale)
        assert empty["confidence"] == 0.0 and empty["recommendations"]


def training(**kw: Any) -> TrainingIn:
    base: dict[str, Any] = {
        "date": "2024-03-01",
        "goal": "strength",
        "weight_class": 74.0,
        "weight": ("2024-02-28", 73.2),
        "readiness": ("2024-02-28", 82.0),
        "fatigue": ("2024-02-28", 25.0),
        "sleep": ("2024-02-28", 80.0),
        "rpe": [("2024-02-26", 6.0), ("2024-02-27", 7.0)],
    }
    return TrainingIn(**{**base, **kw})


def total_sets(answer: dict[str, Any]) -> int:
    return sum(int(b["sets"]) for b in answer["program"]["blocks"])


class TestTrainingProgram:
    @pytest.mark.parametrize("locale", LOCALES)
    def test_full_session(self, locale: str) -> None:
        inp = training()
        answer, facts = training_program(inp, locale)
        program = answer["program"]
        assert set(answer) == {"program", "evidence"}
        assert set(program) == {
            "date",
            "title",
            "focus",
            "blocks",
            "nutrition",
            "recovery",
            "aiRecommendations",
        }
        assert program["date"] == "2024-03-01" and "strength" in program["title"]
        assert facts["lighter"] is False and facts["template"] == "strength"
        for b in program["blocks"]:
            assert set(b) == {"name", "sets", "reps"}
            assert isinstance(b["sets"], int) and isinstance(b["reps"], str)
        assert program["nutrition"] is None  # 73.2 kg is within the 74 kg class
        assert facts["weight_minus_class_kg"] == -0.8 and facts["weight_minus_class_pct"] == -1.08
        assert_evidence(answer["evidence"])
        assert_cites_only_facts(training_texts(answer), facts, ["strength", "2024-03-01"])
        assert_language([program["focus"], *program["aiRecommendations"]], locale)

    @pytest.mark.parametrize("locale", LOCALES)
    def test_low_readiness_makes_it_lighter(self, locale: str) -> None:
        full, _ = training_program(training(), locale)
        light, facts = training_program(training(readiness=("2024-02-29", 45.0)), locale)
        assert total_sets(light) < total_sets(full)
        assert len(light["program"]["blocks"]) == len(full["program"]["blocks"])
        assert all(b["sets"] >= 1 for b in light["program"]["blocks"])
        # sets halved, rounded up: strength template 2, 5, 5, 3, 3 → 1, 3, 3, 2, 2
        assert [b["sets"] for b in full["program"]["blocks"]] == [2, 5, 5, 3, 3]
        assert [b["sets"] for b in light["program"]["blocks"]] == [1, 3, 3, 2, 2]
        assert facts["lighter"] is True and facts["lighter_reasons"] == ["readiness"]
        assert any("45" in r and "2024-02-29" in r for r in light["program"]["aiRecommendations"])
        assert {"metric": "readiness", "date": "2024-02-29", "value": 45.0, "rule": "readiness<60"} in light[
            "evidence"
        ]
        assert ("ریکاوری" if locale == "fa-IR" else "recovery") in light["program"]["focus"]
        assert light["program"]["recovery"] is not None
        assert_cites_only_facts(training_texts(light), facts, ["strength", "2024-03-01"])
        assert_language([light["program"]["focus"], *light["program"]["aiRecommendations"]], locale)

    def test_high_fatigue_makes_it_lighter(self) -> None:
        _, facts = training_program(training(fatigue=("2024-02-28", 61.0)), "en-US")
        assert facts["lighter_reasons"] == ["fatigue"]
        _, facts = training_program(training(fatigue=("2024-02-28", 60.0)), "en-US")
        assert facts["lighter"] is False

    def test_recent_rpe_mean(self) -> None:
        # any order; only the latest 5 sessions count: 9, 8, 8, 7, 9 → mean 8.2
        rpe = [
            ("2024-02-27", 9.0),
            ("2024-02-20", 2.0),
            ("2024-02-23", 8.0),
            ("2024-02-25", 7.0),
            ("2024-02-21", 3.0),
            ("2024-02-24", 8.0),
            ("2024-02-28", 9.0),
        ]
        answer, facts = training_program(training(rpe=rpe), "en-US")
        assert facts["rpe_sessions_used"] == 5 and facts["rpe_mean"] == 8.2
        assert facts["lighter_reasons"] == ["rpe"]
        assert any("8.2" in r for r in answer["program"]["aiRecommendations"])
        assert sorted(e["date"] for e in answer["evidence"] if e["metric"] == "session_rpe") == [
            "2024-02-23",
            "2024-02-24",
            "2024-02-25",
            "2024-02-27",
            "2024-02-28",
        ]
        assert_cites_only_facts(training_texts(answer), facts, ["strength", "2024-03-01"])

    @pytest.mark.parametrize("locale", LOCALES)
    def test_weight_above_class(self, locale: str) -> None:
        answer, facts = training_program(training(weight=("2024-02-28", 76.5)), locale)
        # 76.5 − 74 = 2.5 kg, 100 × 2.5 / 74 = 3.378… %
        assert (facts["weight_minus_class_kg"], facts["weight_minus_class_pct"]) == (2.5, 3.38)
        line = next(r for r in answer["program"]["aiRecommendations"] if "2.5" in r)
        assert "3.38" in line and "74" in line and "76.5" in line
        nutrition = answer["program"]["nutrition"]
        assert nutrition is not None and not NUMBER.search(nutrition)
        assert ("تدریجی" if locale == "fa-IR" else "gradual") in nutrition
        assert {
            "metric": "weight_minus_class",
            "date": "2024-02-28",
            "value": 2.5,
            "rule": "above_class",
        } in answer["evidence"]
        assert_cites_only_facts(training_texts(answer), facts, ["strength", "2024-03-01"])

    @pytest.mark.parametrize("locale", LOCALES)
    def test_missing_inputs_get_one_line(self, locale: str) -> None:
        inp = training(weight_class=None, readiness=None, sleep=None, rpe=[])
        answer, facts = training_program(inp, locale)
        notes = answer["program"]["aiRecommendations"]
        assert facts["missing"] == ["weight_class", "readiness", "sleep", "rpe"]
        missing = [n for n in notes if ("داده‌ی موجود نیست" if locale == "fa-IR" else "Missing data") in n]
        assert len(missing) == 1
        assert answer["program"]["nutrition"] is None and facts["weight_minus_class_kg"] is None
        assert_cites_only_facts(training_texts(answer), facts, ["strength", "2024-03-01"])
        _, complete = training_program(training(), locale)
        assert complete["missing"] == []

    @pytest.mark.parametrize(
        ("goal", "template"),
        [
            ("Strength block", "strength"),
            ("افزایش قدرت", "strength"),
            ("power and speed", "power"),
            ("استقامت", "endurance"),
            ("Cut weight for the tournament", "weight"),
            ("کاهش وزن", "weight"),
            ("ریکاوری", "recovery"),
            ("تمرین با وزنه", "general"),  # "weights" (وزنه) is no weight cut
            ("technique", "general"),
            ("", "general"),
        ],
    )
    def test_goal_picks_the_template(self, goal: str, template: str) -> None:
        answer, facts = training_program(training(goal=goal), "fa-IR")
        assert facts["template"] == template
        assert answer["program"]["blocks"]
        assert answer["program"]["title"]

    def test_date_is_returned_verbatim(self) -> None:
        answer, facts = training_program(training(date="1403/01/15"), "fa-IR")
        assert answer["program"]["date"] == facts["date"] == "1403/01/15"


class TestCitedNumbers:
    def test_every_number_recursively(self) -> None:
        facts: dict[str, Any] = {
            "n": 3,
            "pair": ["2024-01-01", 70.5],
            "nested": {"first": {"label": "a", "value": -1.25}, "list": [1, (2.0, "x")], "flag": True},
            "none": None,
            "text": "42",
        }
        assert cited_numbers(facts) == {3.0, 70.5, -1.25, 1.0, 2.0}

    def test_facts_hold_what_the_text_prints(self) -> None:
        _, facts = chart_insight(ChartIn("c", linear()), "en-US")
        assert {70.0, 74.0, 4.0, 5.71, 1.0, 72.0, 5.0} <= cited_numbers(facts)


class TestAnswerLimits:
    """The answer models cap lists at 20, a summary at 2000 characters, a recommendation at 1000 and a
    title at 255; the analyst stays within them whatever the input (up to the request limits)."""

    def test_many_long_series(self) -> None:
        name = "n" * 240
        inputs = [
            SeriesIn(
                f"{name}{i:02d}",
                [(d, 60.0 + (j % 7) + (40.0 if j % 50 == 0 else 0.0)) for j, d in enumerate(days(300))],
                low=61.0,
                high=66.0,
                history=HISTORY,
            )
            for i in range(20)
        ]
        thresholds = [Threshold(f"max {'t' * 240} {i}", 64.5 + i / 10) for i in range(20)]
        for locale in LOCALES:
            answer, facts = advanced_insight(
                AdvancedIn("s", "c", inputs, baseline=(62.0, "b" * 255), thresholds=thresholds), locale
            )
            assert len(answer["patterns"]) <= 20 and len(answer["recommendations"]) <= 20
            assert len(answer["summary"]) <= 2000
            assert all(len(r["text"]) <= 1000 for r in answer["recommendations"])
            assert all(len(p) <= 1000 for p in answer["patterns"])
            # every series keeps a line
            assert all(any(s.name in p for p in answer["patterns"]) for s in inputs)
            assert answer["recommendations"][0]["priority"] == "high"
            strip = [*labels_of(*inputs), *(t.label for t in thresholds), "b" * 255]
            assert_cites_only_facts(advanced_texts(answer), facts, strip)

    def test_many_anomalies_in_one_chart(self) -> None:
        values = [60.0 + (j % 3) + (30.0 if j % 10 == 0 else 0.0) for j in range(5000)]
        s = SeriesIn("rest_hr", list(zip(days(5000, "2000-01-01"), values, strict=True)), high=80.0)
        answer, facts = chart_insight(ChartIn("c", s), "en-US")
        assert facts["series"][0]["n_anomalies"] == 500
        assert len(answer["warnings"]) == 2  # one line for the range, one for the anomalies
        assert len(answer["recommendations"]) <= 20
        assert_cites_only_facts(chart_texts(answer), facts, labels_of(s))

    @pytest.mark.parametrize("locale", LOCALES)
    def test_long_goal_keeps_the_lighter_mark(self, locale: str) -> None:
        answer, _ = training_program(training(goal="strength " * 28, readiness=("2024-02-28", 10.0)), locale)
        title = answer["program"]["title"]
        assert len(title) <= 255
        assert title.endswith("(سبک‌تر)" if locale == "fa-IR" else "(lighter)")
