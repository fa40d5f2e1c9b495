"""Concurrent writers of one wrestler: every request succeeds, and afterwards every daily row,
snapshot and score equals a recomputation from the raw rows. And the
continuous-aggregate queue drain never drops a range that committed while it refreshed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import polars as pl
import pytest

from core.config import Settings
from db import aggregates as aggregates_sql
from db.connection import database_url, init_connection
from db.types import PgConn
from ingest.writer import POINT_SCHEMA, write_points
from query.score_refresh import recompute_scores
from tests.dashboard_fixtures import World, local_noon, make_world
from tests.ingest_fixtures import assert_derived_consistent

RECOVERY = ("sleepQuality", "hrvScore", "fatigueLevel", "hydrationLevel", "readinessScore")
RECOVERY_KEYS = ("sleep_quality", "hrv_score", "fatigue_level", "hydration_level", "readiness_score")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Room for every writer to hold its own pooled connection at once.
    return settings.model_copy(update={"database_pool_max": 16, "rate_limit_enabled": False})


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


def iso(t: datetime) -> str:
    return t.isoformat()


def csv_body(world: World, days: range, base: float) -> str:
    lines = ["wrestler,metric,recorded_at,value"]
    for d in days:
        for i, key in enumerate(RECOVERY_KEYS):
            lines.append(f"{world.wrestler},{key},{iso(local_noon(d))},{base + i + d}")
    return "\n".join(lines) + "\n"


async def storm(client: httpx.AsyncClient, world: World, round_no: int) -> list[int]:
    """Ten writers at once on one wrestler, the same metrics and days: section POSTs, device
    batches, a CSV ingest and the undo of an earlier batch."""
    admin = world.admin
    before = await client.post(
        "/api/v1/ingest/csv",
        content=csv_body(world, range(1, 4), 40 + round_no).encode(),
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert before.status_code == 200, before.text
    undo_id = before.json()["batchId"]

    def section(day: int, value: float, headers: dict[str, str]) -> Awaitable[httpx.Response]:
        body: dict[str, Any] = dict.fromkeys(RECOVERY, value)
        body["recordedAt"] = iso(local_noon(day))
        return client.post(f"/api/v1/wrestlers/{world.wrestler}/recovery", json=body, headers=headers)

    def supplements(value: float) -> Awaitable[httpx.Response]:
        body = {
            "adherenceRate": value,
            "monthlyProgress": "+3%",
            "performanceCorrelation": 0.5,
            "totalSupplements": 4,
            "creatineDailyGrams": 5,
            "proteinDailyGrams": 150 + value,
            "hydrationLiters": 3,
        }
        return client.post(f"/api/v1/wrestlers/{world.wrestler}/supplements", json=body, headers=admin)

    def readings(value: float) -> Awaitable[httpx.Response]:
        rows = [
            {
                "wrestlerId": str(world.wrestler),
                "metric": key,
                "recordedAt": iso(local_noon(d)),
                "value": value + d,
            }
            for d in range(1, 4)
            for key in RECOVERY_KEYS
        ]
        return client.post(
            "/api/v1/ingest/readings", json={"source": "belt", "readings": rows}, headers=admin
        )

    writers: list[Callable[[], Awaitable[httpx.Response]]] = [
        lambda: section(2, 61 + round_no, admin),
        lambda: section(2, 62 + round_no, world.coach),
        lambda: section(3, 63 + round_no, world.athlete),
        lambda: section(1, 64 + round_no, admin),
        lambda: readings(70 + round_no),
        lambda: readings(71 + round_no),
        lambda: client.post(
            "/api/v1/ingest/csv",
            content=csv_body(world, range(1, 4), 50 + round_no).encode(),
            headers={**admin, "Content-Type": "text/csv"},
        ),
        lambda: client.delete(f"/api/v1/ingest/batches/{undo_id}", headers=admin),
        lambda: supplements(80 + round_no),
        lambda: supplements(90 + round_no),
    ]
    responses = await asyncio.gather(*(w() for w in writers))
    return [r.status_code for r in responses]


class TestConcurrentWritersOfOneWrestler:
    async def test_all_succeed_and_everything_derived_matches_the_raw_rows(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        for round_no in range(3):
            statuses = await storm(client, world, round_no)
            assert all(s in (200, 201) for s in statuses), statuses
            await assert_derived_consistent(conn)
            async with conn.transaction():
                # Stored scores already are what the committed snapshots give: nothing to rewrite.
                assert await recompute_scores(conn, [str(world.wrestler)]) == 0
        recovery = await conn.fetchval(
            "SELECT count(*) FROM section_scores WHERE wrestler_id = $1 AND section_key = 'recovery'",
            world.wrestler,
        )
        assert recovery > 0


class _HookedConnection(asyncpg.Connection):
    """Runs `before_refresh` once, just before the drain's refresh_continuous_aggregate call."""

    before_refresh: Callable[[], Awaitable[None]] | None = None

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:  # noqa: ASYNC109
        hook = type(self).before_refresh
        if hook is not None and "refresh_continuous_aggregate" in query:
            type(self).before_refresh = None
            await hook()
        return await super().execute(query, *args, timeout=timeout)


def _point(wrestler: object, metric: int, at: datetime, value: float) -> pl.DataFrame:
    return pl.DataFrame(
        [(str(wrestler), metric, "body_composition", at, value, "test")], schema=POINT_SCHEMA, orient="row"
    )


class TestRefreshQueueDrain:
    async def test_a_range_committed_during_a_refresh_stays_queued_and_is_refreshed_next(
        self, conn: PgConn, settings: Settings, world: World
    ) -> None:
        if await aggregates_sql.aggregate_mode(conn) != "continuous":
            pytest.skip("the refresh queue exists on Timescale-licensed servers only (continuous aggregates)")
        weight = await conn.fetchval("SELECT id FROM metric_definitions WHERE key = 'weight'")
        late = await asyncpg.connect(database_url(settings))
        await init_connection(late)
        drainer = await asyncpg.connect(database_url(settings), connection_class=_HookedConnection)
        await init_connection(drainer)
        try:
            # The chunk exists first: a transaction creating one would hold back the other writer.
            async with conn.transaction():
                early = local_noon(5) - timedelta(hours=3)
                await write_points(conn, _point(world.other, weight, early, 76.0), None)
            await aggregates_sql.drain_refresh_queue(conn)
            # `late` queues its range first (lower id) but commits only while the drain refreshes;
            # meanwhile another write queues and commits.
            tx = late.transaction()
            await tx.start()
            await write_points(late, _point(world.wrestler, weight, local_noon(5), 81.0), None)
            async with conn.transaction():
                await write_points(conn, _point(world.other, weight, local_noon(5), 77.0), None)

            async def commit_late() -> None:
                await tx.commit()

            _HookedConnection.before_refresh = commit_late
            await aggregates_sql.drain_refresh_queue(drainer)
            assert (
                await conn.fetchval(
                    "SELECT count(*) FROM aggregate_refresh_queue WHERE wrestler_id = $1", world.wrestler
                )
                == 1
            ), "the drain deleted a queued range it had not refreshed"
            await aggregates_sql.drain_refresh_queue(drainer)
            assert not await aggregates_sql.refresh_pending(conn)
            await assert_derived_consistent(conn)
        finally:
            _HookedConnection.before_refresh = None
            await late.close()
            await drainer.close()
