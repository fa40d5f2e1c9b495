"""Training load against the hand-computed values of the worked example (no database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl
import pytest

from query.training_load import SESSION_SCHEMA, daily_loads, monotony_strain, session_loads, summary

WEEK = [300.0, 0.0, 450.0, 300.0, 600.0, 0.0, 350.0]
END = date(2026, 3, 31)


def test_monotony_and_strain_of_the_worked_example() -> None:
    weekly, mean, sd, monotony, strain = monotony_strain(WEEK)
    assert (weekly, round(mean, 2), round(sd, 2)) == (2000.0, 285.71, 221.20)
    assert monotony == pytest.approx(1.2917, abs=5e-5) and strain == pytest.approx(2583.3, abs=0.05)
    _, _, _, monotony_p, strain_p = monotony_strain(WEEK, sd="population")
    assert monotony_p == pytest.approx(1.3952, abs=5e-5) and strain_p == pytest.approx(2790.3, abs=0.05)
    assert monotony_strain([300.0] * 7)[3:] == (None, None)  # no variation: monotony undefined


def test_session_load_is_rpe_times_minutes_or_the_device_load() -> None:
    sessions = pl.DataFrame(
        {
            "day": [END, END, END],
            "rpe": [7.0, None, 5.0],
            "minutes": [60.0, None, None],
            "device_load": [None, 120.0, None],
        },
        schema=SESSION_SCHEMA,
    )
    got = session_loads(sessions)
    assert got["load"].to_list() == [420.0, 120.0] and got["kind"].to_list() == ["srpe", "device"]


def sessions_for(loads: Sequence[float | None], end: date) -> tuple[pl.DataFrame, list[date]]:
    """One RPE-5 session per day with load/5 minutes; None: no data that day; 0: a rest day."""
    days = [end - timedelta(days=len(loads) - 1 - i) for i in range(len(loads))]
    rows = [(d, 5.0, load / 5, None) for d, load in zip(days, loads, strict=True) if load]
    frame = pl.DataFrame(rows, schema=SESSION_SCHEMA, orient="row")
    rest = [d for d, load in zip(days, loads, strict=True) if load == 0]
    return frame, rest


def test_rest_days_count_zero_and_missing_days_do_not() -> None:
    frame, rest = sessions_for(WEEK, END)
    daily = daily_loads(frame, rest, END - timedelta(days=6), END)
    assert daily["load"].to_list() == WEEK and daily["covered"].all()
    frame, _ = sessions_for(WEEK, END)
    daily = daily_loads(frame, [], END - timedelta(days=6), END)  # the zeros were missing days
    assert daily["load"].to_list() == [300.0, None, 450.0, 300.0, 600.0, None, 350.0]
    s = summary(daily, END)
    assert s["week"]["window"]["daysWithData"] == 5 and s["week"]["weeklyLoad"] == 2000.0


def test_acwr_coupled_uncoupled_and_ewma_with_their_windows() -> None:
    # 28 days at 200 a day before the acute week, then the worked example's week.
    loads: list[float | None] = [*([200.0] * 28), *WEEK]
    frame, rest = sessions_for(loads, END)
    daily = daily_loads(frame, rest, END - timedelta(days=len(loads) - 1), END)
    s = summary(daily, END)
    acute = 2000 / 7
    coupled_chronic = (200 * 21 + 2000) / 28
    assert s["acwrCoupled"]["acute"] == round(acute, 2)
    assert s["acwrCoupled"]["chronic"] == round(coupled_chronic, 2)
    assert s["acwrCoupled"]["ratio"] == round(acute / coupled_chronic, 3)
    assert s["acwrUncoupled"]["chronic"] == 200.0 and s["acwrUncoupled"]["ratio"] == round(acute / 200, 3)
    assert s["acwrUncoupled"]["chronicWindow"]["to"] == (END - timedelta(days=7)).isoformat()
    # EWMA by hand over all 35 days (missing none), λ = 2/8 and 2/29, seeded with the first value
    ea = ec = 200.0
    for x in loads[1:]:
        assert x is not None
        ea, ec = 0.25 * x + 0.75 * ea, (2 / 29) * x + (27 / 29) * ec
    assert s["acwrEwma"]["acute"] == round(ea, 2) and s["acwrEwma"]["chronic"] == round(ec, 2)
    assert s["week"]["monotony"] == 1.2917 and s["week"]["strain"] == 2583.3


def test_below_the_coverage_floors_there_is_no_number() -> None:
    loads: list[float | None] = [None] * 20 + [200.0] * 10 + [300.0, None, None, None, 300.0, 300.0, None]
    frame, rest = sessions_for(loads, END)
    daily = daily_loads(frame, rest, END - timedelta(days=len(loads) - 1), END)
    s = summary(daily, END)
    assert s["week"] == {
        "window": {"from": "2026-03-25", "to": "2026-03-31", "days": 7, "daysWithData": 3},
        "sd": "sample",
        "status": "insufficient data",
    }
    assert s["acwrCoupled"]["status"] == "insufficient data" and s["acwrCoupled"]["ratio"] is None
    assert s["acwrEwma"]["ratio"] is None
