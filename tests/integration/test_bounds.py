"""Bounded requests: every limit is refused with its code and a message naming
it; malformed bodies are a 4xx in the error format, never a 500; a CSV upload never holds one of
the API's pooled connections while it runs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from core.config import Settings
from db.connection import INGEST_APP_NAME
from db.types import PgConn
from tests.dashboard_fixtures import RECOVERY, World, local_noon, make_world
from tests.ingest_fixtures import create_generated_wrestlers, generate_long_csv


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "ingest_max_bytes": 6000,
            "ingest_max_bytes_athlete": 1000,
            "max_json_body_bytes": 4096,
            "max_readings_body_bytes": 64 * 1024,
        }
    )


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


def recovery_url(world: World) -> str:
    return f"/api/v1/wrestlers/{world.wrestler}/recovery"


def csv(world: World, rows: int) -> bytes:
    lines = ["wrestler,metric,recorded_at,value"]
    lines += [
        f"{world.wrestler},sleep_quality,{local_noon(1 + i % 300).isoformat()},{50 + i % 40}"
        for i in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


class TestBodyLimits:
    async def test_a_json_body_over_the_limit_is_413_naming_it(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        big = {**RECOVERY, "padding": "x" * 5000}
        r = await client.post(recovery_url(world), json=big, headers=world.admin)
        assert r.status_code == 413
        assert r.json() == {
            "error": "PAYLOAD_TOO_LARGE",
            "message": "Request body exceeds 4096 bytes",
            "details": {"limitBytes": 4096},
        }

    async def test_a_chunked_body_is_counted_as_it_arrives(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b" " * 1000
            yield json.dumps(RECOVERY).encode()

        r = await client.post(
            recovery_url(world), content=chunks(), headers={**world.admin, "Content-Type": "application/json"}
        )
        assert (r.status_code, r.json()["error"]) == (413, "PAYLOAD_TOO_LARGE")

    async def test_device_batches_have_their_own_limit(self, client: httpx.AsyncClient, world: World) -> None:
        def batch(n: int) -> dict[str, object]:
            rows = [
                {
                    "wrestlerId": str(world.wrestler),
                    "metric": "hrv",
                    "recordedAt": local_noon(1 + i).isoformat(),
                    "value": 60,
                }
                for i in range(n)
            ]
            return {"source": "belt", "readings": rows}

        ok = await client.post("/api/v1/ingest/readings", json=batch(50), headers=world.admin)  # > 4 KiB
        assert ok.status_code == 200, ok.text
        over = await client.post("/api/v1/ingest/readings", json=batch(1000), headers=world.admin)
        assert over.status_code == 413 and over.json()["details"] == {"limitBytes": 64 * 1024}

    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            (
                "/api/v1/ingest/readings",
                {"source": "b", "readings": [{"metric": "m" * 300, "recordedAt": "2025-11-10", "value": 1}]},
                "body.readings.0.metric",
            ),
            (
                "/api/v1/ingest/readings",
                {"source": "b", "readings": [{"metric": "hrv", "recordedAt": "2" * 65, "value": 1}]},
                "body.readings.0.recordedAt",
            ),
            ("training-program", {"date": "2025-11-10", "notes": "n" * 4001}, "body.notes"),
            ("overview/chart", {"labels": ["Back"] * 7, "values": [1.0] * 7}, "body.labels"),
        ],
    )
    async def test_free_text_and_lists_are_capped(
        self, client: httpx.AsyncClient, world: World, path: str, body: dict[str, object], field: str
    ) -> None:
        url = path if path.startswith("/") else f"/api/v1/wrestlers/{world.wrestler}/{path}"
        r = await client.post(url, json=body, headers=world.admin)
        assert r.status_code == 422, r.text
        assert field in r.json()["details"], r.json()


class TestUploadLimitsByRole:
    async def test_an_athlete_upload_has_the_small_limit(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        body = csv(world, 30)
        assert 1000 < len(body) < 6000
        r = await client.post(
            "/api/v1/ingest/csv", content=body, headers={**world.athlete, "Content-Type": "text/csv"}
        )
        assert r.status_code == 413
        assert r.json()["details"] == {"limitBytes": 1000}
        assert "INGEST_MAX_BYTES_ATHLETE" in r.json()["message"]
        coach = await client.post(
            "/api/v1/ingest/csv", content=body, headers={**world.coach, "Content-Type": "text/csv"}
        )
        assert coach.status_code == 200 and coach.json()["rowsInserted"] == 30

    async def test_staff_uploads_have_the_large_limit(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(
            "/api/v1/ingest/csv", content=csv(world, 200), headers={**world.admin, "Content-Type": "text/csv"}
        )
        assert r.status_code == 413 and r.json()["details"] == {"limitBytes": 6000}
        assert "INGEST_MAX_BYTES)" in r.json()["message"]


class TestMalformedBodies:
    async def test_multipart_without_a_boundary(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post(
            "/api/v1/ingest/csv",
            content=b"--x\r\n\r\nabc\r\n--x--\r\n",
            headers={**world.admin, "Content-Type": "multipart/form-data"},
        )
        assert (r.status_code, r.json()["error"]) == (400, "MALFORMED_BODY")
        assert "boundary" in r.json()["message"]

    async def test_no_content_type_on_an_upload(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.post("/api/v1/ingest/csv", content=b"a,b\n", headers=world.admin)
        assert (r.status_code, r.json()["error"]) == (415, "UNSUPPORTED_MEDIA_TYPE")

    @pytest.mark.parametrize(
        ("content", "ctype"),
        [
            (json.dumps(RECOVERY).encode(), "text/plain"),
            (b'{"sleepQuality": 8\xff\xfe}', "application/json"),
            (b"[1, 2, 3]", "application/json"),
            (b'{"sleepQuality": ', "application/json"),
        ],
        ids=["wrong-type", "bad-utf8", "not-an-object", "truncated"],
    )
    async def test_bad_json_bodies_are_4xx_in_the_error_format(
        self, client: httpx.AsyncClient, world: World, content: bytes, ctype: str
    ) -> None:
        r = await client.post(
            recovery_url(world), content=content, headers={**world.admin, "Content-Type": ctype}
        )
        assert 400 <= r.status_code < 500, r.text
        assert set(r.json()) == {"error", "message", "details"}

    async def test_a_csv_that_is_not_utf8_is_4xx(self, client: httpx.AsyncClient, world: World) -> None:
        body = "wrestler,metric,recorded_at,value\nعلی,weight,2025-11-10,80\n".encode("utf-16")
        r = await client.post(
            "/api/v1/ingest/csv", content=body, headers={**world.admin, "Content-Type": "text/csv"}
        )
        assert 400 <= r.status_code < 500, r.text
        assert set(r.json()) == {"error", "message", "details"}


class TestStatementTimeout:
    async def test_pooled_connections_carry_the_statement_timeout(self, app: FastAPI) -> None:
        async with app.state.wrestle.pool.acquire() as c:
            assert await c.fetchval("SHOW statement_timeout") == "30s"

    async def test_a_statement_past_the_timeout_is_503_naming_it(self, settings: Settings) -> None:
        app = create_app(settings.model_copy(update={"statement_timeout_ms": 200}))

        @app.get("/api/v1/slow-probe")
        async def slow() -> None:
            async with app.state.wrestle.pool.acquire() as c:
                await c.fetchval("SELECT pg_sleep(2)")

        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                r = await c.get("/api/v1/slow-probe")
        assert r.status_code == 503
        assert r.json()["error"] == "QUERY_TIMEOUT" and r.json()["details"] == {"statementTimeoutMs": 200}
        assert "0.2 s" in r.json()["message"]


class TestUploadsDoNotHoldPooledConnections:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        # One pooled connection only: an upload holding it would stall every other request.
        return settings.model_copy(
            update={"database_pool_min": 1, "database_pool_max": 1, "ingest_max_bytes": 512 * 1024 * 1024}
        )

    async def test_reads_are_served_while_an_upload_is_ingested(
        self, client: httpx.AsyncClient, world: World, conn: PgConn, tmp_path: Path
    ) -> None:
        await create_generated_wrestlers(conn)
        path = tmp_path / "big.csv"
        generate_long_csv(path, 400_000)
        upload = asyncio.create_task(
            client.post(
                "/api/v1/ingest/csv",
                content=path.read_bytes(),
                headers={**world.admin, "Content-Type": "text/csv"},
            )
        )
        # Wait until the upload is being written on its own connection.
        for _ in range(600):
            if await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active'",
                INGEST_APP_NAME,
            ):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the upload never reached its own connection")
        for _ in range(3):
            r = await client.get(f"/api/v1/wrestlers/{world.wrestler}/recovery/charts", headers=world.admin)
            assert r.status_code == 200
        assert not upload.done(), "the reads waited for the upload"
        done = await upload
        assert done.status_code == 200 and done.json()["rowsInserted"] == 400_000
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", INGEST_APP_NAME
            )
            == 0
        )
