"""SQL for the team board: a team's counts and average score, and its athletes' cards (with the
latest training-load figures the write path keeps); one statement each, scoped to the caller's team
(db.scope.team_predicate)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from core.access import Scope
from db.scope import team_predicate
from db.types import PgConn

_LATEST_OVERALL = """LEFT JOIN LATERAL (
        SELECT ss.score FROM section_scores ss
         WHERE ss.wrestler_id = w.id AND ss.section_key = 'overall'
         ORDER BY ss.id DESC LIMIT 1) o ON true"""


async def team_stats(conn: PgConn, scope: Scope, team_id: UUID) -> asyncpg.Record | None:
    """None when the team does not exist or is out of the scope."""
    return await conn.fetchrow(
        f"""SELECT t.id, s.total, s.ready, s.attention, s.average
              FROM teams t
              CROSS JOIN LATERAL (
                SELECT count(*) AS total,
                       count(*) FILTER (WHERE w.status = 'competition_ready') AS ready,
                       count(*) FILTER (WHERE w.status = 'attention') AS attention,
                       avg(o.score) AS average
                  FROM wrestlers w {_LATEST_OVERALL}
                 WHERE w.team_id = t.id) s
             WHERE t.id = $1 AND {team_predicate(2)}""",
        team_id,
        *scope.team_params,
    )


async def team_athletes(
    conn: PgConn, scope: Scope, team_id: UUID, limit: int, offset: int, window_weeks: int
) -> list[asyncpg.Record]:
    """One row per athlete of the page (ordered by nameEn, id); no rows when the team does not
    exist or is out of the scope; a single row with a null id when the team has no athlete on this
    page."""
    return await conn.fetch(
        f"""SELECT t.id AS team_id, (SELECT count(*) FROM wrestlers WHERE team_id = t.id) AS total,
                   a.id, a.name_fa, a.weight_class, a.status, a.score, a.weeks, a.load
              FROM teams t
              LEFT JOIN LATERAL (
                SELECT w.id, w.name_fa, w.name_en, w.weight_class, w.status, o.score, tw.weeks,
                       tl.summary AS load
                  FROM wrestlers w
                  {_LATEST_OVERALL}
                  LEFT JOIN training_load_latest tl ON tl.wrestler_id = w.id
                  CROSS JOIN LATERAL (
                    SELECT count(DISTINCT date_trunc('week', tp.date)) AS weeks
                      FROM training_programs tp
                     WHERE tp.wrestler_id = w.id
                       AND tp.date > (now() AT TIME ZONE bucket_timezone())::date - 7 * $4::int
                       AND tp.date <= (now() AT TIME ZONE bucket_timezone())::date) tw
                 WHERE w.team_id = t.id
                 ORDER BY w.name_en, w.id
                 LIMIT $2 OFFSET $3) a ON true
             WHERE t.id = $1 AND {team_predicate(5)}
             ORDER BY a.name_en, a.id""",
        team_id,
        limit,
        offset,
        window_weeks,
        *scope.team_params,
    )
