"""The dashboard's payload cache and conditional requests (api/payload_cache.py): a write through
every write path moves the tag and the body, which is then the same as an uncached computation; a
repeated tag answers 304; access is checked before the cache; roles never share a body; Redis loss
keeps the cache working in process; the in-process budget holds; two instances see each other's
writes."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.payload_cache import MemoryCache, Stored
from api.state import AppState
from core.config import Settings
from db.types import PgConn
from tests.dashboard_fixtures import RECOVERY, World, local_date, local_noon, make_world, write

API = "/api/v1"
TRENDS = "body-composition/trends?limit=365"


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    w = await make_world(conn, settings)
    await write(conn, w.wrestler, [("weight", local_noon(d), 80.0 + d / 10) for d in range(1, 40)])
    return w


@asynccontextmanager
async def running(settings: Settings, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update=overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def state_of(client: httpx.AsyncClient) -> AppState:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app = transport.app
    assert isinstance(app, FastAPI)
    state: AppState = app.state.wrestle
    return state


@pytest.fixture
async def uncached(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(settings, payload_cache_enabled=False) as c:
        yield c


def wurl(w: World, path: str) -> str:
    return f"{API}/wrestlers/{w.wrestler}/{path}"


async def check_fresh(
    client: httpx.AsyncClient, uncached: httpx.AsyncClient, url: str, headers: dict[str, str], old_tag: str
) -> httpx.Response:
    """The read after a write: a new tag, and the body an uncached app computes now."""
    r = await client.get(url, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["etag"] != old_tag
    plain = await uncached.get(url, headers=headers)
    assert plain.status_code == 200 and "etag" not in plain.headers
    assert r.json() == plain.json()
    # And that new body is what the next read gets from the cache.
    again = await client.get(url, headers=headers)
    assert again.headers["etag"] == r.headers["etag"] and again.json() == r.json()
    return r


async def test_repeated_tag_is_304_without_a_body(client: httpx.AsyncClient, world: World) -> None:
    first = await client.get(wurl(world, TRENDS), headers=world.coach)
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('W/"') and first.headers["cache-control"] == "private, no-cache"
    r = await client.get(wurl(world, TRENDS), headers={**world.coach, "If-None-Match": tag})
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == tag
    assert r.headers["cache-control"] == "private, no-cache"
    # Any of a list, and a weak or strong spelling of it, matches; another tag does not.
    listed = await client.get(
        wurl(world, TRENDS), headers={**world.coach, "If-None-Match": f'"nope", {tag.removeprefix("W/")}'}
    )
    assert listed.status_code == 304
    other = await client.get(wurl(world, TRENDS), headers={**world.coach, "If-None-Match": 'W/"nope"'})
    assert other.status_code == 200 and other.json() == first.json()
    metrics = state_of(client).metrics
    assert metrics is not None
    text = metrics.render().decode()
    route = "/api/v1/wrestlers/{wrestlerId}/body-composition/trends"
    for outcome, n in (("not_modified", 2), ("miss", 1), ("hit_memory", 1)):
        assert (
            f'wrestle_payload_cache_lookups_total{{outcome="{outcome}",route="{route}"}} {n:.1f}' in text
        ), [line for line in text.splitlines() if "payload" in line]


async def test_access_is_checked_before_the_cache(client: httpx.AsyncClient, world: World) -> None:
    ok = await client.get(wurl(world, TRENDS), headers=world.coach)
    tag = ok.headers["etag"]
    for headers in (world.other_coach, world.teamless_coach):
        r = await client.get(wurl(world, TRENDS), headers={**headers, "If-None-Match": tag})
        assert r.status_code == 403 and r.json()["error"] == "FORBIDDEN"
    r = await client.get(wurl(world, TRENDS), headers={"If-None-Match": tag})
    assert r.status_code == 401
    team = f"{API}/teams/{world.team}/stats"
    assert (await client.get(team, headers=world.coach)).status_code == 200
    assert (await client.get(team, headers=world.other_coach)).status_code == 403
    assert (await client.get(team, headers=world.athlete)).status_code == 403


async def test_roles_never_share_a_cached_body(client: httpx.AsyncClient, world: World) -> None:
    tags = {}
    for role in ("admin", "coach", "athlete"):
        r = await client.get(wurl(world, TRENDS), headers=getattr(world, role))
        assert r.status_code == 200
        tags[role] = r.headers["etag"]
    assert len(set(tags.values())) == 3
    # An admin's tag is not a coach's: the coach gets a full answer computed for the coach.
    r = await client.get(wurl(world, TRENDS), headers={**world.coach, "If-None-Match": tags["admin"]})
    assert r.status_code == 200 and r.headers["etag"] == tags["coach"]
    team = [
        (await client.get(f"{API}/teams/{world.team}/athletes", headers=h)).headers["etag"]
        for h in (world.admin, world.coach)
    ]
    assert team[0] != team[1]


async def test_locale_and_query_are_part_of_the_tag(client: httpx.AsyncClient, world: World) -> None:
    url = wurl(world, "overview/chart")
    en = await client.get(url, headers={**world.coach, "Accept-Language": "en"})
    fa = await client.get(url, headers={**world.coach, "Accept-Language": "fa-IR"})
    assert en.headers["etag"] != fa.headers["etag"]
    short = await client.get(wurl(world, "body-composition/trends?limit=5"), headers=world.coach)
    long = await client.get(wurl(world, TRENDS), headers=world.coach)
    assert short.headers["etag"] != long.headers["etag"]
    assert short.json() != long.json()


async def test_large_bodies_are_sent_gzip_compressed(client: httpx.AsyncClient, world: World) -> None:
    raw = await client.get(wurl(world, TRENDS), headers={**world.coach, "Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and len(raw.content) > 1024
    # httpx asks for gzip by default; it decodes what it gets.
    gz = await client.get(wurl(world, TRENDS), headers={**world.coach, "Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip" and gz.json() == raw.json()
    assert int(gz.headers["content-length"]) < len(raw.content)
    assert "Accept-Encoding" in gz.headers["vary"]
    # What is cached is the compressed body.
    cache = state_of(client).payloads
    assert cache is not None
    stored = cache.memory.get(gz.headers["etag"])
    assert stored is not None and stored.gzipped
    assert orjson.loads(gzip.decompress(stored.body)) == raw.json()


async def test_headers_of_the_route_are_kept(client: httpx.AsyncClient, world: World) -> None:
    url = f"{API}/teams/{world.team}/athletes?limit=1"
    first = await client.get(url, headers=world.coach)
    hit = await client.get(url, headers=world.coach)
    assert first.headers["x-total-count"] == hit.headers["x-total-count"] == "1"
    assert hit.json() == first.json()


async def test_series_with_an_open_range_is_not_tagged(client: httpx.AsyncClient, world: World) -> None:
    open_range = await client.get(wurl(world, "series?metric=weight"), headers=world.coach)
    assert open_range.status_code == 200 and "etag" not in open_range.headers
    fixed = await client.get(
        wurl(world, f"series?metric=weight&to={local_date(0)}T23:59:59"), headers=world.coach
    )
    assert fixed.status_code == 200 and fixed.headers["etag"]


class TestEveryWritePathMovesTheTag:
    async def test_csv_upload(
        self, client: httpx.AsyncClient, uncached: httpx.AsyncClient, world: World
    ) -> None:
        before = await client.get(wurl(world, TRENDS), headers=world.coach)
        csv = f"wrestler,metric,recorded_at,value\n{world.wrestler},weight,{local_date(0)}T09:00:00,77.5\n"
        r = await client.post(
            f"{API}/ingest/csv", content=csv, headers={**world.coach, "Content-Type": "text/csv"}
        )
        assert r.status_code == 200 and r.json()["rowsInserted"] == 1, r.text
        after = await check_fresh(client, uncached, wurl(world, TRENDS), world.coach, before.headers["etag"])
        assert after.json() != before.json()

    async def test_device_batch_and_undo(
        self, client: httpx.AsyncClient, uncached: httpx.AsyncClient, world: World
    ) -> None:
        url = wurl(world, "recovery/charts?limit=30")
        before = await client.get(url, headers=world.coach)
        reading = {"wrestlerId": str(world.wrestler), "metric": "hrv", "value": 70}
        reading["recordedAt"] = (local_noon(0) - timedelta(hours=3)).isoformat()
        r = await client.post(
            f"{API}/ingest/readings", json={"source": "belt", "readings": [reading]}, headers=world.admin
        )
        assert r.status_code == 200 and r.json()["rowsInserted"] == 1, r.text
        added = await check_fresh(client, uncached, url, world.coach, before.headers["etag"])
        assert added.json() != before.json()
        undo = await client.delete(f"{API}/ingest/batches/{r.json()['batchId']}", headers=world.admin)
        assert undo.status_code == 200, undo.text
        undone = await check_fresh(client, uncached, url, world.coach, added.headers["etag"])
        assert undone.json() == before.json()

    async def test_section_post(
        self, client: httpx.AsyncClient, uncached: httpx.AsyncClient, world: World
    ) -> None:
        url = wurl(world, "recovery")
        team = f"{API}/teams/{world.team}/athletes"
        before = await client.get(url, headers=world.athlete)
        team_before = await client.get(team, headers=world.coach)
        r = await client.post(url, json={**RECOVERY, "sleepQuality": 91}, headers=world.athlete)
        assert r.status_code == 201, r.text
        after = await check_fresh(client, uncached, url, world.athlete, before.headers["etag"])
        assert after.json() != before.json()
        # The team's reads follow their member: a new tag, and the recomputed athletes list.
        await check_fresh(client, uncached, team, world.coach, team_before.headers["etag"])

    async def test_training_program(
        self, client: httpx.AsyncClient, uncached: httpx.AsyncClient, world: World
    ) -> None:
        url = wurl(world, f"training-program?date={local_date(0)}")
        before = await client.get(url, headers=world.coach)
        program = {
            "date": local_date(0),
            "readiness": 8,
            "sessionRPE": 7,
            "exercises": [{"name": "Squat", "sets": []}],
        }
        r = await client.post(wurl(world, "training-program"), json=program, headers=world.coach)
        assert r.status_code in (200, 201), r.text
        after = await check_fresh(client, uncached, url, world.coach, before.headers["etag"])
        assert after.json() != before.json()

    async def test_weight_plan(
        self, client: httpx.AsyncClient, uncached: httpx.AsyncClient, world: World
    ) -> None:
        url = wurl(world, "weight-plan")
        before = await client.get(url, headers=world.coach)
        board_url = f"{API}/teams/{world.team}/weight-board"
        board = await client.get(board_url, headers=world.coach)
        plan = {"targetClassKg": 74.0, "targetDate": local_date(-30)}
        r = await client.put(url, json=plan, headers=world.coach)
        assert r.status_code == 200, r.text
        after = await check_fresh(client, uncached, url, world.coach, before.headers["etag"])
        assert after.json() != before.json()
        await check_fresh(client, uncached, board_url, world.coach, board.headers["etag"])

    async def test_profile_and_team_settings(
        self, client: httpx.AsyncClient, uncached: httpx.AsyncClient, world: World
    ) -> None:
        board_url = f"{API}/teams/{world.team}/athletes"
        board = await client.get(board_url, headers=world.coach)
        r = await client.put(
            f"{API}/wrestlers/{world.wrestler}", json={"nameFa": "حسین"}, headers=world.admin
        )
        assert r.status_code == 200, r.text
        after = await check_fresh(client, uncached, board_url, world.coach, board.headers["etag"])
        assert "حسین" in after.text

    async def test_catalog_change(
        self, client: httpx.AsyncClient, uncached: httpx.AsyncClient, world: World
    ) -> None:
        before = await client.get(wurl(world, TRENDS), headers=world.coach)
        metric = {"key": "grip_cache_probe", "domain": "performance", "nameEn": "Grip probe", "unit": "kg"}
        r = await client.post(f"{API}/metrics", json=metric, headers=world.admin)
        assert r.status_code == 201, r.text
        await check_fresh(client, uncached, wurl(world, TRENDS), world.coach, before.headers["etag"])

    async def test_a_write_moves_only_its_wrestlers_tags(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        mine = (await client.get(wurl(world, TRENDS), headers=world.admin)).headers["etag"]
        other_url = f"{API}/wrestlers/{world.other}/{TRENDS}"
        other = (await client.get(other_url, headers=world.admin)).headers["etag"]
        await write(conn, world.wrestler, [("weight", local_noon(0), 79.0)])
        assert (await client.get(wurl(world, TRENDS), headers=world.admin)).headers["etag"] != mine
        assert (await client.get(other_url, headers=world.admin)).headers["etag"] == other


async def test_redis_loss_keeps_the_cache_in_process(settings: Settings, world: World) -> None:
    async with running(settings, redis_url="redis://127.0.0.1:9/0") as c:
        first = await c.get(wurl(world, TRENDS), headers=world.coach)
        assert first.status_code == 200
        hit = await c.get(wurl(world, TRENDS), headers=world.coach)
        assert hit.status_code == 200 and hit.json() == first.json()
        metrics = state_of(c).metrics
        assert metrics is not None
        assert 'outcome="hit_memory"' in metrics.render().decode()
        r = await c.get(wurl(world, TRENDS), headers={**world.coach, "If-None-Match": first.headers["etag"]})
        assert r.status_code == 304


async def test_the_in_process_budget_holds(settings: Settings, world: World, conn: PgConn) -> None:
    async with running(settings, payload_cache_bytes=6000, payload_gzip_min_bytes=10**9) as c:
        for limit in range(5, 40):
            assert (
                await c.get(wurl(world, f"body-composition/trends?limit={limit}"), headers=world.coach)
            ).status_code == 200
        cache = state_of(c).payloads
        assert cache is not None
        assert 0 < cache.memory.bytes <= 6000 and cache.memory.evictions > 0
        metrics = state_of(c).metrics
        assert metrics is not None
        text = metrics.render().decode()
        assert f"wrestle_payload_cache_evictions_total {float(cache.memory.evictions)}" in text
        assert f"wrestle_payload_cache_bytes {float(cache.memory.bytes)}" in text


def test_memory_cache_evicts_the_least_recently_used() -> None:
    cache = MemoryCache(100)
    item = Stored(b"x" * 30, False, ())
    for key in "abc":
        assert cache.put(key, item) == 0
    assert cache.get("a") is not None  # a is now the most recent
    assert cache.put("d", item) == 1
    assert cache.get("b") is None and cache.get("a") is not None
    assert cache.bytes == 90 and len(cache) == 3
    assert cache.put("huge", Stored(b"x" * 101, False, ())) == 0 and cache.get("huge") is None


async def test_two_instances_see_each_others_writes(settings: Settings, world: World) -> None:
    async with running(settings) as a, running(settings) as b:
        url = wurl(world, "recovery")
        before_a = await a.get(url, headers=world.athlete)
        before_b = await b.get(url, headers=world.athlete)
        assert before_a.headers["etag"] == before_b.headers["etag"]
        r = await a.post(url, json={**RECOVERY, "sleepQuality": 64}, headers=world.athlete)
        assert r.status_code == 201, r.text
        after = await b.get(url, headers={**world.athlete, "If-None-Match": before_b.headers["etag"]})
        assert after.status_code == 200 and after.json() != before_b.json() and "64" in after.text
        # b stored it in Redis: a serves the same bytes from there.
        from_a = await a.get(url, headers=world.athlete)
        assert from_a.json() == after.json() and from_a.headers["etag"] == after.headers["etag"]
        metrics = state_of(a).metrics
        assert metrics is not None and 'outcome="hit_redis"' in metrics.render().decode()
