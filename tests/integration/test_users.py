"""Admin user management (/api/v1/users) and the `wrestle users` CLI."""

from __future__ import annotations

import httpx

from core.config import Settings
from db.types import PgConn
from tests.helpers import API, PASSWORD, make_world


class TestUserManagement:
    async def test_list_is_ordered_with_total(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.get(f"{API}/users?limit=2", headers=world.admin.headers)
        assert r.headers["x-total-count"] == "6"
        assert [u["email"] for u in r.json()["users"]] == ["admin@example.com", "athlete.w1@example.com"]
        assert "passwordHash" not in r.text and "password_hash" not in r.text

    async def test_admin_creates_a_linked_athlete(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.post(
            f"{API}/users",
            json={
                "email": "n@example.com",
                "password": PASSWORD,
                "name": "N",
                "role": "athlete",
                "wrestlerId": str(world.w3),
            },
            headers=world.admin.headers,
        )
        assert r.status_code == 201 and r.json()["wrestlerId"] == str(world.w3)

    async def test_role_change_drops_links_the_new_role_cannot_hold(
        self, conn: PgConn, client: httpx.AsyncClient
    ) -> None:
        world = await make_world(conn, client)
        r = await client.put(
            f"{API}/users/{world.coach_a.id}", json={"role": "athlete"}, headers=world.admin.headers
        )
        assert (r.json()["role"], r.json()["teamId"]) == ("athlete", None)

    async def test_disabled_user_tokens_stop_working(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        await client.put(
            f"{API}/users/{world.coach_a.id}", json={"disabled": True}, headers=world.admin.headers
        )
        assert (await client.get(f"{API}/auth/me", headers=world.coach_a.headers)).status_code == 401

    async def test_last_admin_cannot_be_deleted(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.delete(f"{API}/users/{world.admin.id}", headers=world.admin.headers)
        assert r.status_code == 409 and r.json()["error"] == "CONFLICT"

    async def test_delete_removes_the_user(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.delete(f"{API}/users/{world.athlete2.id}", headers=world.admin.headers)
        assert r.json() == {"success": True}
        assert await conn.fetchval("SELECT count(*) FROM users WHERE id = $1", world.athlete2.id) == 0


class TestUsersCli:
    def test_create_then_list(self, settings: Settings, monkeypatch: object) -> None:
        from typer.testing import CliRunner

        import cli.users as users_cli
        from cli.main import app

        monkeypatch.setattr(users_cli, "get_settings", lambda: settings)  # type: ignore[attr-defined]
        runner = CliRunner()
        r = runner.invoke(
            app, ["users", "create", "--email", "boss@example.com", "--password", PASSWORD, "--role", "admin"]
        )
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["users", "list"])
        assert "boss@example.com\tadmin" in r.output

    def test_unknown_team_fails_with_a_message(self, settings: Settings, monkeypatch: object) -> None:
        from typer.testing import CliRunner

        import cli.users as users_cli
        from cli.main import app

        monkeypatch.setattr(users_cli, "get_settings", lambda: settings)  # type: ignore[attr-defined]
        r = CliRunner().invoke(
            app,
            [
                "users",
                "create",
                "--email",
                "c@example.com",
                "--password",
                PASSWORD,
                "--role",
                "coach",
                "--team",
                "00000000-0000-4000-8000-000000000000",
            ],
        )
        assert r.exit_code == 1 and "does not exist" in r.output
