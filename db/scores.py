"""SQL for section_scores and score_drivers: score inputs, latest scores, writes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import polars as pl

from core.access import Scope
from core.domains import DOMAIN_KEYS
from db.columnar import frame
from db.scope import wrestler_guard
from db.types import PgConn

INPUT_SCHEMA: dict[str, Any] = {
    "wrestler_id": pl.String,
    "key": pl.String,
    "value": pl.Float64,
    "recorded_at": pl.Float64,
}


async def lock_wrestlers(conn: PgConn, wrestler_ids: list[str]) -> None:
    """The wrestlers' derivation locks until commit (0017_wrestler_locks): a score recomputation sees
    every committed write of the wrestler. Re-entrant within a transaction."""
    await conn.execute("SELECT lock_wrestlers($1::text[]::uuid[])", wrestler_ids)


async def score_inputs(conn: PgConn, wrestler_ids: list[str], keys: list[str]) -> pl.DataFrame:
    """Snapshot values of the score inputs of many wrestlers, across the six domains."""
    union = " UNION ALL ".join(
        f"SELECT wrestler_id, metric_id, value, recorded_at FROM {d}_metrics "
        f"WHERE wrestler_id = ANY($1::text[]::uuid[])"
        for d in DOMAIN_KEYS
    )
    row = await conn.fetchrow(
        f"""SELECT array_agg(m.wrestler_id::text) AS wrestler_id, array_agg(md.key) AS key,
                   array_agg(m.value) AS value,
                   array_agg(extract(epoch FROM m.recorded_at)::float8) AS recorded_at
              FROM ({union}) m JOIN metric_definitions md ON md.id = m.metric_id
             WHERE md.key = ANY($2::text[])""",
        wrestler_ids,
        keys,
    )
    return frame(row, INPUT_SCHEMA)


LATEST_SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "wrestler_id": pl.String,
    "section": pl.String,
    "score": pl.Float64,
    "grade": pl.String,
    "recorded_at": pl.Float64,
}
DRIVER_ROW_SCHEMA: dict[str, Any] = {
    "wrestler_id": pl.String,
    "section": pl.String,
    "metric": pl.String,
    "impact": pl.String,
    "weight": pl.Float64,
    "value": pl.Float64,
    "contribution": pl.Float64,
}


async def latest_scores(conn: PgConn, wrestler_ids: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The latest computed row of every (wrestler, section) and its drivers."""
    rows = await conn.fetch(
        """WITH l AS (
               SELECT DISTINCT ON (wrestler_id, section_key) id, wrestler_id, section_key, score, grade,
                      recorded_at
                 FROM section_scores WHERE wrestler_id = ANY($1::text[]::uuid[])
                ORDER BY wrestler_id, section_key, id DESC)
           SELECT 's' AS kind, l.id, l.wrestler_id::text AS wrestler_id, l.section_key, l.score, l.grade,
                  extract(epoch FROM l.recorded_at)::float8 AS recorded_at,
                  NULL::text AS metric, NULL::text AS impact, NULL::float8 AS weight, NULL::float8 AS value,
                  NULL::float8 AS contribution
             FROM l
           UNION ALL
           SELECT 'd', l.id, l.wrestler_id::text, l.section_key, NULL, NULL, NULL,
                  d.metric_name, d.impact, d.weight, d.value, d.contribution
             FROM l JOIN score_drivers d ON d.section_score_id = l.id""",
        wrestler_ids,
    )
    s = [r for r in rows if r["kind"] == "s"]
    d = [r for r in rows if r["kind"] == "d"]
    scores = pl.DataFrame(
        {
            "id": [r["id"] for r in s],
            "wrestler_id": [r["wrestler_id"] for r in s],
            "section": [r["section_key"] for r in s],
            "score": [r["score"] for r in s],
            "grade": [r["grade"] for r in s],
            "recorded_at": [r["recorded_at"] for r in s],
        },
        schema=LATEST_SCHEMA,
    )
    drivers = pl.DataFrame(
        {
            "wrestler_id": [r["wrestler_id"] for r in d],
            "section": [r["section_key"] for r in d],
            "metric": [r["metric"] for r in d],
            "impact": [r["impact"] for r in d],
            "weight": [r["weight"] for r in d],
            "value": [r["value"] for r in d],
            "contribution": [r["contribution"] for r in d],
        },
        schema=DRIVER_ROW_SCHEMA,
    )
    return scores, drivers


async def insert_scores(conn: PgConn, scores: pl.DataFrame, drivers: pl.DataFrame) -> None:
    """New score rows with their drivers, in one statement."""
    if scores.is_empty():
        return
    await conn.execute(
        """WITH s AS (
               INSERT INTO section_scores (wrestler_id, section_key, score, grade, recorded_at)
               SELECT w::uuid, k, sc, g, to_timestamp(t)
                 FROM unnest($1::text[], $2::text[], $3::float8[], $4::text[], $5::float8[])
                      AS x(w, k, sc, g, t)
               RETURNING id, wrestler_id, section_key)
           INSERT INTO score_drivers (section_score_id, metric_name, impact, weight, value, contribution)
           SELECT s.id, d.m, d.i, least(1.0, greatest(0.0, d.wt)), d.v, d.c
             FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::float8[], $11::float8[],
                         $12::float8[]) AS d(w, k, m, i, wt, v, c)
             JOIN s ON s.wrestler_id = d.w::uuid AND s.section_key = d.k""",
        scores["wrestler_id"].to_list(),
        scores["section"].to_list(),
        scores["score"].to_list(),
        scores["grade"].to_list(),
        scores["recorded_at"].to_list(),
        drivers["wrestler_id"].to_list(),
        drivers["section"].to_list(),
        drivers["metric"].to_list(),
        drivers["impact"].to_list(),
        drivers["weight"].to_list(),
        drivers["value"].to_list(),
        drivers["contribution"].to_list(),
    )


async def delete_sections(conn: PgConn, gone: pl.DataFrame) -> None:
    """A section that lost all its inputs has no score: its stored rows go."""
    if gone.is_empty():
        return
    await conn.execute(
        """DELETE FROM section_scores s
            USING unnest($1::text[], $2::text[]) AS g(w, k)
            WHERE s.wrestler_id = g.w::uuid AND s.section_key = g.k""",
        gone["wrestler_id"].to_list(),
        gone["section"].to_list(),
    )


# --- reads for the endpoints
async def latest_section_score(
    conn: PgConn, scope: Scope, wrestler_id: UUID, section: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""SELECT score, grade, (recorded_at AT TIME ZONE bucket_timezone())::date AS day
              FROM section_scores WHERE wrestler_id = $1 AND section_key = $2 AND {wrestler_guard("$1", 3)}
             ORDER BY id DESC LIMIT 1""",
        wrestler_id,
        section,
        *scope.params,
    )


async def latest_by_section(conn: PgConn, scope: Scope, wrestler_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""SELECT DISTINCT ON (section_key) section_key, score, grade,
                   (recorded_at AT TIME ZONE bucket_timezone())::date AS day
              FROM section_scores WHERE wrestler_id = $1 AND {wrestler_guard("$1", 2)}
             ORDER BY section_key, id DESC""",
        wrestler_id,
        *scope.params,
    )


async def overall_history(conn: PgConn, scope: Scope, wrestler_id: UUID, n: int) -> list[asyncpg.Record]:
    """The latest `n` overall scores, newest first."""
    return await conn.fetch(
        f"""SELECT score, grade, (recorded_at AT TIME ZONE bucket_timezone())::date AS day
              FROM section_scores
             WHERE wrestler_id = $1 AND section_key = 'overall' AND {wrestler_guard("$1", 3)}
             ORDER BY id DESC LIMIT $2""",
        wrestler_id,
        n,
        *scope.params,
    )


async def overall_drivers(conn: PgConn, scope: Scope, wrestler_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""WITH l AS (SELECT id FROM section_scores
                        WHERE wrestler_id = $1 AND section_key = 'overall' AND {wrestler_guard("$1", 2)}
                        ORDER BY id DESC LIMIT 1)
            SELECT d.metric_name, d.impact, d.weight, d.value, d.contribution
              FROM l JOIN score_drivers d ON d.section_score_id = l.id
             ORDER BY d.weight DESC, d.metric_name""",
        wrestler_id,
        *scope.params,
    )
