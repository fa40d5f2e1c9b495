"""Rate limits: headers on every limited response, 429 with Retry-After, failed-login throttling,
and the in-process fallback while Redis is unreachable."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from core.config import Settings
from db.types import PgConn
from tests.helpers import API, PASSWORD, bearer, create_user, login


async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    from api.app import create_app

    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        yield c


@pytest.fixture
async def small(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    limited = settings.model_copy(
        update={
            "rate_limit_per_minute": 3,
            "login_max_failures_per_email": 2,
            "login_max_failures_per_ip": 50,
        }
    )
    async for c in _client(limited):
        yield c


@pytest.fixture
async def redis_down(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Redis pointed at a closed port."""
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0", "rate_limit_per_minute": 4})
    async for c in _client(down):
        yield c


class TestApiLimit:
    async def test_headers_count_down(self, small: httpx.AsyncClient) -> None:
        r1 = await small.get(f"{API}/auth/me")
        r2 = await small.get(f"{API}/auth/me")
        assert r1.headers["x-ratelimit-limit"] == "3"
        assert (r1.headers["x-ratelimit-remaining"], r2.headers["x-ratelimit-remaining"]) == ("2", "1")
        assert int(r1.headers["x-ratelimit-reset"]) > 0

    async def test_over_the_limit_is_429_with_retry_after(self, small: httpx.AsyncClient) -> None:
        for _ in range(3):
            await small.get(f"{API}/auth/me")
        r = await small.get(f"{API}/auth/me")
        assert r.status_code == 429 and r.json()["error"] == "RATE_LIMIT_EXCEEDED"
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert r.headers["x-ratelimit-remaining"] == "0"

    async def test_users_are_counted_apart_from_anonymous_callers(
        self, small: httpx.AsyncClient, conn: PgConn
    ) -> None:
        await create_user(conn, "athlete", email="a@example.com")
        token = (await login(small, "a@example.com"))["accessToken"]
        for _ in range(3):
            await small.get(f"{API}/auth/me")
        r = await small.get(f"{API}/auth/me", headers=bearer(token))
        assert r.status_code == 200

    async def test_authenticated_reads_and_writes_over_the_limit_are_429(
        self, small: httpx.AsyncClient, conn: PgConn
    ) -> None:
        """Authenticated reads are counted while the caller is looked up: the same headers, the
        same 429, for routes that authenticate and for one that does not (/health is outside the
        limits, an unknown API path is not)."""
        await create_user(conn, "admin", email="admin@example.com")
        token = bearer((await login(small, "admin@example.com"))["accessToken"])
        reads = [await small.get(f"{API}/auth/me", headers=token) for _ in range(3)]
        assert [r.status_code for r in reads] == [200, 200, 200]
        assert [r.headers["x-ratelimit-remaining"] for r in reads] == ["2", "1", "0"]
        for over in (
            await small.get(f"{API}/auth/me", headers=token),
            await small.get(f"{API}/metrics", headers=token),
            await small.get(f"{API}/no-such-route", headers=token),
            await small.post(f"{API}/teams", headers=token, json={"name": "Over the limit"}),
        ):
            assert over.status_code == 429 and over.json()["error"] == "RATE_LIMIT_EXCEEDED"
            assert over.headers["x-ratelimit-remaining"] == "0" and "retry-after" in over.headers
        assert await conn.fetchval("SELECT count(*) FROM teams WHERE name = 'Over the limit'") == 0

    async def test_health_is_not_limited(self, small: httpx.AsyncClient) -> None:
        for _ in range(5):
            r = await small.get("/health")
        assert r.status_code == 200 and "x-ratelimit-limit" not in r.headers


class TestFailedLoginThrottle:
    async def test_failures_per_email_are_throttled_even_with_the_right_password(
        self, small: httpx.AsyncClient, conn: PgConn
    ) -> None:
        await create_user(conn, "athlete", email="a@example.com")
        for _ in range(2):
            r = await small.post(
                f"{API}/auth/login", json={"email": "a@example.com", "password": "wrong-pass"}
            )
            assert r.status_code == 401
        r = await small.post(f"{API}/auth/login", json={"email": "a@example.com", "password": PASSWORD})
        assert r.status_code == 429 and "retry-after" in r.headers


class TestRedisDown:
    async def test_login_refresh_logout_work(self, redis_down: httpx.AsyncClient, conn: PgConn) -> None:
        await create_user(conn, "athlete", email="a@example.com")
        tokens = await login(redis_down, "a@example.com")
        r = await redis_down.post(f"{API}/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
        assert r.status_code == 200
        fresh = r.json()
        r = await redis_down.post(
            f"{API}/auth/logout",
            json={"refreshToken": fresh["refreshToken"]},
            headers=bearer(fresh["accessToken"]),
        )
        assert r.json() == {"success": True}
        assert (
            await redis_down.get(f"{API}/auth/me", headers=bearer(fresh["accessToken"]))
        ).status_code == 401

    async def test_reuse_detection_works(self, redis_down: httpx.AsyncClient, conn: PgConn) -> None:
        await create_user(conn, "athlete", email="a@example.com")
        tokens = await login(redis_down, "a@example.com")
        await redis_down.post(f"{API}/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
        r = await redis_down.post(f"{API}/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
        assert r.status_code == 401

    async def test_rate_limits_fall_back_to_process_memory(self, redis_down: httpx.AsyncClient) -> None:
        codes = [(await redis_down.get(f"{API}/auth/me")).status_code for _ in range(5)]
        assert codes == [401, 401, 401, 401, 429]
