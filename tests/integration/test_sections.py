"""The six section endpoints: shapes, values from a small known dataset, empty
states and access rules."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from core.config import Settings
from db.types import PgConn
from query.registry import SECTIONS
from tests.dashboard_fixtures import RECOVERY, World, local_date, local_noon, make_world, write


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


def url(w: World, path: str, wrestler: object = None) -> str:
    return f"/api/v1/wrestlers/{wrestler or w.wrestler}/{path}"


OVERVIEW = {
    "overallScore": 86,
    "msi": 92,
    "mes": 78,
    "api": 420,
    "vo2max": 55,
    "frr": 84,
    "acs": 72,
    "bos": 4,
}
BODY = {"weight": 86, "bodyFatPercentage": 8.5, "muscleMass": 76.2, "bmr": 2150, "powerToWeight": 1.92}
SUPPLEMENTS = {
    "adherenceRate": 92,
    "monthlyProgress": "+8%",
    "performanceCorrelation": 0.85,
    "totalSupplements": 8,
    "creatineDailyGrams": 5,
    "proteinDailyGrams": 180,
    "hydrationLiters": 3.0,
}


class TestEmptyState:
    @pytest.mark.parametrize("path", [s.path for s in SECTIONS.values()])
    async def test_snapshot_all_null(self, client: httpx.AsyncClient, world: World, path: str) -> None:
        r = await client.get(url(world, path), headers=world.admin)
        assert r.status_code == 200
        metrics = r.json()["metrics"]
        expected = {f.wire for f in SECTIONS[path].fields if f.on_get} | (
            {SECTIONS[path].date_field} if SECTIONS[path].date_field else set()
        )
        assert set(metrics) == expected
        assert all(v is None for v in metrics.values())

    @pytest.mark.parametrize("path", [s.path for s in SECTIONS.values()])
    async def test_score_is_null(self, client: httpx.AsyncClient, world: World, path: str) -> None:
        r = await client.get(url(world, f"{path}/score"), headers=world.admin)
        assert r.json() == {
            "section": SECTIONS[path].score_key,
            "score": None,
            "grade": None,
            "lastUpdated": None,
        }

    async def test_overview_nulls(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get(url(world, "overview"), headers=world.admin)).json()
        assert set(body) == {"metrics", "deltas", "statusLabels"}
        for part in body.values():
            assert set(part) == set(OVERVIEW) and all(v is None for v in part.values())

    async def test_charts_are_empty_arrays(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get(url(world, "recovery/charts"), headers=world.admin)).json()
        assert body == {
            "sleep": {"dates": [], "duration": [], "quality": []},
            "hrv": {"dates": [], "values": []},
            "stress": {"dates": [], "values": []},
            "soreness": {"dates": [], "upper": [], "core": [], "lower": []},
        }

    async def test_performance_blocks_empty(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get(url(world, "bodybuilding-performance/charts"), headers=world.admin)).json()
        assert body["cardio"]["hrZones"] == {"zones": [], "values": []}
        assert body["analytics"]["rpe"] == {"buckets": [], "values": []}
        assert body["bodybuilding"] == {
            "symmetry": {"labels": [], "values": []},
            "activation": {"labels": [], "values": []},
        }

    async def test_supplement_stack_empty(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get(url(world, "supplements/charts"), headers=world.admin)).json()
        assert body["stackOverview"] == {"supplements": []}

    async def test_radar_keeps_labels_without_values(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get(url(world, "overview/chart"), headers=world.admin)).json()
        assert body == {
            "labels": ["کمر", "سینه", "پاها", "بازوها", "شانه\u200cها", "میان\u200cتنه"],
            "values": [None] * 6,
        }

    async def test_inbody_nulls(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get(url(world, "body-composition/inbody"), headers=world.admin)).json()
        assert body == {
            "intracellularWater": None,
            "extracellularWater": None,
            "visceralFatLevel": None,
            "phaseAngle": None,
        }


class TestPostSection:
    async def test_post_then_get_roundtrip(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(url(world, "supplements"), headers=world.coach, json=SUPPLEMENTS)
        assert r.status_code == 201
        assert r.json()["success"] is True and r.json()["id"].isdigit()
        body = (await client.get(url(world, "supplements"), headers=world.coach)).json()
        assert body["metrics"] == {**SUPPLEMENTS, "performanceCorrelation": 0.85, "totalSupplements": 8}

    async def test_post_writes_series_points_under_api_batch(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        r = await client.post(url(world, "recovery"), headers=world.admin, json=RECOVERY)
        batch = int(r.json()["id"])
        row = await conn.fetchrow("SELECT format, rows_inserted FROM ingest_batches WHERE id = $1", batch)
        assert row is not None
        assert (row["format"], row["rows_inserted"]) == ("api", 5)
        n = await conn.fetchval("SELECT count(*) FROM recovery_series WHERE batch_id = $1", batch)
        assert n == 5

    async def test_post_computes_section_score(self, client: httpx.AsyncClient, world: World) -> None:
        await client.post(url(world, "recovery"), headers=world.admin, json=RECOVERY)
        body = (await client.get(url(world, "recovery/score"), headers=world.admin)).json()
        assert (body["score"], body["grade"], body["lastUpdated"]) == (75.0, "warning", local_date(0))

    async def test_post_out_of_range_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(
            url(world, "body-composition"), headers=world.admin, json={**BODY, "weight": 10}
        )
        assert r.status_code == 422
        assert r.json()["error"] == "VALIDATION_ERROR"

    async def test_post_missing_field_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(url(world, "overview"), headers=world.admin, json={"msi": 50})
        assert r.status_code == 422

    async def test_bloodwork_bad_date_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        body = {
            "hemoglobin": 16.2,
            "hematocrit": 47.5,
            "testosteroneLevel": 720,
            "lastTestDate": "17/01/2026",
        }
        r = await client.post(url(world, "bloodwork"), headers=world.admin, json=body)
        assert r.status_code == 422

    async def test_bloodwork_roundtrip_with_date_and_status(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        day = local_date(7)
        body = {
            "hemoglobin": 16.2,
            "hematocrit": 47.5,
            "testosteroneLevel": 720,
            "lastTestDate": day,
            "status": "optimal",
        }
        assert (await client.post(url(world, "bloodwork"), headers=world.admin, json=body)).status_code == 201
        got = (await client.get(url(world, "bloodwork"), headers=world.admin)).json()["metrics"]
        assert got == {
            "hemoglobin": 16.2,
            "hematocrit": 47.5,
            "testosteroneLevel": 720.0,
            "status": "optimal",
            "lastTestDate": day,
        }
        score = (await client.get(url(world, "bloodwork/score"), headers=world.admin)).json()
        assert (score["score"], score["grade"]) == (96.1, "good")

    async def test_catalog_ranges_apply_to_section_posts(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        """One validation path: the catalog's range for monthly_progress (-100..1000 %) applies, with
        the field named, and nothing of the body is written."""
        r = await client.post(
            url(world, "supplements"), headers=world.admin, json={**SUPPLEMENTS, "monthlyProgress": "+2000%"}
        )
        assert r.status_code == 422, r.text
        details = r.json()["details"]
        assert list(details) == ["body.monthlyProgress"]
        assert "-100.0..1000.0" in details["body.monthlyProgress"][0]
        assert await conn.fetchval("SELECT count(*) FROM supplements_series") == 0

    async def test_an_omitted_field_is_not_written(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        body = {
            "hemoglobin": 16.2,
            "hematocrit": 47.5,
            "testosteroneLevel": 720,
            "lastTestDate": local_date(2),
        }
        assert (await client.post(url(world, "bloodwork"), headers=world.admin, json=body)).status_code == 201
        keys = await conn.fetch(
            "SELECT DISTINCT m.key FROM bloodwork_series s JOIN metric_definitions m ON m.id = s.metric_id"
        )
        assert sorted(r["key"] for r in keys) == ["hematocrit", "hemoglobin", "testosterone"]

    async def test_a_naive_recorded_at_is_read_in_the_default_zone(
        self, client: httpx.AsyncClient, world: World, conn: PgConn, settings: Settings
    ) -> None:
        assert settings.default_timezone == "Asia/Tehran"
        body = {**RECOVERY, "recordedAt": "2025-11-10T08:00:00"}
        assert (await client.post(url(world, "recovery"), headers=world.admin, json=body)).status_code == 201
        got = await conn.fetchval("SELECT DISTINCT recorded_at FROM recovery_series")
        assert got == datetime(2025, 11, 10, 4, 30, tzinfo=UTC)

    async def test_recorded_at_sets_the_point_time(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        when = local_noon(3)
        await client.post(
            url(world, "recovery"), headers=world.admin, json={**RECOVERY, "recordedAt": when.isoformat()}
        )
        got = await conn.fetchval("SELECT DISTINCT recorded_at FROM recovery_series")
        assert got == when


class TestOverview:
    async def test_values_deltas_labels(self, client: httpx.AsyncClient, world: World) -> None:
        await client.post(
            url(world, "overview"),
            headers=world.admin,
            json={**OVERVIEW, "recordedAt": local_noon(1).isoformat()},
        )
        await client.post(
            url(world, "overview"), headers=world.admin, json={**OVERVIEW, "msi": 95, "api": 850}
        )
        body = (await client.get(url(world, "overview"), headers=world.admin)).json()
        assert body["metrics"]["msi"] == 95.0
        assert body["deltas"]["msi"] == pytest.approx(3.0)
        assert body["deltas"]["mes"] == pytest.approx(0.0)
        assert body["statusLabels"]["api"] == "good"
        assert body["statusLabels"]["mes"] == "warning"
        assert body["statusLabels"]["bos"] == "bad"

    async def test_overall_score_is_the_computed_one(self, client: httpx.AsyncClient, world: World) -> None:
        await client.post(url(world, "recovery"), headers=world.admin, json=RECOVERY)
        body = (await client.get(url(world, "overview"), headers=world.admin)).json()
        overall = (await client.get(url(world, "scores/overall"), headers=world.admin)).json()
        assert body["metrics"]["overallScore"] == overall["score"] == 75.0

    async def test_radar_post_then_get_in_english(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(
            url(world, "overview/chart"),
            headers=world.admin,
            json={"labels": ["کمر", "Chest", "legs"], "values": [92, 85, 78]},
        )
        assert r.status_code == 201 and r.json() == {"success": True}
        body = (
            await client.get(
                url(world, "overview/chart"), headers={**world.admin, "Accept-Language": "en-US,en;q=0.9"}
            )
        ).json()
        assert body == {"labels": ["Back", "Chest", "Legs"], "values": [92.0, 85.0, 78.0]}

    async def test_radar_length_mismatch_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(
            url(world, "overview/chart"),
            headers=world.admin,
            json={"labels": ["Back", "Chest"], "values": [1.0]},
        )
        assert r.status_code == 422


class TestCharts:
    async def test_trends_aligned_oldest_first_last_value_of_day(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        await write(
            conn,
            world.wrestler,
            [
                ("weight", local_noon(3), 87.0),
                ("weight", local_noon(1), 86.5),
                ("weight", local_noon(1).replace(hour=local_noon(1).hour + 2), 86.0),
                ("body_fat", local_noon(2), 9.0),
                ("weight", local_noon(0), 85.5),
            ],
        )
        body = (await client.get(url(world, "body-composition/trends?limit=3"), headers=world.admin)).json()
        dates = [local_date(2), local_date(1), local_date(0)]
        assert body == {
            "powerToWeight": {"dates": dates, "values": [None, None, None]},
            "bodyWeight": {"dates": dates, "values": [None, 86.0, 85.5]},
            "bodyFat": {"dates": dates, "values": [9.0, None, None]},
        }

    async def test_days_are_tehran_days(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        # 2025-11-10 00:10 and 23:50 Tehran (+03:30) are 2025-11-09 20:40 and 2025-11-10 20:20 UTC.
        await write(
            conn,
            world.wrestler,
            [
                ("weight", datetime(2025, 11, 9, 20, 40, tzinfo=UTC), 80.0),
                ("weight", datetime(2025, 11, 10, 20, 20, tzinfo=UTC), 81.0),
                ("weight", datetime(2025, 11, 10, 20, 40, tzinfo=UTC), 82.0),
            ],
        )
        body = (await client.get(url(world, "body-composition/trends"), headers=world.admin)).json()
        assert body["bodyWeight"] == {"dates": ["2025-11-10", "2025-11-11"], "values": [81.0, 82.0]}

    async def test_bloodwork_panels(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        await write(conn, world.wrestler, [("wbc", local_noon(5), 6.1), ("ldl", local_noon(2), 90.0)])
        body = (await client.get(url(world, "bloodwork/charts"), headers=world.admin)).json()
        assert set(body) == {"cbc", "lipids"}
        assert set(body["cbc"]) == {"wbc", "rbc", "hemoglobin", "hematocrit", "platelets"}
        assert set(body["lipids"]) == {"ldl", "hdl", "triglycerides"}
        assert body["cbc"]["wbc"] == {"dates": [local_date(5), local_date(2)], "values": [6.1, None]}
        assert body["lipids"]["ldl"]["values"] == [None, 90.0]

    async def test_limit_bounds(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(url(world, "bloodwork/charts?limit=366"), headers=world.admin)
        assert r.status_code == 422

    async def test_performance_blocks_from_data(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        pts: list[tuple[str, datetime, float]] = [
            (f"hr_zone{i}_pct", local_noon(0), v)
            for i, v in enumerate([10.0, 20.0, 40.0, 20.0, 10.0], start=1)
        ]
        pts += [("rpe", local_noon(d), v) for d, v in enumerate([6, 8, 8, 9.6])]
        pts += [
            ("symmetry_upper", local_noon(3), 70),  # older: the latest day's value is shown
            ("symmetry_upper", local_noon(0), 85),
            ("activation_legs", local_noon(0), 90),
            ("volume_load", local_noon(0), 12000),
            ("bench", local_noon(1), 140),
        ]
        await write(conn, world.wrestler, pts)
        body = (await client.get(url(world, "bodybuilding-performance/charts"), headers=world.admin)).json()
        assert body["cardio"]["hrZones"] == {
            "zones": ["Z1", "Z2", "Z3", "Z4", "Z5"],
            "values": [10.0, 20.0, 40.0, 20.0, 10.0],
        }
        assert body["analytics"]["rpe"] == {
            "buckets": ["6", "7", "8", "9", "10"],
            "values": [25.0, 0.0, 50.0, 0.0, 25.0],
        }
        assert body["bodybuilding"] == {
            "symmetry": {"labels": ["Upper"], "values": [85.0]},
            "activation": {"labels": ["Legs"], "values": [90.0]},
        }
        assert body["analytics"]["volumeLoad"] == {
            "dates": [local_date(1), local_date(0)],
            "values": [None, 12000.0],
        }
        assert body["strength"]["bench"]["values"] == [140.0, None]

    async def test_supplement_stack_from_logged_days(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        pts = [("creatine", local_noon(d), 5.0) for d in range(25)] + [("omega3", local_noon(0), 2.0)]
        pts += [("adherence", local_noon(0), 90.0)]
        await write(conn, world.wrestler, pts)
        body = (
            await client.get(
                url(world, "supplements/charts"), headers={**world.admin, "Accept-Language": "en-US"}
            )
        ).json()
        assert body["stackOverview"] == {
            "supplements": [
                {"name": "Creatine Intake", "daily": True},
                {"name": "Omega-3 Intake", "daily": False},
            ]
        }
        # The series come in the same response (one query with the stack): the default 30 days.
        assert body["creatine"]["dates"] == [local_date(d) for d in range(24, -1, -1)]
        assert body["creatine"]["values"] == [5.0] * 25
        assert body["adherence"]["values"] == [None] * 24 + [90.0]
        assert body["protein"] == {"dates": body["creatine"]["dates"], "values": [None] * 25}


class TestAccess:
    async def test_no_token_is_401(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(url(world, "overview"))
        assert r.status_code == 401

    async def test_coach_of_other_team_is_403(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(url(world, "recovery"), headers=world.other_coach)
        assert r.status_code == 403

    async def test_athlete_reads_own(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(url(world, "recovery/charts"), headers=world.athlete)
        assert r.status_code == 200

    async def test_athlete_cannot_read_other(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(url(world, "recovery", world.other), headers=world.athlete)
        assert r.status_code == 403

    async def test_unknown_wrestler_is_404_for_admin(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(
            url(world, "overview", "00000000-0000-0000-0000-000000000000"), headers=world.admin
        )
        assert r.status_code == 404

    async def test_athlete_may_post_own_recovery(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(url(world, "recovery"), headers=world.athlete, json=RECOVERY)
        assert r.status_code == 201

    async def test_athlete_may_not_post_body_composition(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        r = await client.post(url(world, "body-composition"), headers=world.athlete, json=BODY)
        assert r.status_code == 403

    async def test_athlete_may_not_post_radar(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(
            url(world, "overview/chart"), headers=world.athlete, json={"labels": ["Back"], "values": [1.0]}
        )
        assert r.status_code == 403

    async def test_coach_of_other_team_may_not_post(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(url(world, "recovery"), headers=world.other_coach, json=RECOVERY)
        assert r.status_code == 403

    async def test_teamless_coach_sees_nothing(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(url(world, "overview"), headers=world.teamless_coach)
        assert r.status_code == 403


class TestCommitBeforeResponse:
    async def test_a_2xx_is_sent_only_once_the_write_is_committed(
        self, app: FastAPI, world: World, conn: PgConn
    ) -> None:
        """Another connection already sees the points when the response starts."""
        visible: list[int] = []

        async def watched(scope: Scope, receive: Receive, send: Send) -> None:
            async def watch(message: Message) -> None:
                if message["type"] == "http.response.start":
                    visible.append(
                        await conn.fetchval(
                            "SELECT count(*) FROM recovery_series WHERE wrestler_id = $1", world.wrestler
                        )
                    )
                await send(message)

            await app(scope, receive, watch)

        transport = httpx.ASGITransport(app=watched)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            r = await client.post(url(world, "recovery"), headers=world.admin, json=RECOVERY)
        assert r.status_code == 201
        assert visible == [len(RECOVERY)]
