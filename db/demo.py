"""SQL for the demo federation: finding it, removing it, inserting its wrestlers in one statement."""

from __future__ import annotations

from uuid import UUID

import polars as pl

from core.domains import DOMAIN_KEYS
from db.types import PgConn


async def any_wrestler(conn: PgConn) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM wrestlers)"))


async def remove_demo(
    conn: PgConn, *, external_prefix: str, team_names: list[str], email_domain: str, source: str
) -> int:
    """Delete the demo wrestlers (with every row of their data), teams, accounts and ingest batches;
    return the number of wrestlers removed.

    The series rows go first, one set-based DELETE per domain: the per-wrestler delete trigger then
    finds nothing left to do."""
    ids: list[UUID] = [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM wrestlers WHERE starts_with(external_id, $1)", external_prefix
        )
    ]
    if ids:
        for domain in DOMAIN_KEYS:
            await conn.execute(f"DELETE FROM {domain}_series WHERE wrestler_id = ANY($1::uuid[])", ids)
        await conn.execute("DELETE FROM wrestlers WHERE id = ANY($1::uuid[])", ids)
    await conn.execute("DELETE FROM users WHERE lower(email) LIKE '%@' || lower($1)", email_domain)
    await conn.execute("DELETE FROM teams WHERE name = ANY($1::text[])", team_names)
    await conn.execute("DELETE FROM ingest_batches WHERE source = $1", source)
    return len(ids)


async def insert_wrestlers(conn: PgConn, wrestlers: pl.DataFrame) -> pl.DataFrame:
    """Insert wrestlers (team_id, name_fa, name_en, weight_class, status, external_id); return
    external_id → wrestler_id (text)."""
    rows = await conn.fetch(
        """INSERT INTO wrestlers (team_id, name_fa, name_en, weight_class, status, external_id)
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::text[])
           RETURNING external_id, id::text AS wrestler_id""",
        *(
            wrestlers.get_column(c).to_list()
            for c in ("team_id", "name_fa", "name_en", "weight_class", "status", "external_id")
        ),
    )
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"external_id": pl.String(), "wrestler_id": pl.String()},
        orient="row",
    )


async def existing_emails(conn: PgConn, emails: list[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT lower(email) AS email FROM users WHERE lower(email) = ANY($1::text[])",
        [e.lower() for e in emails],
    )
    return {r["email"] for r in rows}
