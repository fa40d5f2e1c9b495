"""Read replicas (DATABASE_READ_URLS): a pool per streaming standby and what is known of each.

One background poll (`ReplicaSet.run`) reads the primary's WAL position and every replica's replay
position each DATABASE_REPLICA_POLL_SECONDS, so that choosing a replica for a read compares numbers
in memory and costs no round trip. A replica's lag in seconds is measured against the primary's
positions sampled by the poll: a replica that has replayed what the primary had written at time t
lags by at most now - t. That stays right while the primary is idle, where `now() -
pg_last_xact_replay_timestamp()` would grow without bound.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Literal, cast
from urllib.parse import urlsplit

import asyncpg

from core.config import Settings
from core.logging import get_logger
from db.connection import create_pool
from db.types import PgConn, PgPool

log = get_logger("wrestle.replicas")

PRIMARY = "primary"  # the pool name of the primary in ReplicaSet.reads
# Errors that mean "this server cannot serve now" rather than "this query is wrong".
UNREACHABLE = (OSError, asyncio.TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)

# The primary's current WAL position, as bytes from 0/0. After a committed write on the same server
# it is past that write's commit record (synchronous_commit on: the commit was flushed).
_CURRENT_LSN = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"
_REPLAY_LSN = """SELECT pg_is_in_recovery() AS standby,
                        pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint AS replay"""

Skipped = Literal["down", "lagging", "not_standby", "unknown"]


async def current_lsn(conn: PgConn) -> int:
    return int(await conn.fetchval(_CURRENT_LSN))


@dataclass(frozen=True)
class ReplicaStatus:
    """One replica as the router last saw it (for a gauge: cheap, no I/O)."""

    name: str
    up: bool
    skipped: Skipped | None  # why reads avoid it now; None: it serves reads
    replay_lsn: int | None
    lag_bytes: int | None
    lag_seconds: float | None
    checked_seconds_ago: float | None


class Replica:
    def __init__(self, name: str, pool: PgPool) -> None:
        self.name = name
        self.pool = pool
        self.up = False
        self.standby = True
        self.replay_lsn: int | None = None
        self.lag_bytes: int | None = None
        self.lag_seconds: float | None = None
        self.checked_at: float | None = None  # monotonic time of the last poll that answered
        self.failing = False  # the last poll failed (logged once per outage)


def replica_name(url: str, taken: set[str]) -> str:
    """host:port of the URL (no credentials), made unique."""
    parts = urlsplit(url)
    base = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}#{n}"
    return name


class ReplicaSet:
    def __init__(self, settings: Settings, primary: PgPool, replicas: list[Replica]) -> None:
        self.primary = primary
        self.replicas = replicas
        self.max_lag = settings.database_replica_max_lag_seconds
        self.interval = settings.database_replica_poll_seconds
        self.timeout = settings.database_replica_connect_timeout_seconds
        # Reads served per pool name (PRIMARY and each replica's name): a plain counter for metrics.
        self.reads: dict[str, int] = {PRIMARY: 0, **{r.name: 0 for r in replicas}}
        # The primary's (monotonic time, WAL position) samples, long enough to measure any lag up
        # to past the threshold.
        self._samples: deque[tuple[float, int]] = deque(maxlen=int((self.max_lag * 2) / self.interval) + 4)
        self._next = 0

    @classmethod
    async def open(cls, settings: Settings, primary: PgPool) -> ReplicaSet | None:
        """The replica pools of DATABASE_READ_URLS (None when there are none). No connection is made
        here: a replica that is down at start-up is skipped, not fatal."""
        if not settings.database_read_urls:
            return None
        replicas: list[Replica] = []
        for url in settings.database_read_urls:
            name = replica_name(url, {r.name for r in replicas})
            pool = await create_pool(
                settings, url, min_size=0, connect_timeout=settings.database_replica_connect_timeout_seconds
            )
            replicas.append(Replica(name, pool))
        return cls(settings, primary, replicas)

    # -- routing (no I/O) ------------------------------------------------------------------------
    def skipped(self, replica: Replica, now: float | None = None) -> Skipped | None:
        now = time.monotonic() if now is None else now
        if not replica.up:
            return "down"
        if not replica.standby:
            return "not_standby"
        # No fresh answer: what was known no longer bounds the lag.
        if replica.checked_at is None or now - replica.checked_at > max(self.max_lag, 4 * self.interval):
            return "unknown"
        if replica.lag_seconds is None or replica.lag_seconds > self.max_lag:
            return "lagging"
        return None

    def choose(self, after_lsn: int | None) -> Replica | None:
        """A replica that may serve a read now (round robin among them), one that has replayed past
        `after_lsn` (the caller's last write) when given; None: read on the primary."""
        now = time.monotonic()
        n = len(self.replicas)
        for i in range(n):
            replica = self.replicas[(self._next + i) % n]
            if self.skipped(replica, now) is not None:
                continue
            if after_lsn is not None and (replica.replay_lsn is None or replica.replay_lsn < after_lsn):
                continue
            self._next = (self._next + i + 1) % n
            return replica
        return None

    def mark_down(self, replica: Replica, error: BaseException) -> None:
        """A read found the replica unreachable: skipped until a poll finds it answering again."""
        if replica.up:
            log.warning("replica_down", replica=replica.name, error=type(error).__name__)
        replica.up = False

    def statuses(self) -> list[ReplicaStatus]:
        now = time.monotonic()
        return [
            ReplicaStatus(
                name=r.name,
                up=r.up,
                skipped=self.skipped(r, now),
                replay_lsn=r.replay_lsn,
                lag_bytes=r.lag_bytes,
                lag_seconds=r.lag_seconds,
                checked_seconds_ago=None if r.checked_at is None else round(now - r.checked_at, 3),
            )
            for r in self.replicas
        ]

    # -- polling -----------------------------------------------------------------------------------
    def _lag_seconds(self, replay: int, now: float) -> float:
        """Seconds since the newest primary sample the replica has replayed (0: it has replayed the
        one taken this round); older than every sample: at least the window they cover."""
        newest = self._samples[-1] if self._samples else None
        if newest is not None and replay >= newest[1]:
            return 0.0
        for at, lsn in reversed(self._samples):
            if lsn <= replay:
                return round(now - at, 3)
        oldest = self._samples[0][0] if self._samples else now
        return round(max(now - oldest, self.max_lag + self.interval), 3)

    async def _poll_primary(self) -> int | None:
        try:
            async with self.primary.acquire(timeout=self.timeout) as conn:
                lsn = await current_lsn(cast(PgConn, conn))
        except Exception as exc:  # the primary's own health is /ready's concern
            log.warning("replica_poll_primary_failed", error=type(exc).__name__)
            return None
        self._samples.append((time.monotonic(), lsn))
        return lsn

    async def _poll_replica(self, replica: Replica, primary_lsn: int | None) -> None:
        try:
            async with replica.pool.acquire(timeout=self.timeout) as conn:
                row = await conn.fetchrow(_REPLAY_LSN, timeout=self.timeout)
        except Exception as exc:
            if not replica.failing:
                log.warning("replica_unreachable", replica=replica.name, error=type(exc).__name__)
            replica.up, replica.failing, replica.checked_at = False, True, None
            return
        now = time.monotonic()
        if not replica.up:
            log.info("replica_up", replica=replica.name)
        assert row is not None
        replica.up, replica.failing = True, False
        replica.standby = bool(row["standby"]) and row["replay"] is not None
        replica.checked_at = now
        if not replica.standby:
            replica.replay_lsn = replica.lag_bytes = replica.lag_seconds = None
            return
        replica.replay_lsn = int(row["replay"])
        if primary_lsn is not None:
            replica.lag_bytes = max(0, primary_lsn - replica.replay_lsn)
            replica.lag_seconds = self._lag_seconds(replica.replay_lsn, now)

    async def poll(self) -> None:
        primary_lsn = await self._poll_primary()
        await asyncio.gather(*(self._poll_replica(r, primary_lsn) for r in self.replicas))

    async def run(self) -> None:
        while True:
            await self.poll()
            await asyncio.sleep(self.interval)

    async def close(self) -> None:
        for replica in self.replicas:
            await replica.pool.close()
