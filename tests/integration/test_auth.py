"""Auth: signup rules, login, refresh rotation, logout, /me, and token attacks."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import bcrypt
import httpx
import jwt
from pydantic import SecretStr

from core.config import Settings
from core.security import create_token
from db.types import PgConn
from tests.helpers import API, PASSWORD, bearer, create_team, create_user, create_wrestler, login, make_world


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class TestSignup:
    async def test_anonymous_signup_creates_an_unlinked_athlete(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            f"{API}/auth/signup", json={"email": "a@example.com", "password": PASSWORD, "name": "A"}
        )
        assert r.status_code == 201
        body = r.json()
        assert (body["role"], body["teamId"], body["wrestlerId"]) == ("athlete", None, None)
        assert "password" not in r.text and "passwordHash" not in body

    async def test_anonymous_cannot_sign_up_as_admin(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            f"{API}/auth/signup",
            json={"email": "x@example.com", "password": PASSWORD, "name": "X", "role": "admin"},
        )
        assert r.status_code == 401
        assert r.json()["error"] == "NOT_AUTHENTICATED"

    async def test_anonymous_cannot_link_a_wrestler(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        wid = await create_wrestler(conn)
        r = await client.post(
            f"{API}/auth/signup",
            json={"email": "x@example.com", "password": PASSWORD, "name": "X", "wrestlerId": str(wid)},
        )
        assert r.status_code == 401

    async def test_coach_token_cannot_create_a_coach(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.post(
            f"{API}/auth/signup",
            json={"email": "c@example.com", "password": PASSWORD, "name": "C", "role": "coach"},
            headers=world.coach_a.headers,
        )
        assert r.status_code == 403
        assert r.json()["error"] == "FORBIDDEN"

    async def test_admin_creates_a_linked_coach(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.post(
            f"{API}/auth/signup",
            json={
                "email": "c@example.com",
                "password": PASSWORD,
                "name": "C",
                "role": "coach",
                "teamId": str(world.team_b),
            },
            headers=world.admin.headers,
        )
        assert r.status_code == 201
        assert r.json()["teamId"] == str(world.team_b)

    async def test_unknown_team_is_422(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        world = await make_world(conn, client)
        r = await client.post(
            f"{API}/auth/signup",
            json={
                "email": "c@example.com",
                "password": PASSWORD,
                "name": "C",
                "role": "coach",
                "teamId": "00000000-0000-4000-8000-000000000000",
            },
            headers=world.admin.headers,
        )
        assert r.status_code == 422
        assert "body.teamId" in r.json()["details"]

    async def test_password_over_72_bytes_is_422(self, client: httpx.AsyncClient) -> None:
        r = await client.post(
            f"{API}/auth/signup", json={"email": "a@example.com", "password": "é" * 37, "name": "A"}
        )
        assert r.status_code == 422
        assert "body.password" in r.json()["details"]

    async def test_duplicate_email_is_409_case_insensitively(self, client: httpx.AsyncClient) -> None:
        await client.post(
            f"{API}/auth/signup", json={"email": "a@example.com", "password": PASSWORD, "name": "A"}
        )
        r = await client.post(
            f"{API}/auth/signup", json={"email": "A@Example.com", "password": PASSWORD, "name": "A"}
        )
        assert r.status_code == 409
        assert r.json()["error"] == "USER_EXISTS"

    async def test_disabled_signup_refuses_anonymous(self, settings: Settings, conn: PgConn) -> None:
        from api.app import create_app

        app = create_app(settings.model_copy(update={"allow_signup": False}))
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as c,
        ):
            r = await c.post(
                f"{API}/auth/signup", json={"email": "a@example.com", "password": PASSWORD, "name": "A"}
            )
        assert r.status_code == 403


class TestLogin:
    async def test_login_returns_tokens_and_links(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        tid = await create_team(conn)
        await create_user(conn, "coach", email="c@example.com", team_id=tid)
        r = await client.post(f"{API}/auth/login", json={"email": "C@example.com", "password": PASSWORD})
        assert r.status_code == 200
        body = r.json()
        assert body["user"]["teamId"] == str(tid)
        claims = jwt.decode(body["accessToken"], options={"verify_signature": False})
        assert {"sub", "role", "jti", "type", "iat", "exp"} <= set(claims)
        assert claims["exp"] - claims["iat"] == 30 * 60

    async def test_unknown_email_and_wrong_password_answer_the_same(
        self, conn: PgConn, client: httpx.AsyncClient
    ) -> None:
        await create_user(conn, "athlete", email="a@example.com")
        r1 = await client.post(
            f"{API}/auth/login", json={"email": "a@example.com", "password": "wrong-password"}
        )
        r2 = await client.post(
            f"{API}/auth/login", json={"email": "nobody@example.com", "password": "wrong-password"}
        )
        assert (
            (r1.status_code, r1.json())
            == (r2.status_code, r2.json())
            == (
                401,
                {"error": "INVALID_CREDENTIALS", "message": "Invalid email or password", "details": {}},
            )
        )

    async def test_unknown_email_costs_a_bcrypt_check(self, settings: Settings, conn: PgConn) -> None:
        """At cost 10 a check takes ~60 ms: the unknown email must take at least half of a real one."""
        from api.app import create_app

        app = create_app(settings.model_copy(update={"bcrypt_rounds": 10}))
        await create_user(conn, "athlete", email="a@example.com")
        await conn.execute(
            "UPDATE users SET password_hash = $1",
            bcrypt.hashpw(b"x" * 8, bcrypt.gensalt(10)).decode(),
        )
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as c,
        ):
            await c.post(f"{API}/auth/login", json={"email": "z@example.com", "password": "warm-up-1"})
            t0 = time.perf_counter()
            await c.post(f"{API}/auth/login", json={"email": "a@example.com", "password": "wrong-pass"})
            known = time.perf_counter() - t0
            t0 = time.perf_counter()
            await c.post(f"{API}/auth/login", json={"email": "nobody@example.com", "password": "wrong-pass"})
            unknown = time.perf_counter() - t0
        assert unknown > known * 0.5, (known, unknown)

    async def test_disabled_user_cannot_log_in(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        uid = await create_user(conn, "athlete", email="a@example.com")
        await conn.execute("UPDATE users SET disabled = true WHERE id = $1", uid)
        r = await client.post(f"{API}/auth/login", json={"email": "a@example.com", "password": PASSWORD})
        assert r.status_code == 401


class TestRefreshAndLogout:
    async def test_refresh_rotates(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        await create_user(conn, "athlete", email="a@example.com")
        tokens = await login(client, "a@example.com")
        r = await client.post(f"{API}/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
        assert r.status_code == 200
        assert r.json()["refreshToken"] != tokens["refreshToken"]
        me = await client.get(f"{API}/auth/me", headers=bearer(r.json()["accessToken"]))
        assert me.json()["email"] == "a@example.com"

    async def test_reuse_after_rotation_revokes_the_family(
        self, conn: PgConn, client: httpx.AsyncClient
    ) -> None:
        await create_user(conn, "athlete", email="a@example.com")
        first = await login(client, "a@example.com")
        second = (
            await client.post(f"{API}/auth/refresh", json={"refreshToken": first["refreshToken"]})
        ).json()
        replay = await client.post(f"{API}/auth/refresh", json={"refreshToken": first["refreshToken"]})
        assert replay.status_code == 401 and replay.json()["error"] == "INVALID_TOKEN"
        after = await client.post(f"{API}/auth/refresh", json={"refreshToken": second["refreshToken"]})
        assert after.status_code == 401
        me = await client.get(f"{API}/auth/me", headers=bearer(second["accessToken"]))
        assert me.status_code == 401

    async def test_concurrent_refreshes_cannot_both_succeed(
        self, conn: PgConn, client: httpx.AsyncClient
    ) -> None:
        await create_user(conn, "athlete", email="a@example.com")
        tokens = await login(client, "a@example.com")
        results = await asyncio.gather(
            *(
                client.post(f"{API}/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
                for _ in range(2)
            )
        )
        assert sorted(r.status_code for r in results) == [200, 401]

    async def test_logout_revokes_refresh_and_access_and_is_idempotent(
        self, conn: PgConn, client: httpx.AsyncClient
    ) -> None:
        await create_user(conn, "athlete", email="a@example.com")
        tokens = await login(client, "a@example.com")
        headers = bearer(tokens["accessToken"])
        for _ in range(2):
            r = await client.post(
                f"{API}/auth/logout", json={"refreshToken": tokens["refreshToken"]}, headers=headers
            )
            assert r.json() == {"success": True}
        assert (await client.get(f"{API}/auth/me", headers=headers)).status_code == 401
        r = await client.post(f"{API}/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
        assert r.status_code == 401
        stored = await conn.fetchval("SELECT count(*) FROM token_revocations")
        assert stored >= 3  # refresh jti, family, access jti

    async def test_expired_revocations_are_purged(
        self, settings: Settings, conn: PgConn, app: object
    ) -> None:
        from api.revocation import purge_expired

        await conn.execute(
            """INSERT INTO token_revocations (jti, token_type, expires_at)
               VALUES ('old', 'access', now() - interval '1 s'), ('live', 'access', now() + interval '1 h')"""
        )
        await purge_expired(app.state.wrestle)  # type: ignore[attr-defined]
        assert await conn.fetchval("SELECT array_agg(jti) FROM token_revocations") == ["live"]


class TestTokenAttacks:
    async def _me(self, client: httpx.AsyncClient, token: str) -> httpx.Response:
        return await client.get(f"{API}/auth/me", headers=bearer(token))

    async def test_unsigned_alg_none_is_refused(
        self, conn: PgConn, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        uid = await create_user(conn, "admin")
        now = int(time.time())
        claims = {"sub": str(uid), "role": "admin", "jti": "j", "type": "access", "iat": now, "exp": now + 60}
        token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        r = await self._me(client, token)
        assert (r.status_code, r.json()["error"]) == (401, "INVALID_TOKEN")
        assert r.headers["www-authenticate"] == "Bearer"

    async def test_wrong_key_is_refused(
        self, conn: PgConn, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        uid = await create_user(conn, "admin")
        token, _ = create_token(
            settings.model_copy(update={"jwt_secret_key": SecretStr("another-key-" * 4)}),
            sub=str(uid),
            role="admin",
            type="access",
        )
        r = await self._me(client, token)
        assert (r.status_code, r.json()["error"]) == (401, "INVALID_TOKEN")

    async def test_expired_is_token_expired(
        self, conn: PgConn, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        uid = await create_user(conn, "admin")
        token, _ = create_token(settings, sub=str(uid), role="admin", type="access", now=time.time() - 3600)
        r = await self._me(client, token)
        assert (r.status_code, r.json()["error"]) == (401, "TOKEN_EXPIRED")
        assert r.headers["www-authenticate"] == "Bearer"

    async def test_refresh_token_as_access_is_refused(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        await create_user(conn, "admin", email="a@example.com")
        tokens = await login(client, "a@example.com")
        r = await self._me(client, tokens["refreshToken"])
        assert (r.status_code, r.json()["error"]) == (401, "INVALID_TOKEN")

    async def test_access_token_cannot_refresh(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        await create_user(conn, "admin", email="a@example.com")
        tokens = await login(client, "a@example.com")
        r = await client.post(f"{API}/auth/refresh", json={"refreshToken": tokens["accessToken"]})
        assert (r.status_code, r.json()["error"]) == (401, "INVALID_TOKEN")

    async def test_revoked_access_token_is_refused(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        await create_user(conn, "admin", email="a@example.com")
        tokens = await login(client, "a@example.com")
        await client.post(
            f"{API}/auth/logout",
            json={"refreshToken": tokens["refreshToken"]},
            headers=bearer(tokens["accessToken"]),
        )
        r = await self._me(client, tokens["accessToken"])
        assert (r.status_code, r.json()["error"]) == (401, "INVALID_TOKEN")

    async def test_tampered_role_claim_is_refused(self, conn: PgConn, client: httpx.AsyncClient) -> None:
        await create_user(conn, "athlete", email="a@example.com")
        header, payload, sig = (await login(client, "a@example.com"))["accessToken"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["role"] = "admin"
        r = await client.get(f"{API}/users", headers=bearer(f"{header}.{_b64(claims)}.{sig}"))
        assert (r.status_code, r.json()["error"]) == (401, "INVALID_TOKEN")

    async def test_missing_token_is_not_authenticated(self, client: httpx.AsyncClient) -> None:
        r = await client.get(f"{API}/auth/me")
        assert (r.status_code, r.json()["error"]) == (401, "NOT_AUTHENTICATED")
        assert r.headers["www-authenticate"] == "Bearer"

    async def test_role_is_read_from_the_database(
        self, conn: PgConn, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        """A token whose role claim says admin grants an athlete nothing more: the role comes from
        the database. A demoted admin's session ends at once (its token_version moved on)."""
        athlete = await create_user(conn, "athlete", email="ath@example.com")
        forged, _ = create_token(settings, sub=str(athlete), role="admin", type="access")
        assert (await client.get(f"{API}/users", headers=bearer(forged))).status_code == 403
        uid = await create_user(conn, "admin", email="a@example.com")
        await create_user(conn, "admin")  # keep another admin
        token = (await login(client, "a@example.com"))["accessToken"]
        await conn.execute("UPDATE users SET role = 'athlete' WHERE id = $1", uid)
        r = await client.get(f"{API}/users", headers=bearer(token))
        assert r.status_code == 401
