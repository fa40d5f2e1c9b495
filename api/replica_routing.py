"""Which database serves a request when read replicas are configured (DATABASE_READ_URLS).

* Writes (every method but GET/HEAD/OPTIONS) and everything in a transaction: the primary.
* GET/HEAD: a replica that is up, lags by at most DATABASE_REPLICA_MAX_LAG_SECONDS and, for a
  caller who wrote recently, has replayed past that caller's last write; else the primary.
  The caller lookup (user, token version, revocations) always reads the primary (api.auth), so a
  lagging replica never lets a disabled or revoked account through.
* Read-your-writes: after a write by an authenticated caller, before its response starts, the
  primary's WAL position is recorded for that user (`WriteMarks`: Redis, shared by every instance,
  and the process as a fallback) for MARK_TTL seconds, long enough for any replica within the lag
  threshold to have replayed it; that caller's reads skip replicas that have not replayed it.
* A replica that fails during a read (connection lost, shut down, a conflict with recovery, a
  statement it cannot run read-only) is retried once on the primary, before any byte of the
  response is sent; a replica found unreachable is skipped until the poll finds it answering.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

import asyncpg
from redis.asyncio import Redis
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import ACCESS_CLAIMS_STATE
from api.connection import READ_METHODS
from api.redis_fallback import RedisFallback
from core.config import Settings
from core.errors import AppError
from core.logging import get_logger
from core.security import decode_token
from db.replicas import PRIMARY, UNREACHABLE, Replica, ReplicaSet, current_lsn
from db.types import PgConn, PgPool

if TYPE_CHECKING:
    from api.state import AppState

log = get_logger("wrestle.replica_routing")

REPLICA_STATE = "read_replica"  # request state: the Replica serving this read
ON_PRIMARY_STATE = "read_on_primary"  # request state: this read must not use a replica
PRIMARY_CONN_STATE = "primary_conn"  # request state: a write's connection, to read the WAL position
MARK_PREFIX = "wrestle:ryw:"

# A replica failure that the same read on the primary would not meet. Not QueryCanceledError (a
# statement timeout would only time out again) nor any error of the query itself.
REPLICA_FAILURES: tuple[type[BaseException], ...] = (
    *UNREACHABLE,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.DatabaseDroppedError,
    asyncpg.SerializationError,  # canceled by a conflict with recovery
    asyncpg.DeadlockDetectedError,  # the same, on a buffer pin
    asyncpg.ReadOnlySQLTransactionError,  # a read route that writes: it belongs on the primary
)

# KEYS[1] the caller's mark, ARGV[1] a WAL position as 16 hex digits, ARGV[2] the TTL: keep the
# larger position (string order is numeric order at a fixed width), restart the TTL.
_MARK_LUA = """
local old = redis.call('GET', KEYS[1])
if (not old) or old < ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 1
"""


class ReplicaReadFailed(Exception):
    """A read's replica failed before its response started: ReplicaRoutingMiddleware retries it."""

    def __init__(self, replica: Replica, error: BaseException) -> None:
        super().__init__(f"replica {replica.name} failed: {type(error).__name__}")
        self.replica = replica
        self.error = error


def mark_ttl(settings: Settings) -> int:
    """Seconds a write's mark must live: a replica that serves reads lags by at most the threshold
    (as of its last poll, at most one interval old), so once this much time has passed every replica
    it could be routed to has replayed the write."""
    return (
        math.ceil(settings.database_replica_max_lag_seconds + 2 * settings.database_replica_poll_seconds) + 1
    )


class WriteMarks:
    """Each caller's last write position: in Redis (every instance sees it) and in the process (for
    while Redis is unreachable; then a caller's write on another instance is not seen, and their
    reads are as fresh as DATABASE_REPLICA_MAX_LAG_SECONDS allows)."""

    MAX_LOCAL = 100_000  # callers remembered in process; past it the expired ones are dropped

    def __init__(self, settings: Settings, redis: Redis) -> None:
        self.ttl = mark_ttl(settings)
        self.redis = redis
        self._script = redis.register_script(_MARK_LUA)
        self._local: dict[str, tuple[int, float]] = {}
        self._fallback = RedisFallback(
            settings.rate_limit_fallback_seconds, log, "redis_unavailable", op="write_mark"
        )

    def _local_mark(self, user_id: str, now: float) -> int | None:
        held = self._local.get(user_id)
        if held is None or held[1] <= now:
            return None
        return held[0]

    async def record(self, user_id: str, lsn: int) -> None:
        now = time.monotonic()
        if len(self._local) >= self.MAX_LOCAL:
            self._local = {k: v for k, v in self._local.items() if v[1] > now}
        old = self._local_mark(user_id, now)
        self._local[user_id] = (max(lsn, old or 0), now + self.ttl)
        if self._fallback.active:
            return
        try:
            await self._script(keys=[MARK_PREFIX + user_id], args=[f"{lsn:016x}", self.ttl])
        except Exception as exc:
            self._fallback.fail_over(exc)

    async def get(self, user_id: str) -> int | None:
        now = time.monotonic()
        local = self._local_mark(user_id, now)
        if self._fallback.active:
            return local
        try:
            raw = await self.redis.get(MARK_PREFIX + user_id)
        except Exception as exc:
            self._fallback.fail_over(exc)
            return local
        shared = int(raw, 16) if raw else None
        return max(shared or 0, local or 0) or None


def _state(scope: Scope) -> dict[str, Any]:
    return cast(dict[str, Any], scope.setdefault("state", {}))


class ReadRouting:
    """The replicas, the write marks, and the choice of a connection for a request."""

    def __init__(self, settings: Settings, primary: PgPool, replicas: ReplicaSet, redis: Redis) -> None:
        self.settings = settings
        self.primary = primary
        self.replicas = replicas
        self.marks = WriteMarks(settings, redis)

    def _caller(self, request: Request) -> tuple[bool, str | None]:
        """(whether the request may use a replica, the caller's user id when a token names one). A
        token that does not verify goes to the primary: authentication will refuse it there."""
        verified = _state(request.scope).get(ACCESS_CLAIMS_STATE)
        if verified is not None:
            return True, verified[1].sub
        auth = request.headers.get("authorization")
        if not auth:
            return True, None
        if auth[:7].lower() != "bearer ":
            return False, None
        try:
            return True, decode_token(self.settings, auth[7:].strip(), "access").sub
        except AppError:
            return False, None

    async def _replica_for(self, request: Request) -> Replica | None:
        if _state(request.scope).get(ON_PRIMARY_STATE):
            return None
        usable, user_id = self._caller(request)
        if not usable:
            return None
        if not any(self.replicas.skipped(r) is None for r in self.replicas.replicas):
            return None  # none could serve: no need to ask for the caller's mark
        mark = await self.marks.get(user_id) if user_id else None
        return self.replicas.choose(mark)

    @asynccontextmanager
    async def connection(self, request: Request) -> AsyncIterator[PgConn]:
        """The request's connection: the primary's for a write (kept in the request state, so the
        write's position can be read on it before the response starts), a replica's or the
        primary's for a read."""
        state = _state(request.scope)
        if request.method not in READ_METHODS:
            async with self.primary.acquire() as conn:
                state[PRIMARY_CONN_STATE] = conn
                try:
                    yield cast(PgConn, conn)
                finally:
                    state.pop(PRIMARY_CONN_STATE, None)
            return
        replica = await self._replica_for(request)
        if replica is not None:
            try:
                acquiring = replica.pool.acquire(
                    timeout=self.settings.database_replica_connect_timeout_seconds
                )
                conn = await acquiring.__aenter__()
            except REPLICA_FAILURES as exc:
                self.replicas.mark_down(replica, exc)
                replica = None
        if replica is None:
            async with self.primary.acquire() as conn:
                yield cast(PgConn, conn)
            self.replicas.reads[PRIMARY] += 1
            return
        state[REPLICA_STATE] = replica
        try:
            yield cast(PgConn, conn)
        except REPLICA_FAILURES as exc:
            raise ReplicaReadFailed(replica, exc) from exc
        finally:
            await acquiring.__aexit__(None, None, None)
        self.replicas.reads[replica.name] += 1

    def on_replica(self, request: Request) -> bool:
        return _state(request.scope).get(REPLICA_STATE) is not None

    async def record_write(self, state: dict[str, Any]) -> None:
        """The primary's WAL position for the caller of a write that is about to answer."""
        user_id = state.get("user_id")
        if not user_id:
            return
        conn = state.get(PRIMARY_CONN_STATE)
        try:
            if conn is not None:
                lsn = await current_lsn(conn)
            else:  # a route without a pooled connection (a CSV upload)
                async with self.primary.acquire() as own:
                    lsn = await current_lsn(cast(PgConn, own))
        except Exception as exc:  # the primary is gone: the write did not happen either
            log.warning("write_mark_failed", error=type(exc).__name__)
            return
        await self.marks.record(str(user_id), lsn)


class ReplicaRoutingMiddleware:
    """Innermost middleware when replicas are configured: records a write's position before its
    response starts, and retries on the primary a read whose replica failed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @staticmethod
    def _routing(scope: Scope) -> ReadRouting | None:
        app_state: AppState = scope["app"].state.wrestle
        return app_state.reads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing = self._routing(scope) if scope["type"] == "http" else None
        if routing is None:
            await self.app(scope, receive, send)
        elif scope["method"] in READ_METHODS:
            await self._read(routing, scope, receive, send)
        else:
            await self._write(routing, scope, receive, send)

    async def _write(self, routing: ReadRouting, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                await routing.record_write(_state(scope))
            await send(message)

        await self.app(scope, receive, send_wrapper)

    async def _read(self, routing: ReadRouting, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except ReplicaReadFailed as failed:
            if started:
                raise
            if isinstance(failed.error, UNREACHABLE):
                routing.replicas.mark_down(failed.replica, failed.error)
            log.warning(
                "replica_read_retried_on_primary",
                replica=failed.replica.name,
                error=type(failed.error).__name__,
                path=scope.get("path"),
            )
            state = _state(scope)
            state.pop(REPLICA_STATE, None)
            state[ON_PRIMARY_STATE] = True
            await self.app(scope, receive, send)
