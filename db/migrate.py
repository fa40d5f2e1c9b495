"""Ordered plain-SQL migrations from db/schema/, each applied once and recorded."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import asyncpg

from db.types import PgConn

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
LOCK_KEY = 7_120_451  # advisory lock serialising concurrent migrators


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


class MigrationError(RuntimeError):
    pass


def discover(schema_dir: Path = SCHEMA_DIR) -> list[Migration]:
    files = sorted(schema_dir.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    return [Migration(f.stem, f) for f in files]


@lru_cache
def known_checksums(schema_dir: Path = SCHEMA_DIR) -> dict[str, str]:
    """The migrations this code ships, read once per process (the files do not change under it)."""
    return {m.version: m.checksum for m in discover(schema_dir)}


SchemaState = Literal["current", "ahead", "pending", "changed"]


def schema_state(applied: dict[str, str], known: dict[str, str]) -> SchemaState:
    """How the database's schema stands against this code's migrations. `ahead`: the database also
    has migrations this code does not know (a newer release migrated it during a rolling deploy;
    migrations only add, so this release still reads and writes correctly)."""
    if any(applied.get(v) not in (None, c) for v, c in known.items()):
        return "changed"
    if any(v not in applied for v in known):
        return "pending"
    return "ahead" if len(applied) > len(known) else "current"


async def applied_versions(conn: PgConn) -> dict[str, str]:
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return {}
    rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
    return {r["version"]: r["checksum"] for r in rows}


async def migrate(
    conn: PgConn, *, bucket_timezone: str, target: str | None = None, schema_dir: Path = SCHEMA_DIR
) -> list[str]:
    """Apply every pending migration up to `target` (inclusive); return the versions applied."""
    await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        await conn.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     text PRIMARY KEY,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )""")
        done = await applied_versions(conn)
        applied: list[str] = []
        for m in discover(schema_dir):
            if target is not None and m.version > target:
                break
            if m.version in done:
                if done[m.version] != m.checksum:
                    raise MigrationError(f"migration {m.version} was changed after it was applied")
                continue
            async with conn.transaction():
                # Read by the aggregate migration: days are bucketed in this zone.
                await conn.execute("SELECT set_config('wrestle.bucket_timezone', $1, true)", bucket_timezone)
                try:
                    await conn.execute(m.sql)
                except asyncpg.PostgresError as exc:
                    raise MigrationError(f"migration {m.version} failed: {exc}") from exc
                await conn.execute(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", m.version, m.checksum
                )
            applied.append(m.version)
        return applied
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
