"""Archiving old series chunks to Parquet and bringing them back.

Archive, per domain: every chunk that ends before the cutoff is exported one period (the chunk's
part of one local month) at a time to a zstd Parquet file (ingest/archive_files.py names them), each
file is read back from disk, the manifest is written, and then, in one transaction that holds off
the domain's writers, the database's rows of each period are counted and summed again and compared
with the file; only when all match are the files recorded (series_archive_files) and the chunks
dropped. Any mismatch aborts that domain before anything is dropped.

What stays: the daily aggregates, snapshots, scores and every other derived table are left as they
are, on either aggregate mode. A write that changes a day overlapping an archived period is refused
(ingest.refresh.refuse_archived_days): that day's daily row could only be recomputed from the rows
left of it. On a continuous-aggregate server no refresh window covers an archived period
(db.aggregates.drain_refresh_queue).

Restore: the manifest's checksums of the chosen months are checked first (any mismatch restores
nothing), then each file's rows are inserted in a transaction of its own, skipping keys already
stored (restoring twice adds nothing) and wrestlers deleted since; the file's period is then open to
writes again. The aggregates are not touched: they already hold those rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from core.domains import DOMAIN_KEYS
from db import archive as archive_sql
from db import series as series_sql
from db.types import PgConn
from ingest.archive_files import (
    ArchiveError,
    ManifestEntry,
    Period,
    check_entry,
    chunk_periods,
    entry_for,
    export_to_file,
    file_wrestlers,
    load_manifest,
    merge_entries,
    parquet_slices,
    parquet_stats,
    save_manifest,
    select_months,
    sha256_file,
    sums_match,
)
from ingest.writer import series_rows_csv


class Steps(Protocol):
    """Where a long step reports its progress (the CLI's progress bars)."""

    def begin(self, description: str, total: int) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class NoSteps:
    def begin(self, description: str, total: int) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass


@dataclass
class PlannedChunk:
    domain: str
    chunk: archive_sql.Chunk
    periods: list[Period]


@dataclass
class ArchiveResult:
    cutoff: datetime
    chunks: list[PlannedChunk] = field(default_factory=list)
    files: list[ManifestEntry] = field(default_factory=list)
    dropped: int = 0
    rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class RestoreResult:
    files: int = 0
    rows_in_files: int = 0
    inserted: int = 0
    skipped: int = 0  # already stored, or of a wrestler deleted since
    seconds: dict[str, float] = field(default_factory=dict)


@contextmanager
def _timed(seconds: dict[str, float], step: str) -> Iterator[None]:
    t0 = asyncio.get_running_loop().time()
    try:
        yield
    finally:
        seconds[step] = seconds.get(step, 0.0) + asyncio.get_running_loop().time() - t0


async def plan(conn: PgConn, cutoff: datetime) -> list[PlannedChunk]:
    """The chunks an archive with this cutoff would drop, with their periods."""
    tz = await series_sql.bucket_timezone(conn)
    planned: list[PlannedChunk] = []
    for domain in DOMAIN_KEYS:
        for chunk in await archive_sql.old_chunks(conn, domain, cutoff):
            planned.append(PlannedChunk(domain, chunk, chunk_periods(domain, chunk.start, chunk.end, tz)))
    return planned


def _mismatch(period: Period, what: str, in_file: object, in_db: object) -> ArchiveError:
    return ArchiveError(
        f"{period.domain} {period.start.isoformat()}..{period.end.isoformat()} ({period.file_name}):"
        f" {what} differs between the file ({in_file}) and the database ({in_db});"
        " nothing of this domain was dropped"
    )


def check_period(period: Period, entry: ManifestEntry | None, totals: archive_sql.Totals) -> None:
    """The file read back (its manifest entry; None: no file) holds what the database has in the
    period: the same row count, value sum and time range, or ArchiveError."""
    rows = entry.rows if entry else 0
    if rows != totals.rows:
        raise _mismatch(period, "the row count", rows, totals.rows)
    if entry is None:
        return
    if not sums_match(entry.value_sum, totals.value_sum):
        raise _mismatch(period, "the sum of values", entry.value_sum, totals.value_sum)
    if totals.min_at is None or totals.max_at is None:
        raise _mismatch(period, "the time range", (entry.min_at, entry.max_at), None)
    db_range = (totals.min_at.astimezone(UTC).isoformat(), totals.max_at.astimezone(UTC).isoformat())
    if (entry.min_at, entry.max_at) != db_range:
        raise _mismatch(period, "the time range", (entry.min_at, entry.max_at), db_range)


async def _export(
    conn: PgConn, directory: Path, chunks: list[PlannedChunk], steps: Steps, result: ArchiveResult
) -> dict[str, ManifestEntry]:
    """Write every period's file and read it back; the entries by file name (periods without rows
    have no file)."""
    periods = [p for c in chunks for p in c.periods]
    csv_path = directory / ".export.csv"  # one period's COPY text at a time
    written: list[Period] = []
    with _timed(result.seconds, "export"):
        steps.begin("export to Parquet", len(periods))
        for period in periods:
            await archive_sql.export_period(conn, period.domain, period.start, period.end, csv_path)
            if await asyncio.to_thread(export_to_file, csv_path, directory / period.file_name):
                written.append(period)
            steps.advance()
    entries: dict[str, ManifestEntry] = {}
    archived_at = datetime.now(UTC)
    with _timed(result.seconds, "verify files"):
        steps.begin("read back and checksum", len(written))
        for period in written:
            path = directory / period.file_name
            stats = await asyncio.to_thread(parquet_stats, path)
            digest = await asyncio.to_thread(sha256_file, path)
            entries[period.file_name] = entry_for(period, stats, digest, archived_at)
            steps.advance()
    return entries


async def archive(
    conn: PgConn, directory: Path, cutoff: datetime, steps: Steps | None = None, *, dry_run: bool = False
) -> ArchiveResult:
    """Archive and drop every series chunk that ends at or before `cutoff` (see the module doc).
    `directory` is absolute (the bookkeeping names it)."""
    steps = steps or NoSteps()
    result = ArchiveResult(cutoff=cutoff)
    result.chunks = await plan(conn, cutoff)
    if dry_run or not result.chunks:
        return result
    tz = await series_sql.bucket_timezone(conn)
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    entries = await _export(conn, directory, result.chunks, steps, result)
    result.files = sorted(entries.values(), key=lambda e: (e.domain, e.month, e.file))
    # The manifest goes first: once a chunk is dropped its file must already be listed.
    save_manifest(directory, merge_entries(load_manifest(directory), result.files), tz)

    with _timed(result.seconds, "verify against the database and drop"):
        steps.begin("verify against the database, drop chunks", len(result.chunks))
        for domain in DOMAIN_KEYS:
            planned = [c for c in result.chunks if c.domain == domain]
            if not planned:
                continue
            async with conn.transaction():
                await archive_sql.lock_series(conn, domain)
                now = await archive_sql.old_chunks(conn, domain, cutoff)
                if [c.chunk.name for c in planned] != [c.name for c in now]:
                    raise ArchiveError(
                        f"{domain}: the chunks older than {cutoff.isoformat()} changed while they were"
                        " exported (a write created one); nothing of this domain was dropped, run again"
                    )
                files: list[archive_sql.ArchivedFile] = []
                for c in planned:
                    for period in c.periods:
                        entry = entries.get(period.file_name)
                        totals = await archive_sql.period_totals(conn, domain, period.start, period.end)
                        check_period(period, entry, totals)
                        if entry is not None:
                            files.append(
                                archive_sql.ArchivedFile(
                                    domain=domain,
                                    file_name=entry.file,
                                    month=period.month,
                                    period_start=period.start,
                                    period_end=period.end,
                                    row_count=entry.rows,
                                    value_sum=entry.value_sum,
                                    sha256=entry.sha256,
                                )
                            )
                            result.rows += entry.rows
                    steps.advance()
                await archive_sql.record_files(conn, files, str(directory))
                dropped = await archive_sql.drop_old_chunks(conn, domain, cutoff)
                if dropped != sorted(c.chunk.name for c in planned):
                    raise ArchiveError(
                        f"{domain}: drop_chunks dropped {dropped}, expected the planned chunks"
                    )
                result.dropped += len(dropped)
    return result


async def restore(
    conn: PgConn,
    directory: Path,
    first: date | None = None,
    last: date | None = None,
    steps: Steps | None = None,
) -> RestoreResult:
    """Bring back the archived rows of the months [first, last] (either end open)."""
    steps = steps or NoSteps()
    chosen = select_months(load_manifest(directory, required=True), first, last)
    if not chosen:
        raise ArchiveError(f"{directory}: the manifest lists no file for the months asked")
    result = RestoreResult(files=len(chosen))
    with _timed(result.seconds, "checksums"):
        steps.begin("check checksums", len(chosen))
        for entry in chosen:
            await asyncio.to_thread(check_entry, directory, entry)
            steps.advance()
    with _timed(result.seconds, "restore"):
        steps.begin("restore rows", sum(e.rows for e in chosen))
        for entry in chosen:
            if entry.domain not in DOMAIN_KEYS:
                raise ArchiveError(f"{directory / entry.file}: unknown domain {entry.domain!r}")
            # One transaction per file: on a continuous-aggregate server a transaction's writes
            # invalidate one time range, which must not reach over a month still archived.
            path = directory / entry.file
            async with conn.transaction():
                # The usual case, an empty period and every wrestler still there, is a plain COPY;
                # otherwise rows go through a stage that skips stored keys and deleted wrestlers.
                wrestlers = await asyncio.to_thread(file_wrestlers, path)
                direct = not await archive_sql.missing_wrestlers(conn, wrestlers) and (
                    await archive_sql.period_is_empty(
                        conn,
                        entry.domain,
                        datetime.fromisoformat(entry.period_start),
                        datetime.fromisoformat(entry.period_end),
                    )
                )
                for frame in parquet_slices(path):
                    data = series_rows_csv(frame)
                    if direct:
                        result.inserted += await archive_sql.copy_rows(conn, entry.domain, data)
                    else:
                        result.inserted += await archive_sql.restore_rows(conn, entry.domain, data)
                    result.rows_in_files += frame.height
                    steps.advance(frame.height)
                await archive_sql.forget_file(conn, entry.domain, entry.file)
    result.skipped = result.rows_in_files - result.inserted
    return result
