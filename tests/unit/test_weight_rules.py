"""Weight-management arithmetic against the rule books' worked examples (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from query.weight import (
    KG_PER_LB,
    Assessment,
    Basis,
    Flag,
    RuleSet,
    check_weights,
    earliest_day,
    fat_free_mass,
    floor_weight,
    plan_weight,
)

ASSESSED = date(2026, 1, 10)


def test_ncaa_published_example_in_pounds() -> None:
    ffm = fat_free_mass(168, 12)
    assert ffm == pytest.approx(147.84)
    assert floor_weight(ffm, 5) == pytest.approx(155.62, abs=0.005)
    # the same in kg: the arithmetic does not depend on the unit
    assert floor_weight(fat_free_mass(168 * KG_PER_LB, 12), 5) == pytest.approx(155.62 * KG_PER_LB, abs=0.005)


def test_worked_example_in_kg() -> None:
    ffm = fat_free_mass(80.0, 14)
    assert ffm == pytest.approx(68.80)
    assert floor_weight(ffm, 7) == pytest.approx(73.98, abs=0.005)  # NFHS men
    assert floor_weight(ffm, 5) == pytest.approx(72.42, abs=0.005)  # NCAA
    assert floor_weight(ffm, 12) == pytest.approx(78.18, abs=0.005)  # NFHS women
    assert floor_weight(ffm, None) is None  # UWW sets none


@pytest.mark.parametrize(
    ("basis", "expected"),
    [
        ("compounding", [80.00, 78.80, 77.62, 76.45, 75.31, 74.18, 73.07]),
        ("linear", [80.0, 78.8, 77.6, 76.4, 75.2, 74.0, 72.8]),
    ],
)
def test_plan_line_at_week_ends(basis: str, expected: list[float]) -> None:
    got = [plan_weight(80.0, 7 * week, 0.015, basis) for week in range(7)]  # type: ignore[arg-type]
    # The sheet's last compounding figure (73.07) compounds the rounded 74.18; unrounded it is 73.065.
    assert got == pytest.approx(expected, abs=0.011)


def test_earliest_days_of_the_worked_example() -> None:
    floor_nfhs = floor_weight(68.80, 7)
    assert earliest_day(80.0, ASSESSED, 74.0, floor_nfhs, 0.015, "compounding") == date(2026, 2, 16)
    assert earliest_day(80.0, ASSESSED, 74.0, floor_nfhs, 0.015, "linear") == date(2026, 2, 14)
    assert earliest_day(80.0, ASSESSED, 70.0, floor_nfhs, 0.015, "compounding") is None
    assert earliest_day(80.0, ASSESSED, 70.0, floor_weight(68.80, 5), 0.015, "linear") is None
    assert earliest_day(80.0, ASSESSED, 86.0, floor_nfhs, 0.015, "compounding") == ASSESSED  # already there
    assert earliest_day(80.0, ASSESSED, 74.0, None, None, "compounding") == ASSESSED  # no cap, no floor


def test_earliest_days_across_month_and_year_ends() -> None:
    # 35 days linear from 2026-12-20 is 2027-01-24; compounding 37 days is 2027-01-26.
    assert earliest_day(80.0, date(2026, 12, 20), 74.0, 73.98, 0.015, "linear") == date(2027, 1, 24)
    assert earliest_day(80.0, date(2026, 12, 20), 74.0, 73.98, 0.015, "compounding") == date(2027, 1, 26)
    # across February of a leap year
    assert earliest_day(80.0, date(2028, 1, 31), 74.0, 73.98, 0.015, "linear") == date(2028, 3, 6)


def at(day: int, hour: int = 8) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


def daily_check(
    weights: list[tuple[datetime, float]],
    assessment: Assessment | None,
    floor_kg: float | None,
    cap: float | None,
    basis: Basis,
    rapid_loss_pct: float | None,
    rapid_loss_hours: float,
) -> list[Flag]:
    """check_weights of (time, kg) points, their days in UTC."""
    points = [(at.timestamp(), kg) for at, kg in sorted(weights)]
    return check_weights(points, assessment, floor_kg, cap, basis, rapid_loss_pct, rapid_loss_hours, UTC)


def test_daily_check_flags_with_their_numbers() -> None:
    assessed = Assessment(at=at(10, 9), weight_kg=80.0, body_fat_pct=14.0, usg=1.01)
    floor = floor_weight(assessed.ffm_kg, 7)
    weights = [(at(10), 80.0), (at(17, 9), 78.9), (at(24, 9), 76.5), (at(25, 9), 73.5)]
    flags = daily_check(
        weights, assessed, floor, 0.015, "compounding", rapid_loss_pct=2.0, rapid_loss_hours=48
    )
    rules = [(f.rule, f.date) for f in flags]
    assert ("below_plan", "2026-01-17") not in rules  # 78.9 against a plan of 78.80
    assert ("below_plan", "2026-01-24") in rules  # 76.5 against 77.62
    assert ("below_floor", "2026-01-25") in rules
    rapid = next(f for f in flags if f.rule == "rapid_loss")
    assert (
        rapid.date == "2026-01-25"
        and rapid.limit_kg == 76.5
        and rapid.detail["lossPct"] == pytest.approx(3.92)
    )
    plan = next(f for f in flags if f.rule == "below_plan" and f.date == "2026-01-24")
    assert plan.limit_kg == round(80 * 0.985**2, 2)  # two weeks after the assessment (09:00)
    steady = [(at(10) + timedelta(days=d), 80.0 - 0.1 * d) for d in range(10)]
    assert daily_check(steady, assessed, floor, 0.015, "compounding", 2.0, 48) == []


def test_a_rule_set_converts_pound_classes() -> None:
    rules = RuleSet("ncaa", 1, "NCAA", {"male": 5.0}, 0.015, "compounding", 1.020, "lb", {"": [125, 285]})
    assert rules.classes_kg(None) == [56.7, 129.27]


def _rapid_by_brute_force(
    points: list[tuple[datetime, float]], pct: float, hours: float
) -> list[tuple[str, float]]:
    """Every weight against the heaviest earlier one (the first of equals) within the window."""
    out = []
    for i, (t, kg) in enumerate(points):
        earlier = [(s, w) for s, w in points[:i] if t - s <= timedelta(hours=hours)]
        if earlier:
            start = max(earlier, key=lambda p: p[1])
            if (start[1] - kg) / start[1] * 100 > pct + 1e-9:
                out.append((t.date().isoformat(), start[1]))
    return out


@given(
    st.lists(
        st.tuples(st.integers(0, 400), st.integers(700, 800)),
        min_size=1,
        max_size=40,
        unique_by=lambda p: p[0],
    )
)
def test_rapid_loss_uses_the_heaviest_weight_of_the_window(raw: list[tuple[int, int]]) -> None:
    points = sorted((at(1) + timedelta(hours=h), kg / 10) for h, kg in raw)
    flags = daily_check(points, None, None, None, "compounding", 2.0, 48)
    assert [(f.date, f.limit_kg) for f in flags] == _rapid_by_brute_force(points, 2.0, 48)


def test_only_weights_since_the_window_start_are_flagged_but_a_loss_may_start_before_it() -> None:
    assessed = Assessment(at=at(1, 9), weight_kg=80.0, body_fat_pct=14.0, usg=None)
    floor = floor_weight(assessed.ffm_kg, 7)  # 73.98
    points = [(at(10, 6).timestamp(), 73.0), (at(14, 20).timestamp(), 76.0), (at(15, 8).timestamp(), 74.0)]
    since = at(15).timestamp()
    flags = check_weights(points, assessed, floor, None, "compounding", 2.0, 48, UTC, since=since)
    # Day 10 is below the floor but before the window; day 15 is 2.63 % under day 14's evening weight.
    assert [(f.rule, f.date, f.limit_kg) for f in flags] == [
        ("rapid_loss", at(15).date().isoformat(), 76.0),
    ]
    everything = check_weights(points, assessed, floor, None, "compounding", 2.0, 48, UTC)
    assert [(f.rule, f.date) for f in everything][:1] == [("below_floor", at(10).date().isoformat())]
