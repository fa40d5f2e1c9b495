"""`wrestle archive`: old chunks to Parquet and back, on a small demo federation written through the
write path (every domain, with daily aggregates, snapshots and scores)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from core.access import Scope
from core.config import Settings
from core.domains import DOMAIN_KEYS
from core.errors import ArchivedPeriod
from db import archive as archive_sql
from db.types import PgConn
from demo.generate import DemoSpec
from demo.load import load_demo
from ingest.archive import archive, check_period, restore
from ingest.archive_files import (
    ArchiveError,
    FileStats,
    Period,
    chunk_periods,
    entry_for,
    load_manifest,
    parse_duration,
    parse_month,
)
from ingest.deletions import delete_wrestler
from ingest.pipeline import undo_batch
from ingest.refresh import write_transaction
from ingest.writer import POINT_SCHEMA, write_points
from tests.conftest import cli_env

END = date(2025, 6, 30)
SPEC = DemoSpec(wrestlers=2, days=120, hr_step_minutes=60)
# Chunks are 30 days: this leaves about two months of the four archived.
CUTOFF = datetime(2025, 5, 15, tzinfo=UTC)
DERIVED = [
    *(f"{d}_daily" for d in DOMAIN_KEYS),
    *(f"{d}_metrics" for d in DOMAIN_KEYS),
    "section_scores",
    "score_drivers",
]


async def _load(conn: PgConn) -> None:
    await load_demo(conn, SPEC, end=END, now=None, bcrypt_rounds=4)


async def _month_totals(conn: PgConn) -> dict[tuple[str, str], tuple[int, float]]:
    """(domain, local month) -> (rows, sum of values) of the series."""
    out: dict[tuple[str, str], tuple[int, float]] = {}
    for d in DOMAIN_KEYS:
        for r in await conn.fetch(f"""
                SELECT to_char(recorded_at AT TIME ZONE bucket_timezone(), 'YYYY-MM') AS month,
                       count(*) AS n, sum(value) AS s
                  FROM {d}_series GROUP BY 1"""):
            out[(d, r["month"])] = (r["n"], r["s"])
    return out


async def _rows(conn: PgConn) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for d in DOMAIN_KEYS:
        rows = await conn.fetch(f"""
            SELECT s.*, to_char(recorded_at AT TIME ZONE bucket_timezone(), 'YYYY-MM') AS month
              FROM {d}_series s ORDER BY wrestler_id, metric_id, recorded_at""")
        out[d] = [tuple(r) for r in rows]
    return out


async def _derived(conn: PgConn) -> dict[str, str]:
    """Each derived relation's rows as text, in a fixed order: equal text, equal bytes."""
    return {
        t: str(await conn.fetchval(f"SELECT string_agg(x::text, E'\\n' ORDER BY x::text) FROM {t} x"))
        for t in DERIVED
    }


async def _archived_row_count(conn: PgConn, boundary: dict[str, datetime]) -> int:
    n = 0
    for d, end in boundary.items():
        n += int(await conn.fetchval(f"SELECT count(*) FROM {d}_series WHERE recorded_at < $1", end))
    return n


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


async def test_archive_round_trip_loses_nothing(conn: PgConn, tmp_path: Path) -> None:
    await _load(conn)
    totals = await _month_totals(conn)
    rows = await _rows(conn)
    derived = await _derived(conn)

    planned = await archive(conn, tmp_path, CUTOFF, dry_run=True)
    assert {c.domain for c in planned.chunks} == set(DOMAIN_KEYS)
    assert not (tmp_path / "manifest.json").exists()
    assert await _rows(conn) == rows

    result = await archive(conn, tmp_path, CUTOFF)
    boundary = {d: max(c.chunk.end for c in result.chunks if c.domain == d) for d in DOMAIN_KEYS}
    assert result.dropped == len(planned.chunks)

    # The files, read independently of the manifest, hold every archived row of each domain and month.
    entries = load_manifest(tmp_path)
    assert entries and {e.domain for e in entries} == set(DOMAIN_KEYS)
    for (domain, month), (n, s) in totals.items():
        files = [e for e in entries if (e.domain, e.month) == (domain, month)]
        of_month = [r for r in rows[domain] if r[-1] == month]
        archived = [r for r in of_month if r[2] < boundary[domain]]
        if not files:
            assert not archived
            continue
        frame = pl.concat([pl.read_parquet(tmp_path / e.file) for e in files])
        assert frame.height == len(archived) == sum(e.rows for e in files)
        assert _close(float(frame["value"].sum()), sum(float(r[3]) for r in archived))
        if len(archived) == len(of_month):
            assert frame.height == n and _close(float(frame["value"].sum()), s)

    # The chunks are gone; nothing derived changed.
    for d in DOMAIN_KEYS:
        assert await archive_sql.old_chunks(conn, d, CUTOFF) == []
    assert await _archived_row_count(conn, boundary) == 0
    assert result.rows == sum(e.rows for e in entries)
    assert await _derived(conn) == derived

    # Restore: every row back, exactly; the derived relations still untouched.
    back = await restore(conn, tmp_path)
    assert back.inserted == result.rows and back.skipped == 0
    assert await _rows(conn) == rows
    after = await _month_totals(conn)
    assert after.keys() == totals.keys()
    for key, (n, s) in totals.items():
        assert after[key][0] == n and _close(after[key][1], s), key
    assert await _derived(conn) == derived
    assert await conn.fetchval("SELECT count(*) FROM series_archive_files") == 0

    # Twice adds nothing.
    again = await restore(conn, tmp_path)
    assert again.inserted == 0 and again.skipped == result.rows
    assert await _rows(conn) == rows


async def _one_point(conn: PgConn, at: datetime, value: float) -> pl.DataFrame:
    wrestler = await conn.fetchval("SELECT id::text FROM wrestlers ORDER BY external_id LIMIT 1")
    metric = await conn.fetchval("SELECT id FROM metric_definitions WHERE key = 'weight'")
    return pl.DataFrame(
        [(wrestler, metric, "body_composition", at, value, "test")], schema=POINT_SCHEMA, orient="row"
    )


async def test_a_write_into_an_archived_day_is_refused(conn: PgConn, tmp_path: Path) -> None:
    await _load(conn)
    result = await archive(conn, tmp_path, CUTOFF)
    boundary = {d: max(c.chunk.end for c in result.chunks if c.domain == d) for d in DOMAIN_KEYS}
    derived = await _derived(conn)
    old = datetime(2025, 3, 20, 8, tzinfo=UTC)

    with pytest.raises(ArchivedPeriod) as err:
        async with write_transaction(conn):
            await write_points(conn, await _one_point(conn, old, 81.0), None)
    assert "body_composition" in err.value.message and "2025-03" in err.value.message
    assert "restore" in err.value.message
    assert err.value.details["file"].startswith("body_composition/2025-03/")
    assert await _derived(conn) == derived
    assert await _archived_row_count(conn, boundary) == 0

    # Days after the archived periods take writes as before.
    async with write_transaction(conn):
        await write_points(conn, await _one_point(conn, datetime(2025, 6, 29, 8, tzinfo=UTC), 81.0), None)

    # Once its month is back, the archived day takes writes again.
    await restore(conn, tmp_path, date(2025, 3, 1), date(2025, 3, 1))
    async with write_transaction(conn):
        await write_points(conn, await _one_point(conn, old, 81.0), None)
    # Other archived months are still closed.
    with pytest.raises(ArchivedPeriod):
        async with write_transaction(conn):
            await write_points(conn, await _one_point(conn, datetime(2025, 4, 2, 8, tzinfo=UTC), 81.0), None)


async def test_undoing_a_batch_with_archived_points_is_refused(conn: PgConn, tmp_path: Path) -> None:
    await _load(conn)
    await archive(conn, tmp_path, CUTOFF)
    batch = await conn.fetchval("SELECT max(id) FROM ingest_batches")
    derived = await _derived(conn)
    with pytest.raises(ArchivedPeriod, match="restore that month first"):
        await undo_batch(conn, batch, None)
    assert await conn.fetchval("SELECT status FROM ingest_batches WHERE id = $1", batch) != "undone"
    assert await _derived(conn) == derived


async def test_restore_skips_the_rows_of_wrestlers_deleted_since(conn: PgConn, tmp_path: Path) -> None:
    await _load(conn)
    result = await archive(conn, tmp_path, CUTOFF)
    gone = await conn.fetchval("SELECT id FROM wrestlers ORDER BY external_id LIMIT 1")
    frames = [pl.read_parquet(tmp_path / e.file) for e in load_manifest(tmp_path)]
    theirs = sum(f.filter(pl.col("wrestler_id") == str(gone)).height for f in frames)
    assert theirs > 0
    assert await delete_wrestler(conn, Scope("all"), gone)

    back = await restore(conn, tmp_path)
    assert back.skipped == theirs and back.inserted == result.rows - theirs
    for d in DOMAIN_KEYS:
        assert await conn.fetchval(f"SELECT count(*) FROM {d}_series WHERE wrestler_id = $1", gone) == 0


async def test_a_corrupted_file_fails_restore_and_restores_nothing(conn: PgConn, tmp_path: Path) -> None:
    await _load(conn)
    result = await archive(conn, tmp_path, CUTOFF)
    boundary = {d: max(c.chunk.end for c in result.chunks if c.domain == d) for d in DOMAIN_KEYS}
    victim = tmp_path / load_manifest(tmp_path)[-1].file
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))

    with pytest.raises(ArchiveError, match="checksum mismatch") as err:
        await restore(conn, tmp_path)
    assert str(victim) in str(err.value)
    assert await _archived_row_count(conn, boundary) == 0


async def test_restore_needs_an_archive_directory(conn: PgConn, tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match=r"no manifest\.json"):
        await restore(conn, tmp_path)


@pytest.mark.parametrize("text", ["18", "18x", "-3mo", "0d", "mo", "1.5y", ""])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ArchiveError, match="invalid duration"):
        parse_duration(text)


def test_durations_count_calendar_months() -> None:
    at = datetime(2026, 8, 31, 12, tzinfo=UTC)
    assert parse_duration("18mo").before(at) == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert parse_duration("2y").before(at) == datetime(2024, 8, 31, 12, tzinfo=UTC)
    assert parse_duration("90d").before(at) == at - timedelta(days=90)
    assert parse_duration(" 2W ").before(at) == at - timedelta(weeks=2)


def test_the_command_refuses_a_bad_duration(settings: Settings, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "archive", "--older-than", "18 months", "--to", str(tmp_path)],
        env=cli_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "--older-than" in proc.stderr and "invalid duration '18 months'" in proc.stderr
    assert not any(tmp_path.iterdir())


def test_a_file_that_differs_from_the_database_stops_the_drop() -> None:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    period = Period("recovery", date(2025, 3, 1), start, start + timedelta(days=9), start)
    entry = entry_for(
        period, FileStats(10, 55.0, start, start + timedelta(days=1)), "0" * 64, datetime.now(UTC)
    )
    same = archive_sql.Totals(10, 55.0 + 1e-12, start, start + timedelta(days=1))
    check_period(period, entry, same)
    check_period(period, None, archive_sql.Totals(0, 0.0, None, None))
    for totals, what in [
        (archive_sql.Totals(11, 55.0, start, start + timedelta(days=1)), "row count"),
        (archive_sql.Totals(10, 56.0, start, start + timedelta(days=1)), "sum of values"),
        (archive_sql.Totals(10, 55.0, start, start + timedelta(days=2)), "time range"),
    ]:
        with pytest.raises(ArchiveError, match=what) as err:
            check_period(period, entry, totals)
        assert "nothing of this domain was dropped" in str(err.value) and period.file_name in str(err.value)
    with pytest.raises(ArchiveError, match="row count"):
        check_period(period, None, same)


def test_a_chunk_is_split_at_local_month_boundaries() -> None:
    start = datetime(2025, 2, 20, tzinfo=UTC)
    end = start + timedelta(days=30)
    periods = chunk_periods("overview", start, end, "Asia/Tehran")
    assert [p.month for p in periods] == [date(2025, 2, 1), date(2025, 3, 1)]
    assert periods[0].start == start and periods[-1].end == end
    # Local midnight of 1 March in Tehran (UTC+3:30) is 20:30 UTC the day before.
    assert periods[0].end == periods[1].start == datetime(2025, 2, 28, 20, 30, tzinfo=UTC)
    assert periods[1].file_name == "overview/2025-03/overview_2025-03_20250220T000000Z.parquet"


def test_refresh_windows_leave_archived_ranges_out() -> None:
    t = [datetime(2025, 1, d, tzinfo=UTC) for d in range(1, 11)]
    locked = [(t[2], t[4]), (t[6], t[7])]
    assert archive_sql.outside(t[0], t[9], locked) == [(t[0], t[2]), (t[4], t[6]), (t[7], t[9])]
    assert archive_sql.outside(None, None, locked) == [(None, t[2]), (t[4], t[6]), (t[7], None)]
    assert archive_sql.outside(t[3], t[5], locked) == [(t[4], t[5])]
    assert archive_sql.outside(t[2], t[4], locked) == []
    assert archive_sql.outside(t[0], t[1], []) == [(t[0], t[1])]


@pytest.mark.parametrize("text", ["2025-13", "2025-3", "25-03", "March"])
def test_bad_months_are_refused(text: str) -> None:
    with pytest.raises(ArchiveError, match=r"--from: invalid month .* expected YYYY-MM"):
        parse_month(text, "--from")
