"""Migrations: applied in order and once, the same schema whether applied at once or stepwise, a
changed file refused, and the six series tables are hypertables."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from core.config import Settings
from core.domains import DOMAIN_KEYS
from db.connection import database_url
from db.migrate import MigrationError, discover, migrate
from db.types import PgConn

# Everything a migration can create in the public schema, as comparable text.
SCHEMA_QUERIES = {
    "columns": """
        SELECT c.relname, c.relkind::text, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
         WHERE n.nspname = 'public' ORDER BY 1, 3""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2""",
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
          FROM pg_proc p
         WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
         ORDER BY 1, 2""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger
         WHERE NOT tgisinternal
           AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
         ORDER BY 1, 2""",
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1",
    "hypertables": """
        SELECT hypertable_name, column_name, time_interval::text FROM timescaledb_information.dimensions
         WHERE hypertable_schema = 'public' ORDER BY 1, 2""",
    "extensions": "SELECT extname FROM pg_extension ORDER BY 1",
    "seeds": """
        SELECT 'metric', key || ':' || domain || ':' || coalesce(min_value::text, '') || ':'
                         || coalesce(max_value::text, '') FROM metric_definitions
        UNION ALL SELECT 'alias', alias || ':' || metric_id FROM metric_aliases
        UNION ALL SELECT 'setting', key || '=' || value FROM app_settings
        ORDER BY 1, 2""",
    "migrations": "SELECT version, checksum FROM schema_migrations ORDER BY 1",
}


async def schema_of(conn: PgConn) -> dict[str, list[tuple[object, ...]]]:
    return {name: [tuple(r) for r in await conn.fetch(sql)] for name, sql in SCHEMA_QUERIES.items()}


@pytest.fixture
async def empty_databases(services: Settings) -> AsyncIterator[list[str]]:
    """Two empty databases on the test cluster, dropped afterwards."""
    names = [f"wrestle_mig_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    admin = await asyncpg.connect(database_url(services, "postgres"))
    try:
        for name in names:
            await admin.execute(f"CREATE DATABASE {name}")
        yield names
    finally:
        for name in names:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def _connect(settings: Settings, name: str) -> PgConn:
    return await asyncpg.connect(database_url(settings, name))


class TestMigrate:
    async def test_applies_every_migration_in_order_once(
        self, services: Settings, empty_databases: list[str]
    ) -> None:
        conn = await _connect(services, empty_databases[0])
        try:
            versions = [m.version for m in discover()]
            assert await migrate(conn, bucket_timezone=services.bucket_timezone) == versions
            assert await migrate(conn, bucket_timezone=services.bucket_timezone) == []
            recorded = await conn.fetch("SELECT version FROM schema_migrations ORDER BY applied_at, version")
            assert [r["version"] for r in recorded] == versions
        finally:
            await conn.close()

    async def test_stepwise_upgrade_gives_the_same_schema_as_a_fresh_install(
        self, services: Settings, empty_databases: list[str]
    ) -> None:
        versions = [m.version for m in discover()]
        assert len(versions) >= 2
        fresh = await _connect(services, empty_databases[0])
        upgraded = await _connect(services, empty_databases[1])
        try:
            await migrate(fresh, bucket_timezone=services.bucket_timezone)
            tz = services.bucket_timezone
            assert await migrate(upgraded, bucket_timezone=tz, target=versions[-2]) == versions[:-1]
            assert await migrate(upgraded, bucket_timezone=tz) == versions[-1:]
            fresh_schema, upgraded_schema = await schema_of(fresh), await schema_of(upgraded)
            for part, rows in fresh_schema.items():
                assert upgraded_schema[part] == rows, f"{part} differs between fresh and upgraded"
        finally:
            await fresh.close()
            await upgraded.close()

    async def test_a_migration_changed_after_it_was_applied_is_refused(
        self, conn: PgConn, settings: Settings, tmp_path: Path
    ) -> None:
        schema_dir = tmp_path / "schema"
        shutil.copytree(discover()[0].path.parent, schema_dir)
        changed = sorted(schema_dir.glob("*.sql"))[0]
        changed.write_text(changed.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
        with pytest.raises(MigrationError, match=changed.stem):
            await migrate(conn, bucket_timezone=settings.bucket_timezone, schema_dir=schema_dir)

    async def test_a_failing_migration_is_not_recorded(
        self, conn: PgConn, settings: Settings, tmp_path: Path
    ) -> None:
        schema_dir = tmp_path / "schema"
        shutil.copytree(discover()[0].path.parent, schema_dir)
        (schema_dir / "9999_broken.sql").write_text("CREATE TABLE broken_one (id int);\nSELECT nope;\n")
        with pytest.raises(MigrationError, match="9999_broken"):
            await migrate(conn, bucket_timezone=settings.bucket_timezone, schema_dir=schema_dir)
        assert not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = '9999_broken')"
        )
        assert await conn.fetchval("SELECT to_regclass('broken_one')") is None


class TestDataModel:
    async def test_the_six_series_tables_are_hypertables_on_recorded_at(self, conn: PgConn) -> None:
        rows = await conn.fetch("""
            SELECT hypertable_name, column_name FROM timescaledb_information.dimensions
             WHERE hypertable_schema = 'public' AND hypertable_name LIKE '%\\_series'""")
        assert {(r["hypertable_name"], r["column_name"]) for r in rows} == {
            (f"{d}_series", "recorded_at") for d in DOMAIN_KEYS
        }

    async def test_every_domain_has_its_daily_aggregate_and_snapshot_relations(self, conn: PgConn) -> None:
        for domain in DOMAIN_KEYS:
            for relation in (f"{domain}_daily", f"{domain}_metrics"):
                assert await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", relation), relation
