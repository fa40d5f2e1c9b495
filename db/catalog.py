"""Catalog lookups for ingest and queries: metrics, aliases, unit conversions; custom metrics.

Lookups come back as small Polars frames so that ingest resolves names by joins, not per-row calls.
"""

from __future__ import annotations

import polars as pl

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


async def domains(conn: PgConn) -> list[str]:
    return [r["domain"] for r in await conn.fetch("SELECT domain FROM series_domains ORDER BY position")]


async def metrics_frame(conn: PgConn) -> pl.DataFrame:
    rows = await conn.fetch(
        "SELECT id, key, domain, kind, unit, min_value, max_value FROM metric_definitions ORDER BY id"
    )
    return pl.DataFrame([tuple(r) for r in rows], schema=METRIC_SCHEMA, orient="row")


async def aliases_frame(conn: PgConn) -> pl.DataFrame:
    """Every alias (keys included) -> metric id."""
    rows = await conn.fetch("""
        SELECT alias, metric_id FROM metric_aliases
        UNION SELECT key, id FROM metric_definitions""")
    return pl.DataFrame(
        [tuple(r) for r in rows], schema={"alias": pl.String(), "metric_id": pl.Int32()}, orient="row"
    ).unique("alias", keep="first")


async def conversions_frame(conn: PgConn) -> pl.DataFrame:
    rows = await conn.fetch(
        'SELECT metric_id, lower(from_unit), factor, "offset" FROM metric_unit_conversions'
    )
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"metric_id": pl.Int32(), "unit": pl.String(), "factor": pl.Float64(), "offset": pl.Float64()},
        orient="row",
    ).unique(["metric_id", "unit"], keep="first")


async def register_custom_metric(conn: PgConn, *, domain: str, key: str, display_name: str, unit: str) -> int:
    """Insert a custom metric (its key as alias, its unit as an accepted unit); return its id."""
    parts = key.split("_")
    wire = parts[0] + "".join(p.capitalize() for p in parts[1:])
    metric_id = await conn.fetchval(
        """INSERT INTO metric_definitions (domain, key, wire_name, name_en, name_fa, unit, custom)
           VALUES ($1, $2, $3, $4, $4, $5, true) RETURNING id""",
        domain,
        key,
        wire,
        display_name,
        unit,
    )
    await conn.execute(
        "INSERT INTO metric_aliases (alias, metric_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", key, metric_id
    )
    if unit:
        await conn.execute(
            "INSERT INTO metric_unit_conversions (metric_id, from_unit, factor) VALUES ($1, $2, 1)"
            " ON CONFLICT DO NOTHING",
            metric_id,
            unit.lower(),
        )
    return int(metric_id)


# Wrestler matching for ingest lives here with the other ingest lookups (db/wrestlers.py serves the
# scoped API reads).
async def wrestlers_frame(conn: PgConn) -> pl.DataFrame:
    rows = await conn.fetch("SELECT id::text, external_id, name_en, name_fa, team_id::text FROM wrestlers")
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
