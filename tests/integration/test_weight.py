"""Weight management end to end: rule sets, a team's settings, the wrestler attributes the rules
need, the assessment and its hydration gate from stored series, the plan and the earliest day of
each class, the daily check's flags, the weigh-in ledger with its corrections, the team board."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from core.access import Scope
from core.config import Settings
from db import weight as weight_sql
from db.types import PgConn
from query.weight_status import fill_missing_checks
from tests.dashboard_fixtures import World, make_world, write

API = "/api/v1"


def days_ago(days: int, hour: int) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days) + timedelta(hours=hour)


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


async def nfhs(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    sets = (await client.get(f"{API}/rule-sets", headers=world.coach)).json()["ruleSets"]
    rules: dict[str, Any] = next(r for r in sets if r["key"] == "nfhs")
    r = await client.put(
        f"{API}/teams/{world.team}/weight-settings",
        json={"ruleSetId": rules["id"], "rapidLossPct": 2.0, "rapidLossHours": 48},
        headers=world.coach,
    )
    assert r.status_code == 200, r.text
    r = await client.put(f"{API}/wrestlers/{world.wrestler}", json={"sex": "male"}, headers=world.coach)
    assert r.status_code == 200, r.text
    return rules


async def test_rule_sets_are_versioned_data(client: httpx.AsyncClient, world: World) -> None:
    sets = (await client.get(f"{API}/rule-sets", headers=world.athlete)).json()["ruleSets"]
    by_key = {r["key"]: r for r in sets}
    assert {"nfhs", "ncaa", "uww"} <= set(by_key)
    assert (
        by_key["nfhs"]["minBodyFatMale"],
        by_key["nfhs"]["minBodyFatFemale"],
        by_key["nfhs"]["usgMax"],
    ) == (
        7,
        12,
        1.025,
    )
    assert by_key["ncaa"]["usgMax"] == 1.02 and by_key["uww"]["weeklyLossCap"] is None
    assert by_key["uww"]["classes"]["freestyle"] == [57, 61, 65, 70, 74, 79, 86, 92, 97, 125]
    body = {
        "key": "nfhs",
        "name": "NFHS (state variant)",
        "minBodyFatMale": 7,
        "weeklyLossCap": 0.015,
        "capBasis": "linear",
        "usgMax": 1.025,
        "unit": "lb",
        "classes": {"": [106, 285]},
    }
    created = await client.post(f"{API}/rule-sets", json=body, headers=world.admin)
    assert created.status_code == 201 and created.json()["version"] == 2
    assert (await client.post(f"{API}/rule-sets", json=body, headers=world.coach)).status_code == 403
    bad = await client.post(f"{API}/rule-sets", json=body | {"weeklyLossCap": 0.5}, headers=world.admin)
    assert bad.status_code == 422 and "body.weeklyLossCap" in bad.json()["details"]


async def test_wrestler_attributes_are_validated(client: httpx.AsyncClient, world: World) -> None:
    body = {
        "nameFa": "نو",
        "nameEn": "New",
        "weightClass": 74,
        "sex": "female",
        "dateOfBirth": "2006-05-01",
        "style": "women",
    }
    r = await client.post(f"{API}/wrestlers", json=body, headers=world.coach)
    assert r.status_code == 201, r.text
    assert (r.json()["sex"], r.json()["dateOfBirth"], r.json()["style"]) == ("female", "2006-05-01", "women")
    for field, value in (("sex", "x"), ("dateOfBirth", "1800-01-01"), ("style", "Free Style")):
        bad = await client.post(f"{API}/wrestlers", json=body | {field: value}, headers=world.coach)
        assert bad.status_code == 422 and f"body.{field}" in bad.json()["details"], (field, bad.text)
    wid = r.json()["id"]
    assert (
        await client.put(f"{API}/wrestlers/{wid}", json={"sex": None}, headers=world.coach)
    ).status_code == 200
    assert (await client.get(f"{API}/wrestlers/{wid}", headers=world.coach)).json()["sex"] is None


async def test_assessment_floor_plan_and_flags(client: httpx.AsyncClient, conn: PgConn, world: World) -> None:
    await nfhs(client, world)
    # Assessment 20 days ago: a passing hydration test, then 80.0 kg at 14 % body fat.
    await write(
        conn,
        world.wrestler,
        [
            ("urine_specific_gravity", days_ago(20, 5), 1.018),
            ("weight", days_ago(20, 6), 80.0),
            ("body_fat", days_ago(20, 7), 14.0),
            ("weight", days_ago(6, 6), 77.0),  # the plan allows 77.62 two weeks on: too fast
            ("weight", days_ago(2, 6), 75.2),
            ("weight", days_ago(1, 6), 73.5),  # below the floor (73.98), 2.26 % down in 24 hours
        ],
    )
    r = await client.put(
        f"{API}/wrestlers/{world.wrestler}/weight-plan",
        json={"targetClassKg": 74.0, "targetDate": (days_ago(-30, 0)).date().isoformat()},
        headers=world.coach,
    )
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["assessment"]["weightKg"] == 80.0 and s["assessment"]["fatFreeMassKg"] == 68.8
    assert s["assessment"]["usg"] == 1.018
    assert s["floor"] == {"minBodyFatPct": 7.0, "weightKg": 73.98, "source": "rule_set"}
    assessed = datetime.fromisoformat(s["assessment"]["at"]).date()
    assert s["plan"]["earliestDate"] == (assessed + timedelta(days=37)).isoformat()
    assert s["plan"]["reachable"] is True and s["plan"]["onTimeForTargetDate"] is True
    assert [p["weightKg"] for p in s["plan"]["line"][:3]] == [80.0, 78.8, 77.62]
    classes = {c["limitKg"]: c for c in s["classes"]}
    assert classes[74.84]["reachable"] is True  # 165 lb
    assert (
        classes[68.04]["reachable"] is False and classes[68.04]["earliestDate"] is None
    )  # 150 lb, below the floor
    rules = {f["rule"] for f in s["flags"]}
    assert {"below_plan", "below_floor", "rapid_loss"} <= rules
    floor_flag = next(f for f in s["flags"] if f["rule"] == "below_floor")
    assert (floor_flag["weightKg"], floor_flag["limitKg"]) == (73.5, 73.98)
    rapid = next(f for f in s["flags"] if f["rule"] == "rapid_loss")
    assert (rapid["weightKg"], rapid["limitKg"], rapid["detail"]) == (
        73.5,
        75.2,
        {"lossPct": 2.26, "hours": 24.0},
    )
    assert s["today"]["status"] == "below_floor" and s["today"]["weightKg"] == 73.5

    board = await client.get(f"{API}/teams/{world.team}/weight-board", headers=world.coach)
    assert board.status_code == 200
    row = next(w for w in board.json()["wrestlers"] if w["wrestlerId"] == str(world.wrestler))
    assert (row["status"], row["floorKg"], row["classKg"], row["daysToEvent"]) == (
        "below_floor",
        73.98,
        74.0,
        30,
    )
    assert (
        await client.get(f"{API}/teams/{world.team}/weight-board", headers=world.other_coach)
    ).status_code == 403


async def test_the_board_reads_the_stored_checks_only_while_they_are_current(
    client: httpx.AsyncClient, conn: PgConn, world: World, settings: Settings
) -> None:
    await nfhs(client, world)
    await write(
        conn,
        world.wrestler,
        [
            ("urine_specific_gravity", days_ago(20, 5), 1.018),
            ("weight", days_ago(20, 6), 80.0),
            ("body_fat", days_ago(20, 7), 14.0),
            ("weight", days_ago(2, 6), 75.2),
            ("weight", days_ago(1, 6), 73.5),  # below the floor, 2.26 % down in 24 hours
        ],
    )

    async def board() -> dict[str, Any]:
        r = await client.get(f"{API}/teams/{world.team}/weight-board", headers=world.coach)
        assert r.status_code == 200, r.text
        return next(w for w in r.json()["wrestlers"] if w["wrestlerId"] == str(world.wrestler))

    # The write stored the wrestler's check; the board from it is the board checked afresh.
    assert (
        await conn.fetchval("SELECT count(*) FROM weight_checks WHERE wrestler_id = $1", world.wrestler) == 1
    )
    stored = await board()
    assert [f["rule"] for f in stored["flags"]] == ["below_floor", "below_plan", "rapid_loss"]
    assert stored["status"] == "below_floor" and stored["weightKg"] == 73.5
    await conn.execute("DELETE FROM weight_checks")
    assert await board() == stored
    zone = ZoneInfo(settings.bucket_timezone)
    assert await fill_missing_checks(conn, datetime.now(zone).date(), zone) == 1

    # A threshold changed behind the stored check's back: the check is outdated and not used.
    await conn.execute("UPDATE teams SET rapid_loss_pct = 5 WHERE id = $1", world.team)
    fresh = await board()
    assert [f["rule"] for f in fresh["flags"]] == ["below_floor", "below_plan"]
    # Changed through the API, the stored checks follow in the same transaction.
    r = await client.put(
        f"{API}/teams/{world.team}/weight-settings",
        json={"ruleSetId": None, "rapidLossPct": 2.0, "rapidLossHours": 48},
        headers=world.coach,
    )
    assert r.status_code == 200, r.text
    inputs = await conn.fetchval("SELECT inputs FROM weight_checks WHERE wrestler_id = $1", world.wrestler)
    assert "None" in inputs  # no rule set: no floor, no cap
    without_rules = await board()
    assert [f["rule"] for f in without_rules["flags"]] == ["rapid_loss"]
    await conn.execute("DELETE FROM weight_checks")
    assert await board() == without_rules


async def assessed(conn: PgConn, world: World, usg_max: float | None) -> tuple[Any, ...] | None:
    """(time, weight, body fat, usg) of the assessment the weight context picks under a gate."""
    await conn.execute(
        "UPDATE rule_sets SET usg_max = $1 WHERE id = (SELECT rule_set_id FROM teams WHERE id = $2)",
        usg_max,
        world.team,
    )
    ctx = await weight_sql.weight_context(
        conn, Scope.of("admin", None, None), world.wrestler, days_ago(60, 0), days_ago(14, 0)
    )
    assert ctx is not None
    if ctx["assessed_at"] is None:
        return None
    return (ctx["assessed_at"], ctx["assessed_weight"], ctx["assessed_body_fat"], ctx["assessed_usg"])


async def test_the_hydration_gate_and_the_24_hours_before_a_reading(
    client: httpx.AsyncClient, conn: PgConn, world: World
) -> None:
    await nfhs(client, world)
    await write(
        conn,
        world.wrestler,
        [
            ("urine_specific_gravity", days_ago(10, 7), 1.018),
            ("weight", days_ago(10, 8), 80.0),
            ("body_fat", days_ago(10, 9), 14.0),
            ("urine_specific_gravity", days_ago(8, 7), 1.031),  # fails NFHS's 1.025
            ("weight", days_ago(8, 8), 79.5),
            ("body_fat", days_ago(8, 9), 13.5),
        ],
    )
    first, second = (days_ago(10, 9), 80.0, 14.0, 1.018), (days_ago(8, 9), 79.5, 13.5, 1.031)
    s = (await client.get(f"{API}/wrestlers/{world.wrestler}/weight-plan", headers=world.athlete)).json()
    assert (s["assessment"]["weightKg"], s["assessment"]["bodyFatPct"], s["assessment"]["usg"]) == (
        80.0,
        14.0,
        1.018,
    )
    assert await assessed(conn, world, 1.025) == first  # a reading after a failing test does not count
    assert await assessed(conn, world, 1.020) == first  # 1.018 passes NCAA's gate too
    assert await assessed(conn, world, None) == second  # UWW: no gate
    assert await assessed(conn, world, 1.015) is None  # no test passes
    # A weight more than 24 hours before the reading does not pair with it; a test after it neither.
    await write(
        conn,
        world.wrestler,
        [
            ("weight", days_ago(5, 8), 79.0),
            ("urine_specific_gravity", days_ago(4, 10), 1.010),
            ("body_fat", days_ago(4, 9), 13.0),
        ],
    )
    assert await assessed(conn, world, None) == second
    # A later write of a weight (and of a passing test) in the 24 hours before it makes it count.
    await write(conn, world.wrestler, [("weight", days_ago(4, 8), 78.8)])
    assert await assessed(conn, world, None) == (days_ago(4, 9), 78.8, 13.0, None)
    assert await assessed(conn, world, 1.025) == first
    await write(conn, world.wrestler, [("urine_specific_gravity", days_ago(4, 1), 1.012)])
    assert await assessed(conn, world, 1.025) == (days_ago(4, 9), 78.8, 13.0, 1.012)
    # A weight at the same time as the reading pairs with it, and the latest one before it is used.
    await write(conn, world.wrestler, [("weight", days_ago(4, 9), 78.6)])
    assert (await assessed(conn, world, 1.025) or ())[1] == 78.6


async def test_a_scan_above_the_healthy_ecw_tbw_band_is_flagged(
    client: httpx.AsyncClient, conn: PgConn, world: World
) -> None:
    await nfhs(client, world)
    await write(
        conn,
        world.wrestler,
        [
            ("ecw_tbw_ratio", days_ago(3, 7), 0.385),  # inside InBody's 0.36-0.39
            ("ecw_tbw_ratio", days_ago(1, 7), 0.402),
            ("ecw_tbw_ratio", days_ago(20, 7), 0.41),  # older than the 14 days the check reads
            ("weight", days_ago(1, 6), 80.0),
        ],
    )
    s = (await client.get(f"{API}/wrestlers/{world.wrestler}/weight-plan", headers=world.coach)).json()
    flags = [f for f in s["flags"] if f["rule"] == "ecw_tbw_high"]
    assert flags == [
        {
            "rule": "ecw_tbw_high",
            "date": days_ago(1, 7).astimezone(ZoneInfo("Asia/Tehran")).date().isoformat(),
            "weightKg": None,
            "limitKg": None,
            "detail": {"ecwTbw": 0.402, "limit": 0.39},
        }
    ]
    board = (await client.get(f"{API}/teams/{world.team}/weight-board", headers=world.coach)).json()
    row = next(w for w in board["wrestlers"] if w["wrestlerId"] == str(world.wrestler))
    assert [f["rule"] for f in row["flags"]] == ["ecw_tbw_high"] and row["weightKg"] == 80.0


async def test_without_an_assessment_the_status_says_why(client: httpx.AsyncClient, world: World) -> None:
    s = (await client.get(f"{API}/wrestlers/{world.wrestler}/weight-plan", headers=world.coach)).json()
    assert s["assessment"] is None and s["floor"] is None and s["today"]["status"] == "no_weight"
    assert any("rule set" in n for n in s["notes"]) and any("assessment" in n for n in s["notes"])


async def test_the_weigh_in_ledger_supersedes_and_never_overwrites(
    client: httpx.AsyncClient, conn: PgConn, world: World
) -> None:
    at = days_ago(2, 4).isoformat()
    first = await client.post(
        f"{API}/wrestlers/{world.wrestler}/weigh-ins",
        json={"weighedAt": at, "weightKg": 74.6, "source": "Seca 877 #2", "event": "Takhti Cup"},
        headers=world.coach,
    )
    assert first.status_code == 201, first.text
    original = first.json()
    stored = await conn.fetchval(
        "SELECT value FROM body_composition_series s JOIN metric_definitions m ON m.id = s.metric_id"
        " WHERE m.key = 'weight' AND s.wrestler_id = $1",
        world.wrestler,
    )
    assert stored == 74.6  # the weigh-in is a weight point too
    by_athlete = await client.post(
        f"{API}/weigh-ins/{original['id']}/corrections",
        json={"weightKg": 74.1, "reason": "x"},
        headers=world.athlete,
    )
    assert by_athlete.status_code == 403
    by_other = await client.post(
        f"{API}/weigh-ins/{original['id']}/corrections",
        json={"weightKg": 74.1, "reason": "x"},
        headers=world.other_coach,
    )
    assert by_other.status_code == 404
    fixed = await client.post(
        f"{API}/weigh-ins/{original['id']}/corrections",
        json={"weightKg": 74.1, "reason": "scale not zeroed"},
        headers=world.admin,
    )
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["supersedes"] == original["id"] and fixed.json()["weighedAt"] == original["weighedAt"]
    again = await client.post(
        f"{API}/weigh-ins/{original['id']}/corrections",
        json={"weightKg": 74.0, "reason": "y"},
        headers=world.admin,
    )
    assert again.status_code == 409
    ledger = await client.get(f"{API}/wrestlers/{world.wrestler}/weigh-ins", headers=world.athlete)
    assert ledger.headers["X-Total-Count"] == "2"
    rows = {r["id"]: r for r in ledger.json()["weighIns"]}
    assert (
        rows[original["id"]]["weightKg"] == 74.6
        and rows[original["id"]]["supersededBy"] == fixed.json()["id"]
    )
    assert rows[fixed.json()["id"]]["reason"] == "scale not zeroed"
    stored = await conn.fetchval(
        "SELECT value FROM body_composition_series s JOIN metric_definitions m ON m.id = s.metric_id"
        " WHERE m.key = 'weight' AND s.wrestler_id = $1",
        world.wrestler,
    )
    assert stored == 74.1  # the series holds the corrected value at the same time
    out_of_range = await client.post(
        f"{API}/wrestlers/{world.wrestler}/weigh-ins",
        json={"weighedAt": at, "weightKg": 260, "source": "s"},
        headers=world.coach,
    )
    assert out_of_range.status_code == 422
    assert (
        await client.post(
            f"{API}/wrestlers/{world.wrestler}/weigh-ins",
            json={"weighedAt": at, "weightKg": 74.0, "source": "s"},
            headers=world.athlete,
        )
    ).status_code == 403


async def test_training_load_from_stored_sessions(
    client: httpx.AsyncClient, conn: PgConn, world: World
) -> None:
    # The worked example's week ending yesterday: RPE 5 sessions of load/5 minutes, rest days recorded as
    # a recovery reading; one session has only a device's load (TRIMP).
    week = [300.0, 0.0, 450.0, 300.0, 600.0, 0.0, 350.0]
    points = []
    for i, load in enumerate(week):
        at = days_ago(7 - i, 10)
        if load == 0:
            points.append(("sleep_quality", at, 80.0))
        elif i == 6:
            points.append(("training_load", at, load))
        else:
            points += [("rpe", at, 5.0), ("session_duration", at, load / 5 * 60)]
    await write(conn, world.wrestler, points)
    last = days_ago(1, 12).date()
    r = await client.get(
        f"{API}/wrestlers/{world.wrestler}/training-load",
        params={"from": (last - timedelta(days=6)).isoformat(), "to": last.isoformat()},
        headers=world.athlete,
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert [d["load"] for d in got["days"]] == week
    assert got["days"][6]["kinds"] == ["device"] and got["days"][0]["kinds"] == ["srpe"]
    week_figures = got["latest"]["week"]
    assert (week_figures["weeklyLoad"], week_figures["monotony"], week_figures["strain"]) == (
        2000.0,
        1.2917,
        2583.3,
    )
    assert got["latest"]["acwrCoupled"]["status"] == "insufficient data"  # 7 of 28 chronic days
    assert got["latest"]["acwrCoupled"]["chronicWindow"]["daysWithData"] == 7
    assert "descriptive" in got["label"]
    # The team board shows the latest figures the write path stored: today's, as the endpoint computes them.
    today = (await client.get(f"{API}/teams/{world.team}/weight-board", headers=world.coach)).json()["date"]
    now = await client.get(
        f"{API}/wrestlers/{world.wrestler}/training-load",
        params={"from": today, "to": today},
        headers=world.coach,
    )
    cards = (await client.get(f"{API}/teams/{world.team}/athletes", headers=world.coach)).json()["athletes"]
    card = next(c for c in cards if c["id"] == str(world.wrestler))
    assert card["trainingLoad"] == now.json()["latest"] and card["trainingLoad"]["date"] == today
    assert card["trainingLoad"]["week"]["status"] == "ok"
    assert all(c["trainingLoad"] is None for c in cards if c["id"] != str(world.wrestler))
    too_long = await client.get(
        f"{API}/wrestlers/{world.wrestler}/training-load",
        params={"from": "2020-01-01", "to": "2026-01-01"},
        headers=world.coach,
    )
    assert too_long.status_code == 422
