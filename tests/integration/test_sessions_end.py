"""Revocations that last: a family revoked after a reuse or a logout stays
revoked once the presented token has expired, and an admin's change of a user's password, role,
link or disabled flag ends that user's sessions on every app instance. Anonymous signup is
throttled per client IP."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from api.app import create_app
from api.revocation import purge_expired
from core.config import Settings
from core.security import create_token
from db.types import PgConn
from tests.helpers import API, PASSWORD, World, bearer, create_user, login, make_world

SOON = 3  # seconds left on the replayed refresh token


@pytest.fixture
async def world(conn: PgConn, client: httpx.AsyncClient) -> World:
    return await make_world(conn, client)


@pytest.fixture
async def second_instance(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Another worker of the same deployment: its own process state, the same Redis and database."""
    other = create_app(settings)
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://worker-2") as c:
            yield c


def expiring_refresh(settings: Settings, user_id: uuid.UUID, role: str) -> tuple[str, int]:
    """A refresh token of a new session that expires SOON seconds from now."""
    now = time.time() - settings.refresh_token_expire_days * 86400 + SOON
    token, claims = create_token(
        settings, sub=str(user_id), role=role, type="refresh", family=uuid.uuid4().hex, now=now
    )
    return token, claims.exp


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/refresh", json={"refreshToken": token})


async def wait_past(exp: int, app: FastAPI) -> None:
    """Let the replayed token expire, then purge expired revocations as the periodic job does."""
    await asyncio.sleep(max(0.0, exp + 1 - time.time()))
    await purge_expired(app.state.wrestle)


class TestFamilyRevocationOutlivesTheReplayedToken:
    async def test_after_a_reuse_the_rotated_chain_stays_refused(
        self, client: httpx.AsyncClient, app: FastAPI, world: World, settings: Settings
    ) -> None:
        stolen, exp = expiring_refresh(settings, world.athlete.id, "athlete")
        rotated = await refresh(client, stolen)  # the thief rotates first and keeps the new pair
        assert rotated.status_code == 200, rotated.text
        chain = rotated.json()
        replay = await refresh(client, stolen)  # the owner's copy: a reuse, the family is revoked
        assert replay.status_code == 401
        assert (await refresh(client, chain["refreshToken"])).status_code == 401
        await wait_past(exp, app)
        assert (await refresh(client, chain["refreshToken"])).status_code == 401
        assert (await client.get(f"{API}/auth/me", headers=bearer(chain["accessToken"]))).status_code == 401
        # The table is the authority: Redis losing its copy changes nothing.
        r = aioredis.Redis.from_url(str(settings.redis_url))
        await r.flushdb()
        await r.aclose()
        assert (await refresh(client, chain["refreshToken"])).status_code == 401

    async def test_after_a_logout_the_rotated_chain_stays_refused(
        self, client: httpx.AsyncClient, app: FastAPI, world: World, settings: Settings
    ) -> None:
        token, exp = expiring_refresh(settings, world.athlete.id, "athlete")
        chain = (await refresh(client, token)).json()
        out = await client.post(f"{API}/auth/logout", json={"refreshToken": token})
        assert out.status_code == 200
        await wait_past(exp, app)
        assert (await refresh(client, chain["refreshToken"])).status_code == 401


CHANGES: dict[str, Any] = {
    "password": lambda w: {"password": "a-new-password-42"},
    "role": lambda w: {"role": "coach", "teamId": str(w.team_a)},
    "link": lambda w: {"wrestlerId": str(w.w2)},
    "disabled": lambda w: {"disabled": True},
}


class TestAdminChangesEndSessions:
    @pytest.mark.parametrize("change", sorted(CHANGES))
    async def test_old_tokens_stop_working_on_every_instance(
        self,
        client: httpx.AsyncClient,
        second_instance: httpx.AsyncClient,
        world: World,
        conn: PgConn,
        change: str,
    ) -> None:
        email = f"target-{change}@example.com"
        target = await create_user(conn, "athlete", email=email, wrestler_id=world.w3)
        tokens = await login(client, email)
        assert (await client.get(f"{API}/auth/me", headers=bearer(tokens["accessToken"]))).status_code == 200
        put = await second_instance.put(
            f"{API}/users/{target}", json=CHANGES[change](world), headers=world.admin.headers
        )
        assert put.status_code == 200, put.text
        for instance in (client, second_instance):
            me = await instance.get(f"{API}/auth/me", headers=bearer(tokens["accessToken"]))
            assert me.status_code == 401, (change, me.text)
            assert (await refresh(instance, tokens["refreshToken"])).status_code == 401
        if change != "disabled":
            password = "a-new-password-42" if change == "password" else PASSWORD
            fresh = await login(client, email, password)  # a new login starts a valid session
            assert (
                await client.get(f"{API}/auth/me", headers=bearer(fresh["accessToken"]))
            ).status_code == 200

    async def test_a_change_of_name_keeps_the_session(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        await create_user(conn, "athlete", email="named@example.com", wrestler_id=world.w3)
        tokens = await login(client, "named@example.com")
        me = (await client.get(f"{API}/auth/me", headers=bearer(tokens["accessToken"]))).json()
        put = await client.put(
            f"{API}/users/{me['id']}", json={"name": "New Name"}, headers=world.admin.headers
        )
        assert put.status_code == 200
        assert (await client.get(f"{API}/auth/me", headers=bearer(tokens["accessToken"]))).status_code == 200


class TestSignupThrottle:
    async def test_anonymous_signups_are_limited_per_ip(
        self, client: httpx.AsyncClient, world: World, settings: Settings
    ) -> None:
        def body(i: int) -> dict[str, str]:
            return {"email": f"new{i}@example.com", "password": "long-enough-pw", "name": f"New {i}"}

        for i in range(settings.signup_max_per_ip):
            assert (await client.post(f"{API}/auth/signup", json=body(i))).status_code == 201
        over = await client.post(f"{API}/auth/signup", json=body(99))
        assert over.status_code == 429
        assert over.json()["error"] == "RATE_LIMIT_EXCEEDED" and over.json()["details"]["retryAfter"] > 0
        # An admin creating accounts is not an anonymous signup.
        admin = await client.post(f"{API}/auth/signup", json=body(100), headers=world.admin.headers)
        assert admin.status_code == 201
