"""The score formulas of query/registry.py against their reference vectors (pure Polars, no database)."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from query.scores import INPUT_SCHEMA, all_scores, overall_scores, score_changes, section_scores

SEED = {
    "overall_score": 86,
    "msi": 92,
    "mes": 78,
    "api": 420,
    "vo2max": 55,
    "frr": 84,
    "acs": 72,
    "bos": 4,
    "weight": 86,
    "body_fat": 8.5,
    "muscle_mass": 76.2,
    "bmr": 2150,
    "power_to_weight": 1.92,
    "hemoglobin": 16.2,
    "hematocrit": 47.5,
    "testosterone": 720,
    "sleep_quality": 88,
    "hrv_score": 72,
    "fatigue_level": 22,
    "hydration_level": 85,
    "readiness_score": 87,
    "adherence": 92,
    "performance_correlation": 0.85,
    "bench": 330,
    "squat": 460,
    "deadlift": 520,
}


def inputs(values: dict[str, float], wrestler: str = "w1", t: float = 1000.0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "wrestler_id": [wrestler] * len(values),
            "key": list(values),
            "value": [float(v) for v in values.values()],
            "recorded_at": [t] * len(values),
        },
        schema=INPUT_SCHEMA,
    )


def score_of(values: dict[str, float], section: str) -> tuple[float, str]:
    scores, _ = section_scores(inputs(values))
    row = scores.filter(pl.col("section") == section).row(0, named=True)
    return row["score"], row["grade"]


class TestReferenceVectors:
    def test_overview(self) -> None:
        score, grade = score_of(SEED, "overview")
        assert (round(score, 1), grade) == (72.8, "warning")

    @pytest.mark.parametrize(("weight", "expected"), [(86, 92.2), (125, 81.2), (65, 96.8)])
    def test_body_composition(self, weight: float, expected: float) -> None:
        score, grade = score_of({**SEED, "weight": weight}, "body_composition")
        assert (round(score, 1), grade) == (expected, "good")

    def test_bloodwork(self) -> None:
        score, grade = score_of(SEED, "bloodwork")
        assert (round(score, 1), grade) == (96.1, "good")

    def test_recovery_rounds_up_but_grades_unrounded(self) -> None:
        score, grade = score_of(SEED, "recovery")
        assert score == pytest.approx(74.95)
        assert (round(score, 1), grade) == (75.0, "warning")

    def test_supplements(self) -> None:
        score, grade = score_of(SEED, "supplements")
        assert (round(score, 1), grade) == (92.2, "good")

    def test_performance(self) -> None:
        score, grade = score_of({**SEED, "body_fat": 13.5, "vo2max": 53.7}, "bodybuilding_performance")
        assert (round(score, 1), grade) == (89.7, "good")


class TestSectionScores:
    def test_no_inputs_no_score(self) -> None:
        scores, drivers = section_scores(inputs({"bmr": 2000}))
        assert scores.is_empty() and drivers.is_empty()

    def test_partial_inputs_renormalise(self) -> None:
        score, _ = score_of({"adherence": 90}, "supplements")
        assert score == pytest.approx(90.0)

    def test_drivers_weights_sum_to_one_and_contributions_to_score(self) -> None:
        _scores, drivers = section_scores(inputs(SEED))
        d = drivers.filter(pl.col("section") == "recovery")
        assert d["weight"].sum() == pytest.approx(1.0)
        assert d["contribution"].sum() == pytest.approx(74.95)
        assert dict(zip(d["metric"], d["impact"], strict=True))["fatigueLevel"] == "+"
        assert dict(zip(d["metric"], d["impact"], strict=True))["hrvScore"] == "-"

    def test_recorded_at_is_newest_input(self) -> None:
        df = pl.concat([inputs({"adherence": 90}, t=10.0), inputs({"performance_correlation": 0.5}, t=20.0)])
        scores, _ = section_scores(df)
        assert scores["recorded_at"].to_list() == [20.0]


class TestOverallScore:
    def test_renormalised_over_present_sections(self) -> None:
        sections = pl.DataFrame(
            {
                "wrestler_id": ["w", "w"],
                "section": ["recovery", "supplements"],
                "score": [80.0, 50.0],
                "grade": ["good", "bad"],
                "recorded_at": [1.0, 2.0],
            },
        )
        overall, drivers = overall_scores(sections)
        assert overall["score"].to_list() == [pytest.approx((0.2 * 80 + 0.1 * 50) / 0.3)]
        assert overall["recorded_at"].to_list() == [2.0]
        assert sorted(drivers["metric"].to_list()) == ["recovery", "supplements"]

    def test_seed_scores_give_reference_overall(self) -> None:
        sections = pl.DataFrame(
            {
                "wrestler_id": ["w"] * 6,
                "section": [
                    "overview",
                    "body_composition",
                    "bloodwork",
                    "recovery",
                    "supplements",
                    "bodybuilding_performance",
                ],
                "score": [86.0, 84.0, 88.0, 87.0, 80.0, 87.0],
                "grade": ["good"] * 6,
                "recorded_at": [1.0] * 6,
            },
        )
        overall, _ = overall_scores(sections)
        assert round(overall["score"][0], 1) == 85.7


class TestScoreChanges:
    def test_unchanged_inputs_write_nothing(self) -> None:
        s, d = all_scores(inputs(SEED))
        new_s, new_d, gone = score_changes(s, d, s, d, ["w1"])
        assert new_s.is_empty() and new_d.is_empty() and gone.is_empty()

    def test_changed_input_rewrites_its_section_and_overall(self) -> None:
        s, d = all_scores(inputs(SEED))
        s2, d2 = all_scores(inputs({**SEED, "adherence": 50}))
        new_s, _, _ = score_changes(s2, d2, s, d, ["w1"])
        assert sorted(new_s["section"].to_list()) == ["overall", "supplements"]

    def test_vanished_section_is_deleted(self) -> None:
        s, d = all_scores(inputs(SEED))
        s2, d2 = all_scores(
            inputs({k: v for k, v in SEED.items() if k not in ("adherence", "performance_correlation")})
        )
        _, _, gone = score_changes(s2, d2, s, d, ["w1"])
        assert_frame_equal(gone, pl.DataFrame({"wrestler_id": ["w1"], "section": ["supplements"]}))


def test_inputs_beyond_a_formula_s_range_keep_every_score_within_0_100() -> None:
    extreme = {
        **SEED,
        "vo2max": 250,
        "frr": 400,
        "acs": -30,
        "hydration_level": 300,
        "hrv_score": 400,
        "readiness_score": 180,
        "fatigue_level": -50,
        "adherence": 500,
        "performance_correlation": 9,
        "sleep_quality": 250,
        "msi": 900,
        "mes": -5,
    }
    scores, _ = all_scores(inputs(extreme))
    assert scores.height > 0
    assert scores["score"].min() >= 0.0  # type: ignore[operator]
    assert scores["score"].max() <= 100.0  # type: ignore[operator]
    assert (scores.filter(pl.col("section") == "recovery")["score"] == 100.0).all()
