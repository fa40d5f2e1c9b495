"""Read replicas against a real streaming standby of the test cluster (pg_basebackup -R): reads are
served by it, a caller reads their own writes, a lagging or lost replica is skipped, and the caller
lookup never trusts it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from api.app import create_app
from api.connection import Conn
from api.replica_routing import ReadRouting
from core.config import Settings
from db.cluster import EmbeddedCluster, EmbeddedReplica
from db.replicas import PRIMARY, current_lsn
from db.types import PgConn
from tests.conftest import harness_servers
from tests.dashboard_fixtures import World, local_noon, make_world, write
from tests.live_server import free_port

pytestmark = pytest.mark.skipif(
    harness_servers().postgres is not None, reason="copies the embedded cluster (TEST_DATABASE_URL is set)"
)
# Seconds: the threshold the tests drive a paused replica past (long enough that a poll delayed by a
# busy machine does not make the replica count as unknown before then).
MAX_LAG = 2.5
POLL = 0.1


@pytest.fixture(scope="module")
def replica(services: Settings) -> Iterator[EmbeddedReplica]:
    """A streaming replica of the whole test cluster (each test's database appears on it), removed
    at the end of the module."""
    port = int(os.environ.get("WRESTLE_TEST_REPLICA_PORT") or free_port())
    beside = EmbeddedCluster(services).paths.pgdata.parent  # where the service user may write
    standby = EmbeddedReplica(services, port, beside / f"replica-test-{os.getpid()}")
    standby.start()
    try:
        yield standby
    finally:
        standby.destroy()


@dataclass
class Routed:
    app: FastAPI
    client: httpx.AsyncClient
    reads: ReadRouting
    replica_url: str

    @property
    def replica_name(self) -> str:
        return self.reads.replicas.replicas[0].name

    def served(self) -> dict[str, int]:
        return dict(self.reads.replicas.reads)


@asynccontextmanager
async def _routed(settings: Settings, replica: EmbeddedReplica, poll: float) -> AsyncIterator[Routed]:
    url = replica.url(settings.pg_database)
    app = create_app(
        settings.model_copy(
            update={
                "database_read_urls": [url],
                "database_replica_max_lag_seconds": MAX_LAG,
                "database_replica_poll_seconds": poll,
            }
        )
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Routed(app, client, app.state.wrestle.reads, url)


@pytest.fixture
async def routed(settings: Settings, replica: EmbeddedReplica) -> AsyncIterator[Routed]:
    async with _routed(settings, replica, POLL) as r:
        yield r


async def _until(condition: str, check: Callable[[], bool]) -> None:
    """Until `check()` holds, for at most 10 s."""
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {condition}")


async def _caught_up(routed: Routed, conn: PgConn) -> None:
    """Until the router knows the replica has replayed everything the primary has now (polling it
    here as well: one test polls rarely)."""
    lsn = await current_lsn(conn)
    replicas = routed.reads.replicas
    r = replicas.replicas[0]
    for _ in range(200):
        await replicas.poll()
        if replicas.skipped(r) is None and (r.replay_lsn or 0) >= lsn:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the replica did not catch up: {replicas.statuses()}")


async def _name(routed: Routed, world: World, headers: dict[str, str]) -> str:
    """The wrestler's name as the list reads it (on the request's connection; a path's wrestler
    would come with the caller lookup, from the primary)."""
    r = await routed.client.get("/api/v1/wrestlers", headers=headers)
    assert r.status_code == 200, r.text
    (name,) = [w["nameEn"] for w in r.json()["wrestlers"] if w["id"] == str(world.wrestler)]
    return str(name)


async def test_reads_go_to_the_replica_and_a_writer_reads_their_own_writes(
    routed: Routed, conn: PgConn, settings: Settings
) -> None:
    world = await make_world(conn, settings)
    await _caught_up(routed, conn)
    before = routed.served()
    assert await _name(routed, world, world.coach) == "Hassan"
    assert routed.served()[routed.replica_name] == before[routed.replica_name] + 1
    assert routed.served()[PRIMARY] == before[PRIMARY]

    standby = await asyncpg.connect(routed.replica_url)
    try:
        await standby.execute("SELECT pg_wal_replay_pause()")
        await _until_paused(standby)
        r = await routed.client.put(
            f"/api/v1/wrestlers/{world.wrestler}", json={"nameEn": "Hassan Y."}, headers=world.coach
        )
        assert r.status_code == 200, r.text

        # The writer is served by the primary until the replica has replayed the write; an admin who
        # did not write is served by the paused replica, which still has the old name.
        before = routed.served()
        assert await _name(routed, world, world.coach) == "Hassan Y."
        assert routed.served()[PRIMARY] == before[PRIMARY] + 1
        assert await _name(routed, world, world.admin) == "Hassan", routed.reads.replicas.statuses()
        assert routed.served()[routed.replica_name] == before[routed.replica_name] + 1

        # The caller lookup reads the primary: an account disabled there is refused at once, though
        # the replica still has it enabled.
        await conn.execute("UPDATE users SET disabled = true WHERE email = 'ath@x.io'")
        r = await routed.client.get(f"/api/v1/wrestlers/{world.wrestler}", headers=world.athlete)
        assert r.status_code == 401
        assert await standby.fetchval("SELECT disabled FROM users WHERE email = 'ath@x.io'") is False

        # Paused past the threshold, the replica is skipped: everyone reads the primary.
        replica = routed.reads.replicas.replicas[0]
        await _until(
            "the replica to count as lagging", lambda: routed.reads.replicas.skipped(replica) == "lagging"
        )
        (status,) = routed.reads.replicas.statuses()
        assert status.up and status.skipped == "lagging"
        assert status.lag_seconds is not None and status.lag_seconds > MAX_LAG
        assert status.lag_bytes is not None and status.lag_bytes > 0
        before = routed.served()
        assert await _name(routed, world, world.admin) == "Hassan Y."
        assert routed.served()[PRIMARY] == before[PRIMARY] + 1
    finally:
        await standby.execute("SELECT pg_wal_replay_resume()")
        await standby.close()

    # Replayed again: back on the replica, which now has the write.
    await _caught_up(routed, conn)
    before = routed.served()
    assert await _name(routed, world, world.admin) == "Hassan Y."
    assert routed.served()[routed.replica_name] == before[routed.replica_name] + 1
    (status,) = routed.reads.replicas.statuses()
    assert status.skipped is None and status.lag_seconds is not None and status.lag_seconds <= MAX_LAG

    # What the router counted, as Prometheus sees it.
    served = routed.served()
    text = (await routed.client.get("/metrics")).text
    name = routed.replica_name
    assert f'wrestle_db_reads_total{{pool="{name}"}} {float(served[name])}' in text
    assert f'wrestle_db_reads_total{{pool="primary"}} {float(served[PRIMARY])}' in text
    assert f'wrestle_db_replica_serving{{replica="{name}"}} 1.0' in text
    assert f'wrestle_db_replica_lag_seconds{{replica="{name}"}}' in text


async def _until_paused(standby: PgConn) -> None:
    for _ in range(100):
        if await standby.fetchval("SELECT pg_get_wal_replay_pause_state()") == "paused":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("replay did not pause")


async def test_losing_the_replica_keeps_reads_answering(
    conn: PgConn, settings: Settings, replica: EmbeddedReplica
) -> None:
    """Polled rarely, the router still takes the stopped replica for up: the read that finds it gone
    is served by the primary, and the replica is skipped from then on."""
    async with _routed(settings, replica, poll=30) as routed:
        world = await make_world(conn, settings)
        await _caught_up(routed, conn)
        assert await _name(routed, world, world.admin) == "Hassan"
        served_by_replica = routed.served()[routed.replica_name]
        assert served_by_replica == 1
        await asyncio.to_thread(replica.stop)
        try:
            assert routed.reads.replicas.statuses()[0].skipped is None  # not polled since
            for _ in range(5):
                assert await _name(routed, world, world.admin) == "Hassan"
                r = await routed.client.get(f"/api/v1/teams/{world.team}", headers=world.coach)
                assert r.status_code == 200
            assert routed.served()[routed.replica_name] == served_by_replica
            assert routed.served()[PRIMARY] == 10
            (status,) = routed.reads.replicas.statuses()
            assert not status.up and status.skipped == "down"
        finally:
            await asyncio.to_thread(replica.start)
        # Back: the next poll finds it answering and reads return to it.
        await _caught_up(routed, conn)
        assert await _name(routed, world, world.admin) == "Hassan"
        assert routed.served()[routed.replica_name] == served_by_replica + 1


async def test_a_read_that_fails_on_the_replica_is_retried_on_the_primary(
    routed: Routed, conn: PgConn, settings: Settings
) -> None:
    """A GET route that writes (none of the service's does) fails on the read-only replica, midway
    through its request; the answer comes from the primary instead."""

    async def writes_on_get(conn: Conn) -> dict[str, int]:
        await conn.execute("INSERT INTO teams (name) VALUES ('Made by a GET')")
        return {"teams": int(await conn.fetchval("SELECT count(*) FROM teams"))}

    routed.app.router.add_api_route("/api/v1/test-writes-on-get", writes_on_get, methods=["GET"])
    world = await make_world(conn, settings)
    await _caught_up(routed, conn)
    before = routed.served()
    r = await routed.client.get("/api/v1/test-writes-on-get", headers=world.admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"teams": 3}
    assert await conn.fetchval("SELECT count(*) FROM teams WHERE name = 'Made by a GET'") == 1
    assert routed.served()[PRIMARY] == before[PRIMARY] + 1
    assert routed.served()[routed.replica_name] == before[routed.replica_name]
    assert routed.reads.replicas.statuses()[0].skipped is None  # the replica itself is fine


async def test_every_get_route_is_served_by_the_replica(
    routed: Routed, conn: PgConn, settings: Settings
) -> None:
    """No GET route writes: each is answered by the replica alone (none falls back to the primary,
    as one that wrote would, on the replica's read-only refusal)."""
    world = await make_world(conn, settings)
    await write(conn, world.wrestler, [("weight", local_noon(1), 86.0), ("body_fat", local_noon(1), 12.0)])
    user_id = await conn.fetchval("SELECT id FROM users WHERE email = 'admin@x.io'")
    ids = {"wrestlerId": world.wrestler, "teamId": world.team, "userId": user_id}
    query = {
        "/api/v1/wrestlers/{wrestlerId}/series": "?metric=weight",
        "/api/v1/ai/insights": f"?wrestlerId={world.wrestler}",
    }
    await _caught_up(routed, conn)
    before = routed.served()
    paths = []
    for rc in iter_route_contexts(routed.app.routes):
        path = rc.path_format or ""
        if "GET" not in (getattr(rc.original_route, "methods", None) or ()) or not path.startswith("/api/v1"):
            continue
        if "{batchId}" in path or "{insightId}" in path:
            continue  # nothing stored to name
        paths.append(path)
        r = await routed.client.get(path.format(**ids) + query.get(path, ""), headers=world.admin)
        assert r.status_code == 200, (path, r.text)
    assert len(paths) >= 30
    assert routed.served()[PRIMARY] == before[PRIMARY]
    assert routed.served()[routed.replica_name] - before[routed.replica_name] == len(paths)


async def test_without_read_urls_there_is_no_routing(app: FastAPI) -> None:
    assert app.state.wrestle.reads is None
