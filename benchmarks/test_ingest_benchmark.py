"""Guards the bulk-ingest throughput and memory of `wrestle ingest`.

On one generated long CSV of 1,000,000 rows and an empty database it measures, in one run:
(a) psql `\\copy` of the file straight into a hypertable with the same indexes as a series table
    (unique key, wrestler+time), the floor,
(b) `wrestle ingest` end to end as a subprocess (parse, validate, write, aggregate/snapshot refresh),
(c) re-ingest of the same file (every row unchanged).
Between the steps (untimed) the database is vacuumed, analysed and checkpointed, so that the
autovacuum and checkpoint a million-row write triggers do not fall at random into the next step.
It prints rows/s of each and the ratio (b)/(a) (target >= 0.6) and asserts the targets.
Then (d) a second 1,000,000-row file of the last 60 days (every day of it is evaluated for baseline
alerts) is ingested, and the alert step of that write is timed alone on the same changed keys: it
must stay within 10 % of the ingest's time.
A 10,000,000-row peak-memory check (< 1 GB RSS of the child) runs when WRESTLE_BENCH_10M=1, and a
100,000,000-row one (a 4 GB file, on top of the earlier ones: the tables hold over 110 M rows when it
ends) when WRESTLE_BENCH_100M=1.
Recorded figures (benchmarks/record.py): `ingest.vs_copy` (rows/s over \\copy's), `ingest.reingest`
(re-ingest time over the first ingest's), `ingest.alert_share` (the alert step over the recent
ingest), `ingest_10m.peak_rss` and `ingest_100m.peak_rss` (peak RSS over 1 GiB).

Run: make bench   (or: uv run pytest benchmarks -m benchmark --benchmark-enable -o addopts="" -s)
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from benchmarks.record import Run
from core.config import Settings
from core.domains import DOMAIN_KEYS
from db import weight as weight_sql
from db.cluster import EmbeddedCluster
from db.connection import database_url, init_connection
from db.migrate import migrate
from db.series import local_clock
from ingest.alerts import refresh_alerts
from tests.conftest import TEST_DB_PREFIX, base_settings, cli_env
from tests.ingest_fixtures import GEN_METRICS, GEN_WRESTLERS, create_generated_wrestlers, generate_long_csv

ROWS = 1_000_000
RECENT_DAYS = 60
VS_COPY_MIN = 0.6  # wrestle ingest's rows/s over \copy's
REINGEST_MAX = 1.1  # re-ingest of unchanged rows over the first ingest's time
ALERT_SHARE_MAX = 0.10  # the alert step's time over the recent ingest's
PEAK_RSS_MAX_KIB = 1024 * 1024  # 1 GiB
pytestmark = pytest.mark.benchmark


async def _fresh_db(settings: Settings, name: str) -> None:
    admin = await asyncpg.connect(database_url(settings, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(database_url(settings, name))
    try:
        await migrate(conn, bucket_timezone=settings.bucket_timezone)
        await create_generated_wrestlers(conn)
        await conn.execute("""
            CREATE TABLE bench_floor (wrestler text NOT NULL, metric text NOT NULL,
                                      recorded_at timestamptz NOT NULL, value double precision NOT NULL);
            SELECT create_hypertable('bench_floor', 'recorded_at', chunk_time_interval => interval '30 days',
                                     create_default_indexes => false);
            CREATE UNIQUE INDEX ON bench_floor (wrestler, metric, recorded_at);
            CREATE INDEX ON bench_floor (wrestler, recorded_at);""")
    finally:
        await conn.close()


async def _drop_db(settings: Settings, name: str) -> None:
    admin = await asyncpg.connect(database_url(settings, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="module")
def bench_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, str, Path]]:
    name = f"{TEST_DB_PREFIX}bench_{uuid.uuid4().hex[:8]}"
    settings = base_settings(pg_database=name)
    asyncio.run(_fresh_db(settings, name))
    path = tmp_path_factory.mktemp("ingest") / "long_1m.csv"
    generate_long_csv(path, ROWS)
    yield settings, name, path
    asyncio.run(_drop_db(settings, name))


async def _settle_async(settings: Settings, name: str) -> None:
    conn = await asyncpg.connect(database_url(settings, name))
    try:
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


def _settle(settings: Settings, name: str) -> None:
    """Between two timed steps, outside the timings: run the maintenance the last step's million
    rows trigger (autovacuum's vacuum and analyze, a checkpoint) now, so that it does not land,
    at a random moment, in the middle of the next step on the same cores."""
    asyncio.run(_settle_async(settings, name))


# Runs its arguments as a child and writes the child's peak RSS (KiB) last on stderr. The wrapper is
# small when it forks: Linux carries the forking process's peak RSS into the child's, so measuring
# straight from this (large) test process would report this process's peak instead.
RSS_WRAPPER = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(rc)"
)


def _ingest(settings: Settings, path: Path) -> tuple[float, int]:
    """Run `wrestle ingest` as a child; return (seconds, peak RSS of that child in KiB)."""
    env = cli_env(settings)
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", RSS_WRAPPER, sys.executable, "-m", "cli.main", "ingest", str(path)],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t
    assert out.returncode == 0, f"wrestle ingest failed:\n{out.stderr[-3000:]}"
    return elapsed, int(out.stderr.strip().splitlines()[-1])


def test_ingest_throughput_vs_copy(bench_db: tuple[Settings, str, Path], record: Run) -> None:
    settings, name, path = bench_db
    if settings.database_url:
        cmd, env = ["psql", database_url(settings, name)], dict(os.environ)
    else:
        cmd, env = EmbeddedCluster(settings).psql_command(name)
    t = time.perf_counter()
    subprocess.run(
        [*cmd, "-qc", f"\\copy bench_floor FROM '{path}' WITH (FORMAT csv, HEADER true)"],
        env=env,
        check=True,
        capture_output=True,
    )
    floor_s = time.perf_counter() - t
    _settle(settings, name)
    ingest_s, rss = _ingest(settings, path)
    _settle(settings, name)
    again_s, _ = _ingest(settings, path)
    floor, first, second = ROWS / floor_s, ROWS / ingest_s, ROWS / again_s
    print(
        f"\n\\copy floor: {floor:,.0f} rows/s ({floor_s:.2f} s)"
        f"\nwrestle ingest: {first:,.0f} rows/s ({ingest_s:.2f} s), ratio {first / floor:.2f},"
        f" peak RSS {rss / 1024:.0f} MiB"
        f"\nre-ingest (unchanged): {second:,.0f} rows/s ({again_s:.2f} s)"
    )
    record.ratio("ingest.vs_copy", first, floor, VS_COPY_MIN, unit="rows/s", better="higher", threshold=0.15)
    record.ratio("ingest.reingest", again_s, ingest_s, REINGEST_MAX, unit="s")
    assert first / floor >= VS_COPY_MIN
    assert again_s <= ingest_s * REINGEST_MAX


async def _alert_step(settings: Settings, name: str, since: datetime) -> tuple[float, int, int, float]:
    """Time refresh_alerts on every (wrestler, metric, day) key of the series since a time, as the
    write path ran it for the ingest, and the assessments' refresh of the same keys (in a transaction
    rolled back); return (seconds, keys, alerts, assessment seconds)."""
    conn = await asyncpg.connect(database_url(settings, name))
    try:
        await init_connection(conn)
        keys = [
            (r["wrestler_id"], r["metric_id"], r["day"])
            for r in await conn.fetch(
                " UNION ".join(
                    f"""SELECT DISTINCT wrestler_id, metric_id,
                               (recorded_at AT TIME ZONE bucket_timezone())::date AS day
                          FROM {d}_series WHERE recorded_at >= $1"""
                    for d in DOMAIN_KEYS
                ),
                since,
            )
        ]
        tr = conn.transaction()
        await tr.start()
        today, _ = await local_clock(conn)
        t = time.perf_counter()
        kept = await refresh_alerts(conn, keys, today)
        elapsed = time.perf_counter() - t
        t = time.perf_counter()
        await weight_sql.refresh_assessments(conn, keys)
        assessments = time.perf_counter() - t
        await tr.rollback()
        return elapsed, len(keys), kept, assessments
    finally:
        await conn.close()


def test_alerts_add_little_to_a_recent_ingest(
    bench_db: tuple[Settings, str, Path], tmp_path: Path, record: Run
) -> None:
    settings, name, _ = bench_db
    path = tmp_path / "recent_1m.csv"
    start = datetime.now(UTC) - timedelta(days=RECENT_DAYS)
    keys = GEN_WRESTLERS * len(GEN_METRICS)
    generate_long_csv(path, ROWS, since=start, step_minutes=RECENT_DAYS * 24 * 60 * keys // ROWS)
    _settle(settings, name)
    ingest_s, _ = _ingest(settings, path)
    alert_s, evaluated, kept, assess_s = asyncio.run(_alert_step(settings, name, start))
    print(
        f"\nrecent ingest: {ROWS / ingest_s:,.0f} rows/s ({ingest_s:.2f} s); its alert step alone"
        f" {alert_s:.2f} s for {evaluated:,} (wrestler, metric, day) keys ({kept} alerts),"
        f" {alert_s / ingest_s:.1%} of the ingest; the body-fat assessments' refresh"
        f" {assess_s:.2f} s ({assess_s / ingest_s:.1%}; this file holds a body-fat reading every"
        f" {RECENT_DAYS * 24 * 60 * keys // ROWS} minutes)"
    )
    assert evaluated > 0.9 * keys * (RECENT_DAYS - 1)  # every day of the file was evaluated
    # A small share of a noisy time: only a doubling of it counts as a regression.
    record.ratio("ingest.alert_share", alert_s, ingest_s, ALERT_SHARE_MAX, unit="s", threshold=1.0)
    assert alert_s <= ALERT_SHARE_MAX * ingest_s


def _peak_memory(settings: Settings, path: Path, rows: int, stage: str, record: Run, **gen: Any) -> None:
    """Ingest a generated file of `rows` rows (generate_long_csv's `gen` options); assert the
    child's peak RSS under 1 GiB."""
    t = time.perf_counter()
    generate_long_csv(path, rows, **gen)
    print(
        f"\ngenerated {rows:,} rows ({path.stat().st_size / 2**30:.1f} GiB)"
        f" in {time.perf_counter() - t:.0f} s"
    )
    try:
        seconds, peak_kib = _ingest(settings, path)
    finally:
        path.unlink()
    print(
        f"{rows:,} rows: {rows / seconds:,.0f} rows/s ({seconds:.0f} s), peak RSS {peak_kib / 1024:.0f} MiB"
    )
    record.ratio(f"{stage}.peak_rss", peak_kib, PEAK_RSS_MAX_KIB, 1.0, unit="KiB", threshold=0.15)
    assert peak_kib < PEAK_RSS_MAX_KIB


@pytest.mark.skipif(os.environ.get("WRESTLE_BENCH_10M") != "1", reason="set WRESTLE_BENCH_10M=1")
def test_ten_million_rows_stay_under_1gb(
    bench_db: tuple[Settings, str, Path], tmp_path: Path, record: Run
) -> None:
    _peak_memory(bench_db[0], tmp_path / "long_10m.csv", 10_000_000, "ingest_10m", record)


@pytest.mark.skipif(os.environ.get("WRESTLE_BENCH_100M") != "1", reason="set WRESTLE_BENCH_100M=1")
def test_hundred_million_rows_stay_under_1gb(
    bench_db: tuple[Settings, str, Path], tmp_path: Path, record: Run
) -> None:
    # Five-minute steps from 2020: 200,000 readings a key end in late 2021, before every earlier
    # file's first reading, so all 100 M rows are new.
    _peak_memory(
        bench_db[0],
        tmp_path / "long_100m.csv",
        100_000_000,
        "ingest_100m",
        record,
        since=datetime(2020, 1, 1, tzinfo=UTC),
        step_minutes=5,
    )
