"""Catalog lookups for ingest and queries: metrics, aliases, unit conversions; custom metrics.

Lookups come back as small Polars frames so that ingest resolves names by joins, not per-row calls.
"""

from __future__ import annotations

import asyncpg
import polars as pl

from core.access import Scope
from db.scope import wrestler_predicate
from db.types import PgConn

METRIC_SCHEMA = {
    "metric_id": pl.Int32(),
    "key": pl.String(),
    "domain": pl.String(),
    "kind": pl.String(),
    "unit": pl.String(),
    "min_value": pl.Float64(),
    "max_value": pl.Float64(),
}


async def metrics_frame(conn: PgConn) -> pl.DataFrame:
    rows = await conn.fetch(
        "SELECT id, key, domain, kind, unit, min_value, max_value FROM metric_definitions ORDER BY id"
    )
    return pl.DataFrame([tuple(r) for r in rows], schema=METRIC_SCHEMA, orient="row")


async def aliases_frame(conn: PgConn) -> pl.DataFrame:
    """Every name (aliases and keys) -> metric id, in its metric's domain; `preferred` marks the one
    meaning of a name used when a row gives no domain (a key always is its metric's)."""
    rows = await conn.fetch("""
        SELECT key AS alias, id AS metric_id, domain, true AS preferred, true AS is_key
          FROM metric_definitions
        UNION ALL
        SELECT alias, metric_id, domain, preferred, false FROM metric_aliases
         ORDER BY is_key DESC, preferred DESC, metric_id""")
    frame = pl.DataFrame(
        [tuple(r) for r in rows],
        schema={
            "alias": pl.String(),
            "metric_id": pl.Int32(),
            "domain": pl.String(),
            "preferred": pl.Boolean(),
            "is_key": pl.Boolean(),
        },
        orient="row",
    ).unique(["alias", "domain"], keep="first", maintain_order=True)
    first_preferred = pl.col("preferred") & (pl.col("preferred").cum_sum().over("alias") == 1)
    return frame.with_columns(first_preferred.alias("preferred")).drop("is_key")


async def conversions_frame(conn: PgConn) -> pl.DataFrame:
    rows = await conn.fetch(
        'SELECT metric_id, lower(from_unit), factor, "offset" FROM metric_unit_conversions'
    )
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"metric_id": pl.Int32(), "unit": pl.String(), "factor": pl.Float64(), "offset": pl.Float64()},
        orient="row",
    ).unique(["metric_id", "unit"], keep="first")


CATALOG_COLUMNS = (
    "key, wire_name, domain, name_en, name_fa, unit, kind, min_value, max_value, direction,"
    " target_low, target_high, panel, custom"
)


async def create_custom_metric(
    conn: PgConn,
    *,
    domain: str,
    key: str,
    name_en: str,
    name_fa: str,
    unit: str = "",
    kind: str = "numeric",
    min_value: float | None = None,
    max_value: float | None = None,
    direction: str = "higher_better",
    target_low: float | None = None,
    target_high: float | None = None,
    panel: str | None = None,
    aliases: tuple[str, ...] = (),
) -> asyncpg.Record:
    """Insert a custom metric with its key and `aliases` (normalised; one already taken is left to its
    metric) as aliases and its unit as an accepted unit; return its catalog row. A key already taken
    raises UniqueViolationError."""
    parts = key.split("_")
    wire = parts[0] + "".join(p.capitalize() for p in parts[1:])
    row = await conn.fetchrow(
        f"""INSERT INTO metric_definitions (domain, key, wire_name, name_en, name_fa, unit, kind, min_value,
                                            max_value, direction, target_low, target_high, panel, custom)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, true)
            RETURNING id, {CATALOG_COLUMNS}""",
        domain,
        key,
        wire,
        name_en,
        name_fa,
        unit,
        kind,
        min_value,
        max_value,
        direction,
        target_low,
        target_high,
        panel,
    )
    assert row is not None
    await add_aliases(conn, int(row["id"]), domain, sorted({key, *aliases}))
    if unit:
        await conn.execute(
            "INSERT INTO metric_unit_conversions (metric_id, from_unit, factor) VALUES ($1, $2, 1)"
            " ON CONFLICT DO NOTHING",
            row["id"],
            unit.lower(),
        )
    return row


async def register_custom_metric(
    conn: PgConn, *, domain: str, key: str, display_name: str, unit: str, aliases: tuple[str, ...] = ()
) -> int:
    """A custom metric met in an ingest (registerMetrics): its name in both languages, the name as
    written (normalised) among its aliases; return its id."""
    row = await create_custom_metric(
        conn, domain=domain, key=key, name_en=display_name, name_fa=display_name, unit=unit, aliases=aliases
    )
    return int(row["id"])


async def add_aliases(conn: PgConn, metric_id: int, domain: str, aliases: list[str]) -> None:
    """Names of a metric in its domain (one already taken in that domain stays with its metric); a
    name with no preferred meaning yet becomes this metric's."""
    await conn.execute(
        """INSERT INTO metric_aliases (alias, metric_id, domain, preferred)
           SELECT a, $2, $3, NOT EXISTS (SELECT 1 FROM metric_aliases p WHERE p.alias = a AND p.preferred)
             FROM unnest($1::text[]) a
           ON CONFLICT (domain, alias) DO NOTHING""",
        aliases,
        metric_id,
        domain,
    )


async def taken_names(conn: PgConn, domain: str, names: list[str]) -> list[str]:
    """Which of `names` are already a key anywhere or an alias in `domain`."""
    rows = await conn.fetch(
        """SELECT alias FROM metric_aliases WHERE domain = $1 AND alias = ANY($2::text[])
           UNION SELECT key FROM metric_definitions WHERE key = ANY($2::text[]) ORDER BY 1""",
        domain,
        names,
    )
    return [r["alias"] for r in rows]


async def metric_keys(conn: PgConn) -> set[str]:
    return {r["key"] for r in await conn.fetch("SELECT key FROM metric_definitions")}


# Wrestler matching for ingest lives here with the other ingest lookups (db/wrestlers.py serves the
# scoped API reads).
async def wrestlers_frame(conn: PgConn, scope: Scope) -> pl.DataFrame:
    """The wrestlers an ingest may name: only those in the caller's scope, so that a name or an
    external id out of scope is unknown exactly like one that does not exist."""
    rows = await conn.fetch(
        "SELECT id::text, external_id, name_en, name_fa, team_id::text FROM wrestlers w"
        f" WHERE {wrestler_predicate(1)}",
        *scope.params,
    )
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={n: pl.String() for n in ("id", "external_id", "name_en", "name_fa", "team_id")},
        orient="row",
    )


# Placeholder weight class for wrestlers created by an import (the column is required; an admin
# corrects it later). 74 kg is a common senior freestyle class.
IMPORTED_WEIGHT_CLASS = 74


async def create_wrestlers(conn: PgConn, names: list[str], team_id: str | None = None) -> None:
    """Create wrestlers named (fa and en) and externally identified by each string."""
    await conn.execute(
        """INSERT INTO wrestlers (name_fa, name_en, weight_class, external_id, team_id)
           SELECT left(n, 255), left(n, 255), $2, n, $3::uuid FROM unnest($1::text[]) AS n
           ON CONFLICT (external_id) DO NOTHING""",
        names,
        IMPORTED_WEIGHT_CLASS,
        team_id,
    )


async def metric_catalog(conn: PgConn) -> list[asyncpg.Record]:
    return await conn.fetch(f"SELECT {CATALOG_COLUMNS} FROM metric_definitions ORDER BY domain, id")
