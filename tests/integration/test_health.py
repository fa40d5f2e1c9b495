from __future__ import annotations

import httpx
from fastapi import FastAPI

from api.app import create_app
from core.config import Settings
from db.types import PgConn
from tests.dashboard_fixtures import make_world


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


class TestOperations:
    async def test_health_answers_without_auth(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/health")
        assert r.status_code == 200
        assert r.json() == {"status": "healthy", "app": "Wrestling Dashboard API", "version": "1.0.0"}

    async def test_ready_checks_database_and_redis(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/ready")
        assert r.status_code == 200
        assert r.json() == {"status": "ready", "database": "ok", "redis": "ok"}

    async def test_ready_without_redis_is_degraded_not_down(self, settings: Settings) -> None:
        """Rate limits fall back to the process while Redis is away: the instance can still serve."""
        app = create_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
        async with app.router.lifespan_context(app), _client(app) as c:
            r = await c.get("/ready")
        assert r.status_code == 200
        assert r.json() == {"status": "degraded", "database": "ok", "redis": "unreachable"}

    async def test_ready_without_database_is_503_with_a_code_never_the_error_text(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        await app.state.wrestle.pool.close()
        r = await client.get("/ready")
        assert r.status_code == 503
        body = r.json()
        assert body["error"] == "SERVICE_UNAVAILABLE"
        assert body["details"] == {"database": "unreachable", "redis": "ok"}

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
