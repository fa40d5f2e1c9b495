"""SQL for the demo federation: finding it, removing it, inserting its wrestlers in one statement."""

from __future__ import annotations

from datetime import date
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


async def weight_setup(conn: PgConn, team_ids: list[UUID], comps: list[tuple[int, date]], end: date) -> int:
    """The demo teams' weight management: the first plans under UWW with a 7 % body-fat floor of its
    own, the second under NFHS (with its hydration gate); every wrestler male freestyle, planning for
    its class at the team's next competition (no date when none is scheduled); an official weigh-in
    on each past competition morning (the morning weight the series holds). Returns the weigh-ins
    recorded."""
    await conn.execute(
        """UPDATE teams t SET rule_set_id = r.id, body_fat_floor_override = x.floor
             FROM unnest($1::uuid[], $2::text[], $3::float8[]) AS x(team, rules, floor)
             JOIN rule_sets r ON r.key = x.rules AND r.version = 1
            WHERE t.id = x.team""",
        team_ids[:2],
        ["uww", "nfhs"][: len(team_ids[:2])],
        [7.0, None][: len(team_ids[:2])],
    )
    await conn.execute(
        "UPDATE wrestlers SET sex = 'male', style = 'freestyle' WHERE team_id = ANY($1::uuid[])", team_ids
    )
    teams = [team_ids[t] for t, _ in comps]
    days = [d for _, d in comps]
    await conn.execute(
        """INSERT INTO weight_plans (wrestler_id, target_class_kg, target_date)
           SELECT w.id, w.weight_class, n.day
             FROM wrestlers w
             LEFT JOIN (SELECT team, min(day) AS day FROM unnest($1::uuid[], $2::date[]) AS c(team, day)
                         WHERE day > $3 GROUP BY team) n ON n.team = w.team_id
            WHERE w.team_id = ANY($4::uuid[])""",
        teams,
        days,
        end,
        team_ids,
    )
    status = await conn.execute(
        """INSERT INTO weigh_ins (wrestler_id, weighed_at, weight_kg, source, event)
           SELECT DISTINCT ON (s.wrestler_id, c.day) s.wrestler_id, s.recorded_at, s.value,
                  'official scale', 'Competition ' || c.day
             FROM unnest($1::uuid[], $2::date[]) AS c(team, day)
             JOIN wrestlers w ON w.team_id = c.team
             JOIN body_composition_series s ON s.wrestler_id = w.id
              AND s.metric_id = (SELECT id FROM metric_definitions WHERE key = 'weight')
              AND s.recorded_at >= (c.day::timestamp AT TIME ZONE bucket_timezone())
              AND s.recorded_at < ((c.day + 1)::timestamp AT TIME ZONE bucket_timezone())
            WHERE c.day <= $3
            ORDER BY s.wrestler_id, c.day, s.recorded_at""",
        teams,
        days,
        end,
    )
    return int(status.split()[-1])
