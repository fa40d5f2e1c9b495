from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import httpx
from fastapi import FastAPI

from api.app import create_app
from core.config import Settings
from db.connection import database_url, redis_url
from db.types import PgConn
from tests.dashboard_fixtures import make_world
from tests.tcp_proxy import TcpProxy

DATABASE_AWAY = {"database": "unreachable", "migrations": "unknown", "redis": "ok"}


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def _through(url: str, proxy: TcpProxy) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.port}", f":{proxy.port}")))


def _proxy_for(url: str) -> TcpProxy:
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    return TcpProxy(parts.hostname, parts.port)


class TestOperations:
    async def test_health_answers_without_auth(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/health")
        assert r.status_code == 200
        assert r.json() == {"status": "healthy", "app": "Wrestling Dashboard API", "version": "1.0.0"}

    async def test_ready_checks_database_and_redis(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/ready")
        assert r.status_code == 200
        assert r.json() == {"status": "ready", "database": "ok", "migrations": "current", "redis": "ok"}

    async def test_ready_without_redis_is_degraded_not_down(self, settings: Settings) -> None:
        """Rate limits fall back to the process while Redis is away: the instance can still serve."""
        app = create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
        async with app.router.lifespan_context(app), _client(app) as c:
            r = await c.get("/ready")
        assert r.status_code == 200
        assert r.json() == {
            "status": "degraded",
            "database": "ok",
            "migrations": "current",
            "redis": "unreachable",
        }

    async def test_ready_follows_the_database_going_away_and_coming_back(self, settings: Settings) -> None:
        """The pool's connections die with the server; once it is back the same process is ready
        again, without a restart."""
        url = database_url(settings)
        proxy = _proxy_for(url)
        await proxy.up()
        app = create_app(settings.model_copy(update={"database_url": _through(url, proxy)}))
        async with app.router.lifespan_context(app), _client(app) as c:
            assert (await c.get("/ready")).status_code == 200
            await proxy.down()
            for _ in range(2):  # the dropped pooled connection, then a refused new one
                r = await c.get("/ready")
                assert r.status_code == 503
                assert r.json()["details"] == DATABASE_AWAY
            await proxy.up()
            r = await c.get("/ready")
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "ready"
            await proxy.down()

    async def test_while_redis_is_away_reads_answer_and_ready_stays_200(
        self, settings: Settings, conn: PgConn
    ) -> None:
        world = await make_world(conn, settings)
        proxy = _proxy_for(redis_url(settings))
        await proxy.up()
        app = create_app(settings.model_copy(update={"redis_url": _through(redis_url(settings), proxy)}))
        path = f"/api/v1/wrestlers/{world.wrestler}/overview"
        async with app.router.lifespan_context(app), _client(app) as c:
            assert (await c.get(path, headers=world.admin)).status_code == 200
            await proxy.down()
            r = await c.get("/ready")
            assert (r.status_code, r.json()["status"], r.json()["redis"]) == (200, "degraded", "unreachable")
            assert (await c.get(path, headers=world.admin)).status_code == 200
            await proxy.up()
            assert (await c.get("/ready")).json()["status"] == "ready"
            await proxy.down()

    async def test_ready_is_503_until_the_schema_is_this_releases(
        self, client: httpx.AsyncClient, conn: PgConn
    ) -> None:
        latest = await conn.fetchval("SELECT max(version) FROM schema_migrations")
        checksum = await conn.fetchval("SELECT checksum FROM schema_migrations WHERE version = $1", latest)
        await conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = $1", latest)
        r = await client.get("/ready")
        assert (r.status_code, r.json()["details"]["migrations"]) == (503, "changed")
        await conn.execute("DELETE FROM schema_migrations WHERE version = $1", latest)
        r = await client.get("/ready")
        assert (r.status_code, r.json()["details"]["migrations"]) == (503, "pending")
        assert r.json()["message"] == "Not ready: the database schema is not this release's"
        insert = "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)"
        await conn.execute(insert, latest, checksum)
        await conn.execute(insert, "9999_newer", "x")
        r = await client.get("/ready")
        assert (r.status_code, r.json()["migrations"]) == (200, "ahead")

    async def test_ready_without_database_is_503_with_a_code_never_the_error_text(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        await app.state.wrestle.pool.close()
        r = await client.get("/ready")
        assert r.status_code == 503
        body = r.json()
        assert body["error"] == "SERVICE_UNAVAILABLE"
        assert body["details"] == DATABASE_AWAY

    async def test_unknown_path_uses_error_format(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/api/v1/does-not-exist")
        assert r.status_code == 404
        assert r.json() == {"error": "NOT_FOUND", "message": "Not Found", "details": {}}


class TestPrometheus:
    async def test_requests_are_counted_by_route_template_never_by_id(
        self, client: httpx.AsyncClient, conn: PgConn, settings: Settings
    ) -> None:
        world = await make_world(conn, settings)
        for _ in range(3):
            r = await client.get(f"/api/v1/wrestlers/{world.wrestler}/overview", headers=world.admin)
            assert r.status_code == 200
        await client.get(f"/api/v1/wrestlers/{world.wrestler}/overview")  # 401
        r = await client.get("/metrics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        text = r.text
        route = "/api/v1/wrestlers/{wrestlerId}/overview"
        assert f'wrestle_http_requests_total{{method="GET",route="{route}",status="200"}} 3.0' in text
        assert f'wrestle_http_requests_total{{method="GET",route="{route}",status="401"}} 1.0' in text
        assert f'wrestle_http_request_duration_seconds_count{{method="GET",route="{route}"}} 4.0' in text
        assert str(world.wrestler) not in text
        # The pool (the test settings allow 5 connections) and one worker.
        assert 'wrestle_db_pool_connections{state="max"} 5.0' in text
        waits = re.search(r"^wrestle_db_pool_acquire_seconds_count (\S+)$", text, re.MULTILINE)
        assert waits and float(waits.group(1)) >= 3, waits  # the three reads waited for a connection
        assert "wrestle_workers 1.0" in text and "wrestle_rate_limit_fallback 0.0" in text

    async def test_ingested_rows_are_counted_by_outcome(
        self, client: httpx.AsyncClient, conn: PgConn, settings: Settings
    ) -> None:
        world = await make_world(conn, settings)
        csv = (
            f"wrestler,metric,recorded_at,value\n{world.wrestler},weight,2025-11-10 08:00,80.5\n"
            f"{world.wrestler},weight,2025-11-11 08:00,81\n{world.wrestler},weight,2025-11-12 08:00,-4\n"
        )
        headers = {**world.admin, "Content-Type": "text/csv"}
        assert (await client.post("/api/v1/ingest/csv", headers=headers, content=csv)).status_code == 200
        assert (await client.post("/api/v1/ingest/csv", headers=headers, content=csv)).status_code == 200
        text = (await client.get("/metrics")).text
        assert 'wrestle_ingest_rows_total{outcome="inserted"} 2.0' in text
        assert 'wrestle_ingest_rows_total{outcome="unchanged"} 2.0' in text
        assert 'wrestle_ingest_rows_total{outcome="rejected"} 2.0' in text
