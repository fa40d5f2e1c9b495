"""One structured access line per request, with no credentials in it."""

from __future__ import annotations

import httpx
from structlog.testing import capture_logs

from db.types import PgConn
from tests.helpers import API, PASSWORD, create_user


class TestAccessLog:
    async def test_one_line_per_request_with_route_template_and_user(
        self, client: httpx.AsyncClient, conn: PgConn
    ) -> None:
        uid = await create_user(conn, "admin", email="a@example.com")
        with capture_logs() as logs:
            r = await client.post(
                f"{API}/auth/login",
                json={"email": "a@example.com", "password": PASSWORD},
                headers={"X-Request-ID": "req-42"},
            )
        lines = [e for e in logs if e["event"] == "request"]
        assert len(lines) == 1
        line = lines[0]
        assert (line["method"], line["route"], line["status"], line["user_id"]) == (
            "POST",
            "/api/v1/auth/login",
            200,
            str(uid),
        )
        assert line["request_id"] == "req-42" and line["duration_ms"] >= 0
        assert PASSWORD not in repr(logs) and r.json()["accessToken"] not in repr(logs)

    async def test_route_is_the_template_not_the_path(self, client: httpx.AsyncClient) -> None:
        with capture_logs() as logs:
            await client.get(f"{API}/wrestlers/0b5a6a3e-0000-4000-8000-000000000000")
        assert [e["route"] for e in logs if e["event"] == "request"] == ["/api/v1/wrestlers/{wrestlerId}"]

    def test_credentials_passed_to_a_log_call_are_redacted(self) -> None:
        from core.logging import redact

        assert redact(None, "info", {"event": "x", "password": "p", "refreshToken": "t"}) == {
            "event": "x",
            "password": "[redacted]",
            "refreshToken": "[redacted]",
        }
