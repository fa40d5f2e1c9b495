"""One ingest, end to end, in one transaction: batch row, every chunk validated and written, one
refresh of what the points feed, the batch's counts and report. A failure anywhere (or a killed
process) leaves nothing behind; dry runs and strict failures roll back the same way.

A deadlock with a concurrent ingest of the same keys (or a serialization failure) rolls back to the
ingest's savepoint and the ingest is retried from the first chunk, so the caller never sees it.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar
from uuid import UUID

import asyncpg
import polars as pl

from core.domains import DOMAIN_KEYS
from core.errors import Conflict, Forbidden, NotFound
from db import archive as archive_sql
from db import catalog as catalog_sql
from db import ingest_batches as batches_sql
from db import series as series_sql
from db.types import PgConn
from ingest import lookups as lookups_io
from ingest.refresh import archived_period, finish_quietly, refresh_derived, write_transaction
from ingest.validate import (
    ERROR_SCHEMA,
    FIT_ELSEWHERE,
    Actor,
    Calendar,
    Columns,
    Lookups,
    Validated,
    resolve_keys,
    validate_chunk,
)
from ingest.writer import PreparedPoints, prepare_points, write_prepared

MAX_ERRORS = 1000
T = TypeVar("T")
RETRIES = 5
_NOT_KEY_RE = re.compile(r"[^a-z0-9_]+")
MAX_KEY_LENGTH = 64


def metric_key_for(name: str, domain: str, taken: set[str]) -> str:
    """A catalog key (`^[a-z][a-z0-9_]*$`, unique) for a normalised metric name met in an ingest:
    '30m_sprint' -> 'm_30m_sprint'; a name already a key elsewhere gets its domain appended; a name
    without Latin letters or digits ('توده_بدون_چربی') gets a stable hash."""
    ascii_key = _NOT_KEY_RE.sub("_", name).strip("_")
    ascii_key = re.sub("_+", "_", ascii_key)[:MAX_KEY_LENGTH]
    if not ascii_key:
        ascii_key = "metric_" + hashlib.sha256(name.encode()).hexdigest()[:8]
    elif not ascii_key[0].isalpha():
        ascii_key = f"m_{ascii_key}"
    key = ascii_key
    if key in taken:
        key = f"{ascii_key}_{domain}"
    n = 2
    while key in taken:
        key = f"{ascii_key}_{domain}_{n}"
        n += 1
    return key


@dataclass(frozen=True)
class Options:
    timezone: str  # naive times are read in it (core.timezones); callers pass DEFAULT_TIMEZONE or a choice
    calendar: Calendar = "auto"
    dry_run: bool = False
    strict: bool = False
    create_missing_wrestlers: bool = False
    register_metrics: bool = False
    source: str = "csv"


@dataclass
class Report:
    batch_id: int | None = None
    rows_read: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    wrestlers: set[str] = field(default_factory=set)
    metrics: set[int] = field(default_factory=set)
    first_at: datetime | None = None
    last_at: datetime | None = None
    duration_ms: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    warning_count: int = 0
    committed: bool = False

    def add_errors(self, errors: pl.DataFrame, *, rows: bool = True) -> None:
        if rows:
            self.rows_rejected += errors.height
        self.error_count += errors.height
        room = MAX_ERRORS - len(self.errors)
        if room > 0 and errors.height:
            self.errors.extend(errors.sort("line").head(room).to_dicts())

    def add_warnings(self, warnings: pl.DataFrame) -> None:
        """Rows stored after a correction (same format as errors, listed up to MAX_ERRORS)."""
        self.warning_count += warnings.height
        room = MAX_ERRORS - len(self.warnings)
        if room > 0 and warnings.height:
            self.warnings.extend(warnings.sort("line").head(room).to_dicts())

    def to_json(self) -> dict[str, Any]:
        return {
            "batchId": self.batch_id,
            "rowsRead": self.rows_read,
            "rowsInserted": self.rows_inserted,
            "rowsUpdated": self.rows_updated,
            "rowsUnchanged": self.rows_unchanged,
            "rowsRejected": self.rows_rejected,
            "wrestlers": len(self.wrestlers),
            "metrics": len(self.metrics),
            "from": self.first_at.isoformat().replace("+00:00", "Z") if self.first_at else None,
            "to": self.last_at.isoformat().replace("+00:00", "Z") if self.last_at else None,
            "durationMs": self.duration_ms,
            "errorCount": self.error_count,
            "errors": self.errors,
            "warningCount": self.warning_count,
            "warnings": self.warnings,
        }


_Produced = tuple[pl.DataFrame, Validated, PreparedPoints]


class _Rollback(Exception):
    """Raised inside the ingest transaction to undo it (dry run, strict failure)."""


# Overlapping bulk ingests lock series rows chunk by chunk, each chunk in key order; two that meet in
# opposite chunk orders can still deadlock, and the server aborts one. Refreshes never conflict
# (they serialise per wrestler, 0017_wrestler_locks).
_RETRYABLE = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


def check_options(opts: Options, actor: Actor) -> None:
    if opts.create_missing_wrestlers and not actor.is_admin:
        raise Forbidden("createMissingWrestlers is for admins only")
    if opts.register_metrics and not actor.is_admin:
        raise Forbidden("registerMetrics is for admins only")


async def _create_missing(
    conn: PgConn, raw: pl.DataFrame, lk: Lookups, opts: Options, actor: Actor
) -> Lookups:
    df = resolve_keys(raw, lk)
    changed = False
    if opts.create_missing_wrestlers:
        names = (
            df.filter(
                pl.col("wrestler_id").is_null() & pl.col("w_key").is_not_null() & (pl.col("w_key") != "")
            )
            .get_column("w_key")
            .unique(maintain_order=True)
            .to_list()
        )
        if names:
            await lookups_io.create_wrestlers(conn, names)
            changed = True
    if opts.register_metrics:
        # A name with a domain that means nothing there, or only another quantity (its unit fits
        # none of the name's meanings), is a new metric of that domain.
        todo = (
            df.filter(
                pl.col("d_key").is_not_null()
                & pl.col("m_key").is_not_null()
                & (pl.col("m_key") != "")
                & (pl.col("metric_id").is_null() | (pl.col("m_fit") > FIT_ELSEWHERE))
            )
            .unique(["m_key", "d_key"], keep="first", maintain_order=True)
            .select("m_key", "d_key", "metric", "unit")
        )
        if todo.height:
            keys = await catalog_sql.metric_keys(conn)
        for name, domain, spelling, unit in todo.iter_rows():
            key = metric_key_for(name, domain, keys)
            keys.add(key)
            await catalog_sql.register_custom_metric(
                conn,
                domain=domain,
                key=key,
                display_name=str(spelling).strip(),
                unit=(unit or "").strip(),
                aliases=(name,),
            )
            changed = True
    return await lookups_io.load(conn, actor.scope) if changed else lk


async def run_ingest(
    conn: PgConn,
    chunks: Callable[[], Iterator[pl.DataFrame]],
    *,
    opts: Options,
    actor: Actor,
    fmt: str,
    filename: str | None = None,
    cols: Columns | None = None,
    header_errors: pl.DataFrame | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> Report:
    """Ingest every chunk the factory yields; the factory is called again on a retry."""
    check_options(opts, actor)
    started = time.perf_counter()
    reports: list[Report] = []

    async def attempt() -> None:
        reports.append(Report())
        await _attempt(
            conn, chunks, reports[-1], opts, actor, fmt, filename, cols or Columns(), header_errors, on_chunk
        )

    try:
        await retried(conn, attempt)
    except _Rollback:
        reports[-1].batch_id = None
    report = reports[-1]
    report.duration_ms = int((time.perf_counter() - started) * 1000)
    if report.committed and not conn.is_in_transaction():
        # Our own transaction has committed (a caller's would still be open: it finishes then).
        await finish_quietly(conn)
    return report


async def retried(conn: PgConn, work: Callable[[], Awaitable[T]]) -> T:
    """`work` in a transaction (a savepoint inside the caller's), run again from the start after a
    deadlock or a serialization failure, at most RETRIES times."""
    for attempt in range(RETRIES):
        try:
            async with conn.transaction():
                return await work()
        except _RETRYABLE:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


async def _attempt(
    conn: PgConn,
    chunks: Callable[[], Iterator[pl.DataFrame]],
    report: Report,
    opts: Options,
    actor: Actor,
    fmt: str,
    filename: str | None,
    cols: Columns,
    header_errors: pl.DataFrame | None,
    on_chunk: Callable[[int], None] | None,
) -> None:
    started = time.perf_counter()
    lk = await lookups_io.load(conn, actor.scope)
    report.batch_id = await batches_sql.create_batch(
        conn, user_id=actor.user_id, source=opts.source, filename=filename, fmt=fmt
    )
    if header_errors is not None and header_errors.height:
        report.add_errors(header_errors, rows=False)
    await series_sql.create_stage(conn)
    tz = await series_sql.bucket_timezone(conn)
    it = chunks()
    sequential = opts.create_missing_wrestlers or opts.register_metrics

    def process(raw: pl.DataFrame, lk_now: Lookups) -> _Produced:
        checked = validate_chunk(
            raw,
            lk_now,
            actor=actor,
            calendar=opts.calendar,
            timezone=opts.timezone,
            default_source=opts.source,
            cols=cols,
        )
        return raw, checked, prepare_points(checked.points, report.batch_id, tz)

    def produce(lk_now: Lookups) -> _Produced | None:
        raw = next(it, None)
        return None if raw is None else process(raw, lk_now)

    if sequential:
        # Creating wrestlers/metrics changes the lookups a chunk is validated against.
        for raw in it:
            lk = await _create_missing(conn, raw, lk, opts, actor)
            await _consume(conn, report, opts, *process(raw, lk), on_chunk)
    else:
        # Reading, validating and encoding the next chunk (Polars and NumPy, off the event loop,
        # GIL mostly released) overlaps with writing the current one.
        pending = asyncio.ensure_future(asyncio.to_thread(produce, lk))
        try:
            while (item := await pending) is not None:
                pending = asyncio.ensure_future(asyncio.to_thread(produce, lk))
                await _consume(conn, report, opts, *item, on_chunk)
        finally:
            await asyncio.wait([pending])
            if not pending.cancelled():
                pending.exception()  # retrieved: the error that matters is the one propagating
    if opts.strict and report.error_count:
        report.rows_inserted = report.rows_updated = report.rows_unchanged = 0
        raise _Rollback()
    await refresh_derived(conn)
    report.duration_ms = int((time.perf_counter() - started) * 1000)
    await batches_sql.finish_batch(
        conn,
        report.batch_id,
        counts={
            "read": report.rows_read,
            "inserted": report.rows_inserted,
            "updated": report.rows_updated,
            "unchanged": report.rows_unchanged,
            "rejected": report.rows_rejected,
        },
        first_at=report.first_at,
        last_at=report.last_at,
        duration_ms=report.duration_ms,
        report=report.to_json(),
    )
    if opts.dry_run:
        raise _Rollback()
    report.committed = True


async def _consume(
    conn: PgConn,
    report: Report,
    opts: Options,
    raw: pl.DataFrame,
    checked: Validated,
    prepared: PreparedPoints,
    on_chunk: Callable[[int], None] | None,
) -> None:
    report.rows_read += raw.height
    report.add_errors(checked.errors)
    report.add_warnings(checked.warnings)
    points = checked.points
    if points.height and not (opts.strict and report.error_count):
        res = await write_prepared(conn, prepared, report.batch_id)
        report.rows_inserted += res.inserted
        report.rows_updated += res.updated
        report.rows_unchanged += res.unchanged
        report.wrestlers.update(points.get_column("wrestler_id").unique().to_list())
        report.metrics.update(points.get_column("metric_id").unique().to_list())
        lo, hi = points.get_column("recorded_at").min(), points.get_column("recorded_at").max()
        if isinstance(lo, datetime) and (report.first_at is None or lo < report.first_at):
            report.first_at = lo
        if isinstance(hi, datetime) and (report.last_at is None or hi > report.last_at):
            report.last_at = hi
    if on_chunk is not None:
        on_chunk(raw.height)


async def undo_batch(conn: PgConn, batch_id: int, owner: UUID | None) -> tuple[asyncpg.Record, int]:
    """Undo a batch of `owner`'s (None: anyone's, for admins): remove the points it last wrote (all
    within its recorded range) and refresh what they fed, in a transaction of its own, finished after
    commit; return the batch as it is now and how many points were removed. 404 for a batch that is
    not the owner's, 409 for one already undone."""

    async def attempt() -> tuple[asyncpg.Record, int]:
        row = await batches_sql.get_batch(conn, batch_id, owner, for_update=True)
        if row is None:
            raise NotFound("Batch not found", {"batchId": str(batch_id)})
        if row["status"] == "undone":
            raise Conflict("Batch was already undone", {"batchId": str(batch_id)})
        deleted = 0
        await series_sql.create_stage(conn)
        if row["first_at"] is not None and row["last_at"] is not None:
            # Archived points cannot be deleted: undoing the rest would leave the batch half undone.
            hit = await archive_sql.archived_between(conn, row["first_at"], row["last_at"])
            if hit is not None:
                raise archived_period(hit)
            tz = await series_sql.bucket_timezone(conn)
            for domain in sorted(DOMAIN_KEYS):  # the writers' order
                deleted += await series_sql.delete_batch_points(
                    conn, domain, batch_id, row["first_at"], row["last_at"], tz
                )
        await refresh_derived(conn)
        await batches_sql.mark_undone(conn, batch_id)
        after = await batches_sql.get_batch(conn, batch_id, owner)
        assert after is not None
        return after, deleted

    async with write_transaction(conn):
        return await retried(conn, attempt)


def empty_errors() -> pl.DataFrame:
    return pl.DataFrame(schema=ERROR_SCHEMA)


IngestFormat = Literal["long", "wide", "device", "legacy"]
