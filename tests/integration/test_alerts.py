"""Baseline alerts computed by the write path for what a write changed, and read back with their
evidence: a real change alerts, noise does not, an undone write takes its alert away, a team sees
its wrestlers' alerts only."""

from __future__ import annotations

import math
import statistics
from typing import Any

import httpx
import pytest

from core.config import Settings
from db.types import PgConn
from tests.dashboard_fixtures import World, local_date, local_noon, make_world, write
from tests.series_fixtures import NOISE


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    w = await make_world(conn, settings)
    # 20 days of a steady weight ending two days ago, and the same for the other team's wrestler
    for wrestler in (w.wrestler, w.other):
        await write(conn, wrestler, [("weight", local_noon(22 - i), 80.0 + n) for i, n in enumerate(NOISE)])
    return w


async def alerts(client: httpx.AsyncClient, world: World, who: dict[str, str]) -> list[dict[str, object]]:
    r = await client.get(f"/api/v1/wrestlers/{world.wrestler}/alerts", headers=who)
    assert r.status_code == 200, r.text
    return r.json()["alerts"]  # type: ignore[no-any-return]


async def test_a_real_change_alerts_with_its_evidence_and_noise_does_not(
    client: httpx.AsyncClient, conn: PgConn, world: World
) -> None:
    assert await alerts(client, world, world.athlete) == []
    await write(conn, world.wrestler, [("weight", local_noon(1), 80.1)])  # noise
    assert await alerts(client, world, world.athlete) == []
    await write(conn, world.wrestler, [("weight", local_noon(0), 83.0)])
    got = await alerts(client, world, world.coach)
    assert len(got) == 1
    a = got[0]
    assert (a["metric"], a["date"], a["level"], a["realChange"]) == ("weight", local_date(0), "red", True)
    ev = a["evidence"]
    assert ev["value"] == 83.0 and ev["window"]["daysWithData"] == 21 and ev["window"]["days"] == 28  # type: ignore[index]
    assert ev["swcSource"] == "catalog" and ev["typicalError"] == 0.3 and ev["z"] > 2  # type: ignore[index]
    team = await client.get(f"/api/v1/teams/{world.team}/alerts", headers=world.coach)
    assert [x["wrestlerId"] for x in team.json()["alerts"]] == [str(world.wrestler)]
    assert team.headers["X-Total-Count"] == "1"
    other = await client.get(f"/api/v1/teams/{world.other_team}/alerts", headers=world.coach)
    assert other.status_code == 403


async def test_correcting_the_value_takes_the_alert_away(
    client: httpx.AsyncClient, conn: PgConn, world: World
) -> None:
    await write(conn, world.wrestler, [("weight", local_noon(0), 83.0)])
    assert len(await alerts(client, world, world.coach)) == 1
    await write(conn, world.wrestler, [("weight", local_noon(0), 80.0)])  # the same time, corrected
    assert await alerts(client, world, world.coach) == []


async def test_a_wrestler_who_changes_team_takes_the_alerts_along(
    client: httpx.AsyncClient, conn: PgConn, world: World
) -> None:
    await write(conn, world.wrestler, [("weight", local_noon(0), 83.0)])

    async def team_alerts(team: object, who: dict[str, str]) -> list[str]:
        r = await client.get(f"/api/v1/teams/{team}/alerts", headers=who)
        assert r.status_code == 200, r.text
        assert r.headers["X-Total-Count"] == str(len(r.json()["alerts"]))
        return [a["wrestlerId"] for a in r.json()["alerts"]]

    assert await team_alerts(world.team, world.coach) == [str(world.wrestler)]
    await conn.execute("UPDATE wrestlers SET team_id = $1 WHERE id = $2", world.other_team, world.wrestler)
    assert await team_alerts(world.team, world.coach) == []
    assert await team_alerts(world.other_team, world.other_coach) == [str(world.wrestler)]
    assert await team_alerts(world.other_team, world.admin) == [str(world.wrestler)]


async def test_a_short_history_raises_nothing(client: httpx.AsyncClient, conn: PgConn, world: World) -> None:
    r = await client.get(f"/api/v1/wrestlers/{world.wrestler}/alerts", headers=world.coach)
    assert r.json()["alerts"] == []
    await write(conn, world.wrestler, [("hrv_score", local_noon(i), 60.0) for i in range(5, 1, -1)])
    await write(
        conn, world.wrestler, [("hrv_score", local_noon(0), 20.0)]
    )  # 4 days of baseline: insufficient
    assert await alerts(client, world, world.coach) == []


async def test_an_advanced_insight_cites_the_baseline_alerts_of_its_days(
    client: httpx.AsyncClient, conn: PgConn, world: World
) -> None:
    await write(conn, world.wrestler, [("weight", local_noon(0), 83.0)])
    body = {
        "wrestlerId": str(world.wrestler),
        "section": "body_composition",
        "chartId": "weight-trend",
        "chartData": {
            "series": [
                {
                    "name": "weight",
                    "points": [{"date": local_date(d), "value": v} for d, v in ((2, 80.0), (0, 83.0))],
                }
            ]
        },
        "locale": "en-US",
    }
    r = await client.post("/api/v1/ai/chart-insight/advanced", json=body, headers=world.coach)
    assert r.status_code == 200, r.text
    answer = r.json()
    cited = [e for e in answer["evidence"] if e["rule"].startswith("baseline_alert:red")]
    assert [(e["metric"], e["date"], e["value"]) for e in cited] == [("weight", local_date(0), 83.0)]
    assert any(p.startswith("Baseline alert (red) for weight on") for p in answer["patterns"])


async def test_heart_rate_variability_alerts_on_a_week_not_a_night(
    client: httpx.AsyncClient, conn: PgConn, world: World
) -> None:
    steady = [70 * math.exp(n / 2) for n in NOISE] * 2  # 40 mornings around 70 ms
    await write(conn, world.wrestler, [("hrv", local_noon(39 - i), v) for i, v in enumerate(steady[:-7])])
    # One bad night is a seventh of a weekly mean: no alert.
    await write(conn, world.wrestler, [("hrv", local_noon(6), steady[-7] * 0.75)])
    assert [a for a in await alerts(client, world, world.coach) if a["metric"] == "hrv"] == []
    # The rest of the week as low: the weekly mean of ln rMSSD is a real drop.
    await write(
        conn, world.wrestler, [("hrv", local_noon(6 - i), v * 0.75) for i, v in enumerate(steady[-7:])]
    )
    got = [a for a in await alerts(client, world, world.coach) if a["metric"] == "hrv"]
    assert got and all(a["level"] == "red" for a in got)
    latest: dict[str, Any] = got[0]["evidence"]  # type: ignore[assignment]
    assert latest["weekReadings"] == 7 and latest["transform"].startswith("mean of ln")
    assert abs(latest["rawValue"] - steady[-1] * 0.75) < 1e-9
    assert abs(latest["value"] - statistics.mean(math.log(v * 0.75) for v in steady[-7:])) < 1e-3
