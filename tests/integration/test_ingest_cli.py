"""The `wrestle ingest` command: reports, exit codes, a killed process leaves nothing, and two
concurrent ingests of the same wrestlers both succeed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest

from core.config import Settings
from db.connection import database_url, init_connection
from db.types import PgConn
from ingest.pipeline import Options
from ingest.service import ingest_csv
from ingest.validate import Actor
from tests.conftest import cli_env
from tests.ingest_fixtures import assert_derived_consistent, create_generated_wrestlers, generate_long_csv


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = cli_env(settings)
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "ingest", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


class TestIngestCommand:
    async def test_reports_and_exit_zero(self, conn: PgConn, settings: Settings, tmp_path: Path) -> None:
        await create_generated_wrestlers(conn)
        path = tmp_path / "a.csv"
        generate_long_csv(path, 1000)
        out = await asyncio.to_thread(run_cli, settings, str(path))
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["rowsInserted"] == 1000
        assert await conn.fetchval("SELECT user_id FROM ingest_batches") is None
        await assert_derived_consistent(conn)

    async def test_strict_rejection_exits_non_zero(
        self, conn: PgConn, settings: Settings, tmp_path: Path
    ) -> None:
        path = tmp_path / "b.csv"
        path.write_text("wrestler,metric,recorded_at,value\nNobody,weight,2025-11-10,80\n")
        out = await asyncio.to_thread(run_cli, settings, "--strict", str(path))
        assert out.returncode == 1
        assert json.loads(out.stdout)["errors"][0]["code"] == "UNKNOWN_WRESTLER"

    async def test_empty_file_exits_non_zero(self, settings: Settings, tmp_path: Path) -> None:
        path = tmp_path / "c.csv"
        path.write_text("wrestler,metric,recorded_at,value\n")
        out = await asyncio.to_thread(run_cli, settings, str(path))
        assert out.returncode == 1


class TestAtomicity:
    async def test_killed_ingest_leaves_nothing(
        self, conn: PgConn, settings: Settings, tmp_path: Path
    ) -> None:
        await create_generated_wrestlers(conn)
        path = tmp_path / "big.csv"
        generate_long_csv(path, 1_500_000)
        env = cli_env(settings)
        proc = subprocess.Popen(  # noqa: ASYNC220 - the child must run while this test polls
            [sys.executable, "-m", "cli.main", "ingest", str(path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Wait until the ingest has written part of the file inside its open transaction.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            n = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND query ILIKE 'COPY%body_composition_series%'"
            )
            if n:
                break
            await asyncio.sleep(0.05)
        assert proc.poll() is None, "ingest finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        await asyncio.sleep(0.5)
        assert await conn.fetchval("SELECT count(*) FROM ingest_batches") == 0
        assert await conn.fetchval("SELECT count(*) FROM body_composition_series") == 0
        assert await conn.fetchval("SELECT count(*) FROM body_composition_daily") == 0


class TestConcurrency:
    async def test_two_ingests_same_wrestlers(self, conn: PgConn, settings: Settings, tmp_path: Path) -> None:
        await create_generated_wrestlers(conn)
        a, b = tmp_path / "a.csv", tmp_path / "b.csv"
        generate_long_csv(a, 20_000)
        # b overlaps a on half its keys with different values, and adds new keys.
        lines = a.read_text().splitlines()
        header, body = lines[0], lines[1:]
        changed = [
            ",".join([*row.split(",")[:3], "61.5" if row.split(",")[1] == "weight" else row.split(",")[3]])
            for row in body[:10_000]
        ]
        b.write_text("\n".join([header, *reversed(changed)]) + "\n")

        async def one(path: Path) -> int:
            c = await asyncpg.connect(database_url(settings))
            await init_connection(c)
            try:
                rep = await ingest_csv(
                    c,
                    path,
                    fmt="auto",
                    opts=Options(timezone=settings.default_timezone),
                    actor=Actor(role="system"),
                )
                return rep.rows_rejected
            finally:
                await c.close()

        assert list(await asyncio.gather(one(a), one(b))) == [0, 0]
        assert await conn.fetchval("SELECT count(*) FROM body_composition_series") == 20_000
        assert await conn.fetchval("SELECT count(*) FROM ingest_batches") == 2
        await assert_derived_consistent(conn)


@pytest.fixture(autouse=True)
def _cwd() -> None:
    os.chdir(Path(__file__).resolve().parents[2])
