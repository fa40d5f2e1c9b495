"""`wrestle import-legacy`: legacy Fittechno tables in a schema of the test
database, imported through the ingest path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from core.config import Settings
from db.connection import database_url
from db.types import PgConn
from ingest.legacy import import_legacy_db
from tests.ingest_fixtures import assert_derived_consistent

LEGACY_SCHEMA = """
CREATE SCHEMA legacy;
SET search_path = legacy;
CREATE TABLE athlete (id bigint PRIMARY KEY, athlete_name text NOT NULL, field text, name text,
    created_at timestamptz);
CREATE TABLE session_time (session_id bigint PRIMARY KEY, athlete_id bigint, miladi_date text,
    shamsi_date text, start_time text, test_category text, created_at timestamptz, athlete_name text);
CREATE TABLE metric (id bigint PRIMARY KEY, metric_name text NOT NULL, metric_method text, category text);
CREATE TABLE body_composition_fs (id bigint PRIMARY KEY, session_id varchar(255) NOT NULL,
    athlete_name varchar(255) NOT NULL, metric_name varchar(255) NOT NULL, nvalue double precision,
    tvalue varchar(255) DEFAULT '');
CREATE TABLE fitness_fs (id bigint PRIMARY KEY, session_id varchar(255), athlete_name varchar(255),
    metric_name varchar(255), metric_method varchar(255), value double precision);
INSERT INTO athlete VALUES (7, 'حسن یزدانی', 'FS', 'Hassan Yazdani', now());
INSERT INTO session_time VALUES
    (100, 7, '2025-11_10', '1404-08-19', '10:00', 'Body_Composition', now(), 'حسن یزدانی'),
    (101, 7, NULL, '1404-08-20', NULL, 'Fitness', now(), 'حسن یزدانی');
INSERT INTO body_composition_fs VALUES (1, '100', 'حسن یزدانی', 'Weight', 86.4, ''),
                                       (2, '100', 'حسن یزدانی', 'PBF', 9.5, ''),
                                       (3, '100', 'حسن یزدانی', 'Mystery Index', 3, '');
INSERT INTO fitness_fs VALUES (1, '101', 'حسن یزدانی', 'vo2max', 'treadmill', 58);
"""


@pytest.fixture
async def legacy(conn: PgConn, settings: Settings) -> AsyncIterator[PgConn]:
    await conn.execute(LEGACY_SCHEMA)
    await conn.execute("SET search_path = public")
    c = await asyncpg.connect(database_url(settings), server_settings={"search_path": "legacy"})
    try:
        yield c
    finally:
        await c.close()


class TestImportLegacy:
    async def test_imports_mapped_metrics_and_reports_unmapped(self, conn: PgConn, legacy: PgConn) -> None:
        report = await import_legacy_db(conn, legacy, timezone="Asia/Tehran")
        assert (report.rows_read, report.rows_inserted, report.rows_rejected) == (4, 3, 1)
        assert report.errors[0]["code"] == "UNKNOWN_METRIC" and report.errors[0]["value"] == "Mystery Index"
        w = await conn.fetchrow("SELECT id, name_en, name_fa FROM wrestlers WHERE external_id = 'legacy:7'")
        assert w is not None
        assert (w["name_en"], w["name_fa"]) == ("Hassan Yazdani", "حسن یزدانی")
        weight = await conn.fetchrow(
            "SELECT recorded_at, value FROM body_composition_series WHERE value = 86.4"
        )
        assert weight is not None
        assert weight["recorded_at"] == datetime(2025, 11, 10, 6, 30, tzinfo=UTC)
        vo2 = await conn.fetchval("SELECT recorded_at FROM performance_series")
        assert vo2 == datetime(2025, 11, 10, 20, 30, tzinfo=UTC)  # shamsi 1404-08-20 00:00 Tehran
        await assert_derived_consistent(conn)

    async def test_register_metrics_keeps_every_numeric_row(self, conn: PgConn, legacy: PgConn) -> None:
        report = await import_legacy_db(conn, legacy, timezone="Asia/Tehran", register_metrics=True)
        assert (report.rows_read, report.rows_inserted, report.rows_rejected) == (4, 4, 0), report.errors
        row = await conn.fetchrow("SELECT domain, custom FROM metric_definitions WHERE key = 'mystery_index'")
        assert row is not None and (row["domain"], row["custom"]) == ("body_composition", True)
        assert await conn.fetchval("SELECT count(*) FROM body_composition_series") == 3

    async def test_second_import_unchanged(self, conn: PgConn, legacy: PgConn) -> None:
        await import_legacy_db(conn, legacy, timezone="Asia/Tehran")
        again = await import_legacy_db(conn, legacy, timezone="Asia/Tehran")
        assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 3)
