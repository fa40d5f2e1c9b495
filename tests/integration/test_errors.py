"""One error format on every path, with CORS headers on errors too."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from core.config import Settings
from tests.helpers import API

ORIGIN = "http://localhost:3000"


def _is_error(body: dict[str, object], code: str) -> bool:
    return set(body) == {"error", "message", "details"} and body["error"] == code


class TestErrorFormat:
    async def test_unknown_path_is_not_found(self, client: httpx.AsyncClient) -> None:
        r = await client.get(f"{API}/no-such-thing")
        assert r.status_code == 404 and _is_error(r.json(), "NOT_FOUND")

    async def test_wrong_method_is_method_not_allowed(self, client: httpx.AsyncClient) -> None:
        r = await client.patch(f"{API}/auth/login")
        assert r.status_code == 405 and _is_error(r.json(), "METHOD_NOT_ALLOWED")

    async def test_validation_keeps_every_message_per_location(self, client: httpx.AsyncClient) -> None:
        r = await client.post(f"{API}/auth/signup", json={"email": "not-an-email", "password": "short"})
        assert r.status_code == 422 and _is_error(r.json(), "VALIDATION_ERROR")
        details = r.json()["details"]
        assert {"body.email", "body.password", "body.name"} <= set(details)
        assert all(isinstance(v, list) and v for v in details.values())

    async def test_errors_carry_cors_headers(self, client: httpx.AsyncClient) -> None:
        r = await client.get(f"{API}/auth/me", headers={"Origin": ORIGIN})
        assert r.status_code == 401
        assert r.headers["access-control-allow-origin"] == ORIGIN

    async def test_every_response_has_a_request_id_and_security_headers(
        self, client: httpx.AsyncClient
    ) -> None:
        r = await client.get(f"{API}/auth/me", headers={"X-Request-ID": "abc-123"})
        assert r.headers["x-request-id"] == "abc-123"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"


@pytest.fixture
async def boom_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    from api.app import create_app

    app: FastAPI = create_app(settings)

    @app.get(f"{API}/boom-for-test")
    async def boom() -> None:
        raise RuntimeError("secret detail that must not leak")

    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        yield c


class TestUnhandledError:
    async def test_500_uses_the_error_format_without_the_exception_text(
        self, boom_client: httpx.AsyncClient
    ) -> None:
        r = await boom_client.get(f"{API}/boom-for-test")
        assert r.status_code == 500 and _is_error(r.json(), "INTERNAL_ERROR")
        assert "secret detail" not in r.text

    async def test_500_carries_cors_headers(self, boom_client: httpx.AsyncClient) -> None:
        r = await boom_client.get(f"{API}/boom-for-test", headers={"Origin": ORIGIN})
        assert r.status_code == 500
        assert r.headers["access-control-allow-origin"] == ORIGIN
        assert "x-request-id" in r.headers
