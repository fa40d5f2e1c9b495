"""SQL for ai_chart_insights: the database layer of the AI answer cache, the insight history and its
reviews, and the names the sanitiser must remove. Reads and writes on a wrestler's insights are
scoped (db.scope)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from core.access import Scope
from db.scope import wrestler_guard
from db.types import PgConn


async def known_names(conn: PgConn) -> list[str]:
    """Every wrestler's and user's name: what the sanitiser removes from text sent to a provider.
    Unscoped on purpose: another team's athlete named in a note must be removed too, and the names
    never leave the process."""
    rows = await conn.fetch(
        """SELECT name_fa AS n FROM wrestlers UNION SELECT name_en FROM wrestlers
           UNION SELECT name FROM users"""
    )
    return [r["n"] for r in rows if r["n"]]


async def live_answer(
    conn: PgConn, scope: Scope, wrestler_id: UUID, chart_id: str, input_hash: str
) -> dict[str, Any] | None:
    """The stored answer to this exact question, unless it was rejected."""
    payload = await conn.fetchval(
        f"""SELECT payload FROM ai_chart_insights i
             WHERE wrestler_id = $1 AND chart_id = $2 AND input_hash = $3
               AND review_status IS DISTINCT FROM 'rejected' AND payload IS NOT NULL
               AND {wrestler_guard("i.wrestler_id", 4)}""",
        wrestler_id,
        chart_id,
        input_hash,
        *scope.params,
    )
    out: dict[str, Any] | None = payload
    return out


async def store_answer(
    conn: PgConn,
    scope: Scope,
    *,
    wrestler_id: UUID,
    chart_id: str,
    input_hash: str,
    kind: str,
    locale: str,
    provider: str,
    model: str,
    prompt_version: str,
    answer: dict[str, Any],
    created_by: UUID | None,
) -> UUID | None:
    """Keep an answer; an identical live one stored meanwhile (another worker) wins and is kept.
    The id of the stored row, or None when the wrestler is out of scope."""
    return await conn.fetchval(  # type: ignore[no-any-return]
        f"""WITH a AS (SELECT $10::jsonb AS j),
           ins AS (
               INSERT INTO ai_chart_insights
                      (wrestler_id, chart_id, input_hash, kind, locale, model, provider, prompt_version,
                       summary, patterns_json, recommendations_json, warnings_json, anomalies_json,
                       confidence, payload, evidence_json, created_by)
               SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, j->'patterns', j->'recommendations', j->'warnings',
                      j->'anomalies', (j->>'confidence')::float8, j, j->'evidence', $11
                 FROM a
                WHERE {wrestler_guard("$1", 12)}
               ON CONFLICT (wrestler_id, chart_id, input_hash)
                  WHERE review_status IS DISTINCT FROM 'rejected' DO NOTHING
               RETURNING id)
           SELECT id FROM ins
           UNION ALL
           SELECT id FROM ai_chart_insights
            WHERE wrestler_id = $1 AND chart_id = $2 AND input_hash = $3
              AND review_status IS DISTINCT FROM 'rejected' AND NOT EXISTS (SELECT 1 FROM ins)
              AND {wrestler_guard("$1", 12)}
           LIMIT 1""",
        wrestler_id,
        chart_id,
        input_hash,
        kind,
        locale,
        model,
        provider,
        prompt_version,
        str(answer.get("summary") or answer.get("program", {}).get("title") or ""),
        answer,  # the pool's jsonb codec encodes it
        created_by,
        *scope.params,
    )


_COLUMNS = """id, wrestler_id, chart_id, kind, locale, provider, model, prompt_version, payload,
              created_at, review_status, review_note, reviewed_at"""


async def insights(
    conn: PgConn, scope: Scope, wrestler_id: UUID, chart_id: str | None, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """A wrestler's stored answers, newest first, with the total."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, count(*) OVER () AS total FROM ai_chart_insights i
             WHERE wrestler_id = $1 AND ($2::text IS NULL OR chart_id = $2)
               AND {wrestler_guard("i.wrestler_id", 5)}
             ORDER BY created_at DESC, id LIMIT $3 OFFSET $4""",
        wrestler_id,
        chart_id,
        limit,
        offset,
        *scope.params,
    )
    total = rows[0]["total"] if rows else 0
    if not rows and offset:
        total = await conn.fetchval(
            f"""SELECT count(*) FROM ai_chart_insights i
                 WHERE wrestler_id = $1 AND ($2::text IS NULL OR chart_id = $2)
                   AND {wrestler_guard("i.wrestler_id", 3)}""",
            wrestler_id,
            chart_id,
            *scope.params,
        )
    return list(rows), int(total)


async def insight_wrestler(conn: PgConn, scope: Scope, insight_id: UUID) -> UUID | None:
    """The wrestler an insight is about, if the caller's scope covers it."""
    return await conn.fetchval(  # type: ignore[no-any-return]
        f"""SELECT wrestler_id FROM ai_chart_insights i
             WHERE id = $1 AND {wrestler_guard("i.wrestler_id", 2)}""",
        insight_id,
        *scope.params,
    )


async def review(
    conn: PgConn, scope: Scope, insight_id: UUID, status: str, note: str | None, reviewer: UUID
) -> asyncpg.Record | None:
    """Record a review; the row as it now is (with its cache key's parts), or None out of scope."""
    return await conn.fetchrow(
        f"""UPDATE ai_chart_insights i
               SET review_status = $2, review_note = $3, reviewed_by = $4, reviewed_at = now()
             WHERE id = $1 AND {wrestler_guard("i.wrestler_id", 5)}
         RETURNING {_COLUMNS}, input_hash""",
        insight_id,
        status,
        note,
        reviewer,
        *scope.params,
    )


async def metric_bands(conn: PgConn, names: list[str]) -> list[asyncpg.Record]:
    """For each chart or series name that names a catalog metric (its key, wire name or an alias,
    case-insensitive): the metric's key and its reference band (target_low/target_high, else null)."""
    return list(
        await conn.fetch(
            """SELECT DISTINCT ON (n.name) n.name, md.key, md.target_low AS low, md.target_high AS high
                 FROM unnest($1::text[]) AS n(name)
                 JOIN metric_definitions md
                   ON lower(md.key) = lower(n.name) OR lower(md.wire_name) = lower(n.name)
                   OR md.id IN (SELECT a.metric_id FROM metric_aliases a WHERE a.alias = lower(n.name))
                ORDER BY n.name, (lower(md.key) = lower(n.name)) DESC, md.id""",
            names,
        )
    )
