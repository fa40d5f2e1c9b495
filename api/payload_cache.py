"""Dashboard reads at the floor: version-keyed payloads and conditional requests.

A dashboard GET declares what its payload depends on (`WrestlerPayload` or `TeamPayload` in its
route's `dependencies`, after its access rule). Its tag is a hash of the code's fingerprint, the
concrete path, the normalised query, the caller's locale and role, the local day and the data
versions of the path's wrestler or team and of the catalog (db/data_versions.py, read with the caller
lookup). Every write moves the versions it affects in its own transaction, so a tag names exactly one
payload: nothing is ever invalidated, a write just makes the next read ask for a new tag.

Order of a read: the caller and the access rule (401/403/404 before anything), then If-None-Match
(304, no body, no series query), then the in-process cache (a bytes budget, least recently used
out first), then Redis (TTL, shared by the workers and instances; while it fails, in-process only),
then the route itself, whose body is stored under its tag. Bodies over PAYLOAD_GZIP_MIN_BYTES are
stored gzip-compressed and sent so to clients that accept it.

A read served by a replica is stored (and tagged) only when the replica has replayed the versions the
tag was made from: a lagging replica's answer is sent, but never cached under a newer tag.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import orjson
from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from redis.asyncio import Redis

from api.access import TeamInScope, WrestlerInScope
from api.auth import CurrentUser
from api.connection import PooledConn
from api.redis_fallback import RedisFallback
from api.state import AppState, State
from core.config import Settings
from core.logging import get_logger
from core.version import VERSION
from db import data_versions as data_versions_sql
from db.types import PgConn

log = get_logger("wrestle.payload_cache")
REDIS_PREFIX = "wrestle:payload:"
CACHE_CONTROL = "private, no-cache"
PENDING_STATE = "payload_pending"
VERSIONS_STATE = "data_versions"
# The request headers a payload may depend on besides path and query.
LOCALE_HEADER = "accept-language"
# Response headers a stored payload keeps (the others are made again when it is served).
_DROPPED_HEADERS = frozenset(
    {b"content-length", b"content-type", b"content-encoding", b"etag", b"cache-control", b"vary"}
)


@cache
def code_fingerprint() -> str:
    """A hash of the service's code and schema: a deployment with other code never serves a payload
    the previous one stored in Redis."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.blake2b(VERSION.encode(), digest_size=8)
    for package in ("api", "query", "db", "core", "ai", "ingest"):
        for path in sorted((root / package).rglob("*")):
            if path.suffix in (".py", ".sql") and path.is_file():
                h.update(path.relative_to(root).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()


@dataclass(frozen=True)
class Stored:
    body: bytes
    gzipped: bool
    headers: tuple[tuple[bytes, bytes], ...]

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)

    def encode(self) -> bytes:
        meta = orjson.dumps({"gz": self.gzipped, "h": [[k.decode(), v.decode()] for k, v in self.headers]})
        return meta + b"\n" + self.body

    @classmethod
    def decode(cls, raw: bytes) -> Stored:
        meta, _, body = raw.partition(b"\n")
        m = orjson.loads(meta)
        return cls(body, bool(m["gz"]), tuple((k.encode(), v.encode()) for k, v in m["h"]))


class MemoryCache:
    """Payloads by key within a bytes budget; the least recently used go first."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self.bytes = 0
        self.evictions = 0
        self._items: OrderedDict[str, Stored] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> Stored | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: str, item: Stored) -> int:
        """Store; return how many entries were evicted to make room (a payload over the whole budget
        is not kept)."""
        if item.size > self.budget:
            return 0
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= old.size
        self._items[key] = item
        self.bytes += item.size
        evicted = 0
        while self.bytes > self.budget:
            _, gone = self._items.popitem(last=False)
            self.bytes -= gone.size
            evicted += 1
        self.evictions += evicted
        return evicted


class PayloadCache:
    def __init__(self, settings: Settings, redis: Redis) -> None:
        self.memory = MemoryCache(settings.payload_cache_bytes)
        self.redis = redis
        self.ttl = settings.payload_cache_ttl_seconds
        self.gzip_min = settings.payload_gzip_min_bytes
        self.fallback = RedisFallback(
            settings.rate_limit_fallback_seconds, log, "payload_cache_redis_unavailable"
        )

    async def get(self, key: str) -> tuple[Stored, str] | None:
        """The stored payload and the layer that had it ('memory' or 'redis')."""
        item = self.memory.get(key)
        if item is not None:
            return item, "memory"
        if self.fallback.active:
            return None
        try:
            raw = await self.redis.get(REDIS_PREFIX + key)
        except Exception as exc:  # Redis down: this worker's memory only, never an error
            self.fallback.fail_over(exc)
            return None
        if raw is None:
            return None
        item = Stored.decode(cast(bytes, raw))
        self.memory.put(key, item)
        return item, "redis"

    async def put(self, key: str, item: Stored) -> int:
        evicted = self.memory.put(key, item)
        if not self.fallback.active:
            try:
                await self.redis.set(REDIS_PREFIX + key, item.encode(), ex=self.ttl)
            except Exception as exc:
                self.fallback.fail_over(exc)
        return evicted

    def stored(self, body: bytes, headers: tuple[tuple[bytes, bytes], ...]) -> Stored:
        if len(body) >= self.gzip_min:
            return Stored(gzip.compress(body, compresslevel=5, mtime=0), True, headers)
        return Stored(body, False, headers)


@dataclass
class Pending:
    """A miss: where the route's body is to be stored once it is computed."""

    key: str
    tag: str | None  # None: the body is not to be tagged nor stored (a lagging replica answered)
    route: str


class ServePayload(Exception):
    """Raised by the payload dependency to answer without running the route (304 or a hit)."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _normalised_query(request: Request) -> str:
    # Sorted by name; repeated values keep their order (metric=a&metric=b orders the answer).
    items = sorted(request.query_params.multi_items(), key=lambda kv: kv[0])
    return "&".join(f"{k}={v}" for k, v in items)


def route_template(request: Request) -> str:
    """The full template of the matched route (the scope holds the router-relative one): the metric
    label, which never carries an id."""
    relative = cast(APIRoute, request.scope["route"]).path_format
    path = request.url.path
    try:
        concrete = relative.format(**request.path_params)
    except (KeyError, IndexError, ValueError):
        return relative
    return path[: len(path) - len(concrete)] + relative if path.endswith(concrete) else relative


def payload_tag(request: Request, state: AppState, role: str, versions: tuple[object, ...]) -> str:
    locale = (request.headers.get(LOCALE_HEADER) or "").strip().lower()[:100]
    parts = (
        code_fingerprint(),
        request.url.path,
        _normalised_query(request),
        locale,
        role,
        state.today().isoformat(),
        *(str(v) for v in versions),
    )
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f'W/"{digest}"'


def tag_matches(if_none_match: str, tag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): the opaque part of any listed tag, or '*'."""
    opaque = tag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        c = candidate.strip()
        if c == "*" or c.removeprefix("W/") == opaque:
            return True
    return False


def accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _validators(tag: str) -> dict[str, str]:
    return {"ETag": tag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding, Accept-Language"}


def respond(request: Request, item: Stored, tag: str | None) -> Response:
    headers = _validators(tag) if tag is not None else {"Cache-Control": CACHE_CONTROL}
    body = item.body
    if item.gzipped:
        if accepts_gzip(request):
            headers["Content-Encoding"] = "gzip"
        else:
            body = gzip.decompress(body)
    response = Response(body, media_type="application/json", headers=headers)
    response.raw_headers.extend(item.headers)
    return response


async def _consult(
    request: Request, state: AppState, conn: PgConn, role: str, subject: tuple[UUID | None, UUID | None]
) -> None:
    versions = getattr(request.state, VERSIONS_STATE, None)
    cache_ = state.payloads
    if versions is None or cache_ is None or request.method != "GET":
        return
    route = route_template(request)
    tag = payload_tag(request, state, role, versions)
    metrics = state.metrics
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and tag_matches(if_none_match, tag):
        if metrics is not None:
            metrics.payload_lookup(route, "not_modified")
        raise ServePayload(Response(status_code=304, headers=_validators(tag)))
    hit = await cache_.get(tag)
    if hit is not None:
        if metrics is not None:
            metrics.payload_lookup(route, f"hit_{hit[1]}")
        raise ServePayload(respond(request, hit[0], tag))
    if metrics is not None:
        metrics.payload_lookup(route, "miss")
    # The lookup read the primary's versions; a route on a replica reads what the replica replayed.
    on_replica = state.reads is not None and state.reads.on_replica(request)
    current = not on_replica or await data_versions_sql.versions(conn, *subject) == versions
    request.state.payload_pending = Pending(tag, tag if current else None, route)


async def wrestler_payload(
    request: Request, state: State, conn: PooledConn, user: CurrentUser, wrestler: WrestlerInScope
) -> None:
    """A read of the path's wrestler, keyed by that wrestler's and the catalog's versions. It needs
    the route's access rule (WrestlerInScope), so that rule has passed before the cache is asked."""
    await _consult(request, state, conn, user.role, (wrestler["id"], None))


async def team_payload(
    request: Request, state: State, conn: PooledConn, user: CurrentUser, team: TeamInScope
) -> None:
    """A read of the path's team, keyed by the team's own version, its members' and the catalog's;
    after the team's access rule (TeamInScope)."""
    await _consult(request, state, conn, user.role, (None, team["id"]))


async def series_payload(
    request: Request, state: State, conn: PooledConn, user: CurrentUser, wrestler: WrestlerInScope
) -> None:
    """The series endpoint: keyed like a wrestler's read when its range is fixed (`to` given). Without
    `to` its range ends at the instant of the request, so no two answers are the same read: computed
    every time, sent without a tag."""
    if "to" in request.query_params:
        await _consult(request, state, conn, user.role, (wrestler["id"], None))


# For a route's `dependencies`, with a router whose route_class is PayloadRoute.
WrestlerPayload = Depends(wrestler_payload)
TeamPayload = Depends(team_payload)
SeriesPayload = Depends(series_payload)


class PayloadRoute(APIRoute):
    """Routes that may answer from the payload cache: a hit or a 304 raised by the dependency is
    sent as it is; a miss's 200 body is stored under its tag and sent with its validators."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                response = await handler(request)
            except ServePayload as served:
                return served.response
            pending: Pending | None = getattr(request.state, PENDING_STATE, None)
            if pending is None or response.status_code != 200:
                return response
            state: AppState = request.app.state.wrestle
            assert state.payloads is not None
            headers = tuple((k, v) for k, v in response.raw_headers if k not in _DROPPED_HEADERS)
            item = state.payloads.stored(bytes(response.body), headers)
            if pending.tag is not None:
                started = time.perf_counter()
                evicted = await state.payloads.put(pending.key, item)
                if state.metrics is not None:
                    state.metrics.payload_stored(
                        state.payloads.memory, evicted, time.perf_counter() - started
                    )
            return respond(request, item, pending.tag)

        return run
