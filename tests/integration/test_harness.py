"""The test harness never touches a configured database: `make test` run by an operator whose
DATABASE_URL points at their real data creates and drops its own databases on that server and leaves
the configured one as it was."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from core.config import Settings
from db.connection import database_url
from db.migrate import migrate
from db.types import PgConn

ROOT = Path(__file__).resolve().parents[2]
# Tests that write, delete whole series tables and run `wrestle` commands in a child process.
DESTRUCTIVE_TESTS = [
    "tests/integration/test_refresh_after_commit.py",
    "tests/integration/test_ingest_cli.py::TestIngestCommand",
    "tests/integration/test_scores_endpoints.py::TestRecompute::test_section_losing_inputs_loses_score",
]
FINGERPRINT = """
    SELECT (SELECT count(*) FROM body_composition_series), (SELECT sum(value) FROM body_composition_series),
           (SELECT count(*) FROM wrestlers), (SELECT count(*) FROM users),
           (SELECT count(*) FROM body_composition_metrics)"""


@pytest.fixture
async def operator_db(services: Settings) -> AsyncIterator[str]:
    """A database as an operator has it: not named like a test database, migrated, holding rows."""
    name = f"operator_data_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(database_url(services, "postgres"))
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        conn: PgConn = await asyncpg.connect(database_url(services, name))
        try:
            await migrate(conn, bucket_timezone=services.bucket_timezone)
            await conn.execute("""
                INSERT INTO wrestlers (name_fa, name_en, weight_class, external_id)
                     VALUES ('واقعی', 'Real Athlete', 74, 'REAL-1');
                INSERT INTO users (email, password_hash, name, role)
                     VALUES ('op@example.com', 'x', 'Op', 'admin');
                INSERT INTO body_composition_series (wrestler_id, metric_id, recorded_at, value, source)
                SELECT w.id, m.id, timestamptz '2025-01-01' + g * interval '1 day', 70 + g / 10.0, 'real'
                  FROM wrestlers w, metric_definitions m, generate_series(1, 200) g
                 WHERE w.external_id = 'REAL-1' AND m.key = 'weight';
                INSERT INTO body_composition_metrics (wrestler_id, metric_id, value, recorded_at)
                SELECT w.id, m.id, 90, now() FROM wrestlers w, metric_definitions m
                 WHERE w.external_id = 'REAL-1' AND m.key = 'weight';""")
        finally:
            await conn.close()
        yield name
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def _fingerprint(settings: Settings, name: str) -> tuple[object, ...]:
    conn = await asyncpg.connect(database_url(settings, name))
    try:
        row = await conn.fetchrow(FINGERPRINT)
        assert row is not None
        return tuple(row)
    finally:
        await conn.close()


async def test_make_test_with_a_configured_database_leaves_its_rows_untouched(
    services: Settings, operator_db: str
) -> None:
    before = await _fingerprint(services, operator_db)
    assert before[0] == 200
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST_"))}
    env.update(
        DATABASE_URL=database_url(services, operator_db),
        WRESTLE_TEST_REDIS_DB="13",  # beside this session's Redis test database, not in it
    )
    env.pop("REDIS_URL", None)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *DESTRUCTIVE_TESTS,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out = (await child.communicate())[0].decode()
    assert child.returncode == 0, out[-5000:]
    assert f"{len(DESTRUCTIVE_TESTS) + 2} passed" in out  # TestIngestCommand holds three tests
    assert await _fingerprint(services, operator_db) == before
    admin = await asyncpg.connect(database_url(services, "postgres"))
    try:
        leftovers = await admin.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname = $1", f"wrestle_test_template_{child.pid}"
        )
    finally:
        await admin.close()
    assert leftovers == 0, "the child session left its template database behind"
