"""Ingest through the API: long, wide and device formats, options, rejections, batches, undo."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from core.config import Settings
from db.types import PgConn
from tests.ingest_fixtures import (
    HEADER,
    URL,
    World,
    assert_derived_consistent,
    auth,
    make_world,
    points,
    post_csv,
)


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


LONG = """wrestler,metric,recorded_at,value
Ali Karimi,weight,2025-11-10 08:00,80.5
EXT-1,body_fat,2025-11-10T08:00:00Z,10
علی,Weight,2025-11-11,81
"""


class TestLongCsv:
    async def test_inserts_rows_and_reports(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        r = await post_csv(client, world, LONG)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["rowsRead"] == 3 and body["rowsInserted"] == 3 and body["rowsRejected"] == 0
        assert body["wrestlers"] == 1 and body["metrics"] == 2
        rows = await points(conn)
        assert [(x["key"], x["recorded_at"], x["value"]) for x in rows] == [
            ("body_fat", datetime(2025, 11, 10, 8, 0, tzinfo=UTC), 10.0),
            ("weight", datetime(2025, 11, 10, 4, 30, tzinfo=UTC), 80.5),
            ("weight", datetime(2025, 11, 10, 20, 30, tzinfo=UTC), 81.0),
        ]
        assert all(x["batch_id"] == body["batchId"] for x in rows)
        await assert_derived_consistent(conn)

    async def test_reingest_is_all_unchanged(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        await post_csv(client, world, LONG)
        before = await points(conn)
        body = (await post_csv(client, world, LONG)).json()
        assert (body["rowsInserted"], body["rowsUpdated"], body["rowsUnchanged"]) == (0, 0, 3)
        assert await points(conn) == before


class TestRejections:
    @pytest.mark.parametrize(
        ("row", "code", "column"),
        [
            ("Nobody,weight,2025-11-10,80", "UNKNOWN_WRESTLER", "wrestler"),
            ("Ali Karimi,wingspan,2025-11-10,80", "UNKNOWN_METRIC", "metric"),
            ("Ali Karimi,weight,yesterday,80", "INVALID_TIME", "recorded_at"),
            ("Ali Karimi,weight,2025-11-10,heavy", "INVALID_VALUE", "value"),
            ("Ali Karimi,weight,2025-11-10,500", "OUT_OF_RANGE", "value"),
            (",weight,2025-11-10,80", "MISSING_FIELD", "wrestler"),
        ],
    )
    async def test_code_and_line(
        self, client: httpx.AsyncClient, world: World, conn: PgConn, row: str, code: str, column: str
    ) -> None:
        body = f"wrestler,metric,recorded_at,value\nAli Karimi,weight,2025-11-09,80\n{row}\n"
        rep = (await post_csv(client, world, body)).json()
        assert rep["rowsInserted"] == 1 and rep["rowsRejected"] == 1
        assert rep["errors"][0]["line"] == 3
        assert rep["errors"][0]["code"] == code
        assert rep["errors"][0]["column"] == column

    async def test_unknown_unit(self, client: httpx.AsyncClient, world: World) -> None:
        body = "wrestler,metric,recorded_at,value,unit\nAli Karimi,weight,2025-11-10,80,stone\n"
        rep = (await post_csv(client, world, body)).json()
        assert rep["errors"][0] | {"message": ""} == {
            "line": 2,
            "column": "unit",
            "value": "stone",
            "code": "UNKNOWN_UNIT",
            "message": "",
        }

    async def test_coach_other_team_is_unknown(self, client: httpx.AsyncClient, world: World) -> None:
        body = HEADER + "Reza Ahmadi,weight,2025-11-10,80\nAli Karimi,weight,2025-11-10,80\n"
        rep = (await post_csv(client, world, body, role="coach")).json()
        assert rep["rowsInserted"] == 1
        assert [(e["line"], e["code"]) for e in rep["errors"]] == [(2, "UNKNOWN_WRESTLER")]

    @pytest.mark.parametrize("role", ["athlete", "coach"])
    async def test_out_of_scope_wrestlers_read_exactly_like_nonexistent_ones(
        self, client: httpx.AsyncClient, world: World, role: str
    ) -> None:
        """No enumeration: another team's wrestler, by name or id, and a made-up one get the same
        code and message (the message names only what the caller wrote), dry run included."""
        names = ("Reza Ahmadi", str(world.reza), "Nobody Atall")
        body = HEADER + "".join(f"{n},sleep_quality,2025-11-10,80\n" for n in names)
        rep = (await post_csv(client, world, body, role=role, dryRun=True)).json()
        errors = rep["errors"]
        assert [e["code"] for e in errors] == ["UNKNOWN_WRESTLER"] * 3
        assert [e["message"].replace(n, "<name>") for e, n in zip(errors, names, strict=True)] == [
            errors[2]["message"].replace(names[2], "<name>")
        ] * 3

    async def test_athlete_only_self_reported(self, client: httpx.AsyncClient, world: World) -> None:
        body = HEADER + "Ali Karimi,weight,2025-11-10,80\nAli Karimi,sleep_quality,2025-11-10,80\n"
        rep = (await post_csv(client, world, body, role="athlete")).json()
        assert rep["rowsInserted"] == 1
        assert [(e["line"], e["code"]) for e in rep["errors"]] == [(2, "FORBIDDEN")]


class TestValuesAndTime:
    async def test_units_decimals_digits(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        body = (
            "wrestler,metric,recorded_at,value,unit\n"
            'Ali Karimi,weight,2025-11-10,"176,37",lb\n'
            "Ali Karimi,body_fat,۱۴۰۴/۰۸/۱۹,۱۲٫۵,\n"
        )
        rep = (await post_csv(client, world, body)).json()
        assert rep["rowsInserted"] == 2, rep
        rows = {r["key"]: r for r in await points(conn)}
        assert rows["weight"]["value"] == pytest.approx(176.37 * 0.45359237)
        assert rows["body_fat"]["value"] == 12.5
        assert rows["body_fat"]["recorded_at"] == datetime(2025, 11, 9, 20, 30, tzinfo=UTC)

    async def test_jalali_calendar_and_timezone(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        body = "wrestler,metric,recorded_at,value\nAli Karimi,weight,1404-08-19 10:00,80\n"
        await post_csv(client, world, body, calendar="jalali", timezone="UTC")
        rows = await points(conn)
        assert rows[0]["recorded_at"] == datetime(2025, 11, 10, 10, 0, tzinfo=UTC)

    async def test_duration_clock_value(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        body = "wrestler,metric,recorded_at,value\nAli Karimi,session_duration,2025-11-10,1:30:15\n"
        await post_csv(client, world, body)
        rows = await points(conn, "performance")
        assert rows[0]["value"] == 5415.0


class TestWideCsv:
    async def test_columns_by_alias_and_unknown_reported(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        body = "Name,Test Date / Time,Weight,PBF,Shoe Size\nAli Karimi,2025.11.10 14:30:12,80.1,11.2,44\n"
        rep = (await post_csv(client, world, body)).json()
        assert rep["rowsInserted"] == 2
        assert rep["errors"] == [
            {
                "line": 1,
                "column": "Shoe Size",
                "value": "Shoe Size",
                "code": "UNKNOWN_COLUMN",
                "message": "column 'Shoe Size' is not a metric in the catalog; skipped",
            }
        ]
        assert {r["key"]: r["value"] for r in await points(conn)} == {"weight": 80.1, "body_fat": 11.2}
        await assert_derived_consistent(conn)

    async def test_strict_rejects_unknown_column(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        body = "Name,date,Weight,Shoe Size\nAli Karimi,2025-11-10,80.1,44\n"
        r = await post_csv(client, world, body, strict=True)
        assert r.status_code == 422
        assert await points(conn) == []


class TestOptions:
    async def test_dry_run_writes_nothing(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        rep = (await post_csv(client, world, LONG, dryRun=True)).json()
        assert rep["rowsInserted"] == 3 and rep["batchId"] is None
        assert await points(conn) == []
        assert await conn.fetchval("SELECT count(*) FROM ingest_batches") == 0

    async def test_strict_writes_nothing_on_one_bad_row(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        r = await post_csv(client, world, LONG + "Nobody,weight,2025-11-10,80\n", strict=True)
        assert r.status_code == 422
        assert r.json()["details"]["report"]["errors"][0]["line"] == 5
        assert await points(conn) == []
        assert await conn.fetchval("SELECT count(*) FROM ingest_batches") == 0

    async def test_create_missing_wrestlers(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        body = "wrestler,metric,recorded_at,value\nNew Guy,weight,2025-11-10,70\n"
        rep = (await post_csv(client, world, body, createMissingWrestlers=True)).json()
        assert rep["rowsInserted"] == 1
        assert await conn.fetchval("SELECT name_en FROM wrestlers WHERE external_id = 'New Guy'") == "New Guy"

    async def test_create_missing_is_admin_only(self, client: httpx.AsyncClient, world: World) -> None:
        r = await post_csv(client, world, LONG, role="coach", createMissingWrestlers=True)
        assert r.status_code == 403

    async def test_register_metrics(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        body = (
            "wrestler,metric,recorded_at,value,domain,unit\n"
            "Ali Karimi,neck_girth,2025-11-10,40,body_composition,cm\n"
        )
        rep = (await post_csv(client, world, body, registerMetrics=True)).json()
        assert rep["rowsInserted"] == 1, rep
        assert await conn.fetchval("SELECT custom FROM metric_definitions WHERE key = 'neck_girth'") is True

    async def test_later_row_wins(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        body = HEADER + "Ali Karimi,weight,2025-11-10,80\nAli Karimi,weight,2025-11-10,81\n"
        rep = (await post_csv(client, world, body)).json()
        assert (rep["rowsInserted"], rep["rowsUnchanged"]) == (1, 1)
        assert [r["value"] for r in await points(conn)] == [81.0]

    async def test_unsupported_media_type(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(
            URL, content=b"{}", headers={**auth(world, "admin"), "Content-Type": "application/json"}
        )
        assert r.status_code == 415 and r.json()["error"] == "UNSUPPORTED_MEDIA_TYPE"

    async def test_multipart_upload(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        r = await client.post(
            URL, files={"file": ("scan.csv", LONG.encode(), "text/csv")}, headers=auth(world, "admin")
        )
        assert r.json()["rowsInserted"] == 3
        assert await conn.fetchval("SELECT filename FROM ingest_batches") == "scan.csv"


class TestPayloadLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"ingest_max_bytes": 50})

    async def test_too_large(self, client: httpx.AsyncClient, world: World) -> None:
        r = await post_csv(client, world, LONG)
        assert r.status_code == 413 and r.json()["error"] == "PAYLOAD_TOO_LARGE"


class TestReadings:
    async def test_device_batch(self, client: httpx.AsyncClient, world: World, conn: PgConn) -> None:
        payload = {
            "source": "polar-h10",
            "readings": [
                {
                    "wrestlerId": str(world.ali),
                    "metric": "hrv",
                    "recordedAt": "2025-11-10T06:00:00Z",
                    "value": 65,
                },
                {
                    "externalId": "EXT-1",
                    "metric": "sleep_quality",
                    "recordedAt": "2025-11-10T06:00:00Z",
                    "value": 80,
                },
                {"externalId": "nobody", "metric": "hrv", "recordedAt": "2025-11-10T06:00:00Z", "value": 1},
            ],
        }
        r = await client.post("/api/v1/ingest/readings", json=payload, headers=auth(world, "admin"))
        rep = r.json()
        assert rep["rowsInserted"] == 2 and rep["errors"][0]["line"] == 2
        assert {x["source"] for x in await points(conn, "recovery")} == {"polar-h10"}
        await assert_derived_consistent(conn)


class TestBatches:
    async def test_undo_restores_previous_state(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        first = (await post_csv(client, world, LONG)).json()
        second = (
            await post_csv(
                client, world, "wrestler,metric,recorded_at,value\nAli Karimi,weight,2025-12-01,82\n"
            )
        ).json()
        r = await client.delete(f"/api/v1/ingest/batches/{second['batchId']}", headers=auth(world, "admin"))
        assert r.json()["status"] == "undone" and r.json()["pointsDeleted"] == 1
        assert len(await points(conn)) == 3
        await assert_derived_consistent(conn)
        snap = await conn.fetchval(
            "SELECT value FROM body_composition_metrics m"
            " JOIN metric_definitions d ON d.id = m.metric_id WHERE d.key = 'weight'"
        )
        assert snap == 81.0
        assert first["batchId"] != second["batchId"]

    async def test_list_is_scoped(self, client: httpx.AsyncClient, world: World) -> None:
        await post_csv(client, world, LONG)
        admin = (await client.get("/api/v1/ingest/batches", headers=auth(world, "admin"))).json()
        coach = (await client.get("/api/v1/ingest/batches", headers=auth(world, "coach"))).json()
        assert admin["total"] == 1 and coach["total"] == 0

    async def test_detail_has_report(self, client: httpx.AsyncClient, world: World) -> None:
        rep = (await post_csv(client, world, LONG + "Nobody,weight,2025-11-10,80\n")).json()
        d = (
            await client.get(f"/api/v1/ingest/batches/{rep['batchId']}", headers=auth(world, "admin"))
        ).json()
        assert d["rowsRejected"] == 1 and d["errors"][0]["line"] == 5 and d["format"] == "long"
