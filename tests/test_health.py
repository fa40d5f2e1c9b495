from __future__ import annotations

import httpx


class TestOperations:
    async def test_health_answers_without_auth(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/health")
        assert r.status_code == 200
        assert r.json() == {"status": "healthy", "app": "Wrestling Dashboard API", "version": "1.0.0"}

    async def test_ready_checks_database_and_redis(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/ready")
        assert r.status_code == 200
        assert r.json()["database"] == "ok"
        assert r.json()["redis"] == "ok"

    async def test_unknown_path_uses_error_format(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/api/v1/does-not-exist")
        assert r.status_code == 404
        assert r.json() == {"error": "NOT_FOUND", "message": "Not Found", "details": {}}
