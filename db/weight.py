"""SQL for weight management: rule sets (versioned data), a wrestler's weight context (its team's
rule set and settings, its plan, its latest valid body-fat assessment, the recent weights and scans the
daily check reads), plans, the weigh-in ledger and the assessment read model's refresh. Scoped
(db.scope) wherever a wrestler's or team's data is read or written."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from core.access import Scope
from db.scope import team_predicate, wrestler_guard, wrestler_predicate
from db.types import PgConn

RULE_COLUMNS = """r.id, r.key, r.version, r.name, r.min_body_fat_male, r.min_body_fat_female,
                  r.weekly_loss_cap, r.cap_basis, r.usg_max, r.weigh_in, r.unit, r.classes, r.created_at"""
ASSESSMENT_KEYS = ("weight", "body_fat", "urine_specific_gravity")
CHECK_KEYS = (*ASSESSMENT_KEYS, "ecw_tbw_ratio")  # what a wrestler's stored daily check reads


async def rule_sets(conn: PgConn) -> list[dict[str, Any]]:
    rows = await conn.fetch(f"SELECT {RULE_COLUMNS} FROM rule_sets r ORDER BY r.key, r.version")
    return [dict(r) for r in rows]


async def insert_rule_set(
    conn: PgConn, values: dict[str, Any], created_by: UUID | None
) -> dict[str, Any] | None:
    """A new rule set, or a new version of one (the next number); None if the name is taken."""
    row = await conn.fetchrow(
        f"""WITH r AS (
               INSERT INTO rule_sets (key, version, name, min_body_fat_male, min_body_fat_female,
                                      weekly_loss_cap, cap_basis, usg_max, weigh_in, unit, classes,
                                      created_by)
               SELECT $1, coalesce((SELECT max(version) FROM rule_sets WHERE key = $1), 0) + 1,
                      $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11
               RETURNING *)
           SELECT {RULE_COLUMNS} FROM r""",
        values["key"],
        values["name"],
        values["min_body_fat_male"],
        values["min_body_fat_female"],
        values["weekly_loss_cap"],
        values["cap_basis"],
        values["usg_max"],
        values["weigh_in"],
        values["unit"],
        values["classes"],  # the pool's jsonb codec encodes it
        created_by,
    )
    return dict(row) if row is not None else None


async def rule_set_exists(conn: PgConn, rule_set_id: int) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM rule_sets WHERE id = $1)", rule_set_id))


_CONTEXT = f"""w.id, w.name_en, w.name_fa, w.weight_class, w.sex, w.date_of_birth, w.style, w.team_id,
               t.body_fat_floor_override, coalesce(t.rapid_loss_pct, 2.0) AS rapid_loss_pct,
               coalesce(t.rapid_loss_hours, 48) AS rapid_loss_hours,
               p.target_class_kg, p.target_date, p.updated_at AS plan_updated_at,
               a.at AS assessed_at, a.body_fat_pct AS assessed_body_fat, a.weight_kg AS assessed_weight,
               a.usg AS assessed_usg,
               {RULE_COLUMNS.replace("r.id", "r.id AS rule_set_id")},
               {{recent}}"""
# The weights since $3 (and the rapid-loss window before it, where a loss may start) and the ECW/TBW
# scans since $3 that the daily check reads, as [epoch seconds, value] pairs oldest first (arrays of
# numbers rather than rows: a board reads about a thousand), each from the (wrestler, metric, time)
# index; and the latest weight as such a pair. Raw points: current inside a write on either edition.
_PAIR = "ARRAY[extract(epoch FROM s.recorded_at)::float8, s.value]"
_RECENT = f"""ARRAY(SELECT {_PAIR} FROM body_composition_series s
                     WHERE s.wrestler_id = w.id AND s.metric_id = md.weight
                       AND s.recorded_at
                           >= $3::timestamptz - make_interval(hours => coalesce(t.rapid_loss_hours, 48))
                     ORDER BY s.recorded_at) AS weights,
               ARRAY(SELECT {_PAIR} FROM body_composition_series s
                     WHERE s.wrestler_id = w.id AND s.metric_id = md.ecw AND s.recorded_at >= $3
                     ORDER BY s.recorded_at) AS scans,
               (SELECT {_PAIR} FROM body_composition_series s
                 WHERE s.wrestler_id = w.id AND s.metric_id = md.weight
                 ORDER BY s.recorded_at DESC LIMIT 1) AS latest"""
# The stored check instead (migration 0025), for the board.
_CHECKED = """c.day AS checked_on, c.inputs AS checked_inputs, c.flags AS checked_flags,
               CASE WHEN c.latest_at IS NOT NULL THEN ARRAY[c.latest_at, c.latest_kg] END AS checked_latest"""
# The latest valid assessment since $2: a weight on record with it and, where the rule set has a
# hydration gate, a passing test as the latest one before it (a reading after a failing test does not
# count, even when an older test passed).
_CONTEXT_FROM = """wrestlers w
               CROSS JOIN (SELECT (SELECT id FROM metric_definitions WHERE key = 'weight') AS weight,
                                  (SELECT id FROM metric_definitions WHERE key = 'ecw_tbw_ratio') AS ecw) md
               LEFT JOIN teams t ON t.id = w.team_id
               LEFT JOIN rule_sets r ON r.id = t.rule_set_id
               LEFT JOIN weight_plans p ON p.wrestler_id = w.id
               LEFT JOIN LATERAL (
                    SELECT a.at, a.body_fat_pct, a.weight_kg, a.usg FROM weight_assessments a
                     WHERE a.wrestler_id = w.id AND a.at >= $2 AND a.weight_kg IS NOT NULL
                       AND (r.usg_max IS NULL OR a.usg <= r.usg_max)
                     ORDER BY a.at DESC LIMIT 1) a ON true"""
_SELECT = f"SELECT {_CONTEXT.format(recent=_RECENT)} FROM {_CONTEXT_FROM}"


async def weight_context(
    conn: PgConn, scope: Scope, wrestler_id: UUID, since: datetime, recent_since: datetime
) -> dict[str, Any] | None:
    """The wrestler with its team's rule set and settings, its plan, its latest valid assessment since
    a time, and its weights and scans since another (`weights`, `scans`, `latest`)."""
    row = await conn.fetchrow(
        f"{_SELECT} WHERE w.id = $1 AND {wrestler_predicate(4)}",
        wrestler_id,
        since,
        recent_since,
        *scope.params,
    )
    return dict(row) if row is not None else None


async def weight_contexts(
    conn: PgConn, scope: Scope, wrestler_ids: list[UUID], since: datetime, recent_since: datetime
) -> list[dict[str, Any]]:
    """weight_context of some wrestlers."""
    rows = await conn.fetch(
        f"{_SELECT} WHERE w.id = ANY($1::uuid[]) AND {wrestler_predicate(4)}",
        wrestler_ids,
        since,
        recent_since,
        *scope.params,
    )
    return [dict(r) for r in rows]


async def team_checked_contexts(
    conn: PgConn, scope: Scope, team_id: UUID, since: datetime
) -> list[dict[str, Any]]:
    """The context of every wrestler of a team, by name, with its stored daily check (`checked_on`,
    `checked_inputs`, `checked_flags`, `checked_latest`; None where there is none) instead of its
    points: one statement for the whole board."""
    rows = await conn.fetch(
        f"""SELECT {_CONTEXT.format(recent=_CHECKED)} FROM {_CONTEXT_FROM}
              LEFT JOIN weight_checks c ON c.wrestler_id = w.id
             WHERE w.team_id = $1 AND {wrestler_predicate(3)}
             ORDER BY w.name_en, w.id""",
        team_id,
        since,
        *scope.params,
    )
    return [dict(r) for r in rows]


async def save_checks(conn: PgConn, checks: list[dict[str, Any]]) -> None:
    """Store daily checks (wrestler_id, day, inputs, latest: [epoch, kg] or None, flags as JSON text),
    replacing the wrestlers' previous ones. Write path only (system)."""
    if not checks:
        return
    await conn.execute(
        """INSERT INTO weight_checks AS c (wrestler_id, day, inputs, latest_at, latest_kg, flags)
           SELECT k.w, k.d, k.i, k.t, k.kg, k.f::jsonb
             FROM unnest($1::uuid[], $2::date[], $3::text[], $4::float8[], $5::float8[], $6::text[])
                  AS k(w, d, i, t, kg, f)
           ON CONFLICT (wrestler_id) DO UPDATE
              SET day = EXCLUDED.day, inputs = EXCLUDED.inputs, latest_at = EXCLUDED.latest_at,
                  latest_kg = EXCLUDED.latest_kg, flags = EXCLUDED.flags, computed_at = now()""",
        [c["wrestler_id"] for c in checks],
        [c["day"] for c in checks],
        [c["inputs"] for c in checks],
        [c["latest"][0] if c["latest"] else None for c in checks],
        [c["latest"][1] if c["latest"] else None for c in checks],
        [c["flags"] for c in checks],
    )


async def refresh_assessments(conn: PgConn, keys: list[tuple[Any, int, date]]) -> None:
    """Refresh the assessment read model (migration 0022) for changed (wrestler, metric, local day)
    keys: for each wrestler whose weight, body fat or hydration changed, the readings from its first
    changed day to the end of the day after its last (a weight counts for 24 hours)."""
    await conn.execute(
        """SELECT refresh_weight_assessments(array_agg(w), array_agg(f), array_agg(t))
             FROM (SELECT k.w, min(k.d)::timestamp AT TIME ZONE bucket_timezone() AS f,
                          (max(k.d) + 2)::timestamp AT TIME ZONE bucket_timezone() AS t
                     FROM unnest($1::uuid[], $2::int[], $3::date[]) AS k(w, m, d)
                     JOIN metric_definitions md ON md.id = k.m AND md.key = ANY($4::text[])
                    GROUP BY k.w) r
            HAVING count(*) > 0""",
        [w for w, _, _ in keys],
        [m for _, m, _ in keys],
        [d for _, _, d in keys],
        list(ASSESSMENT_KEYS),
    )


async def changed_check_wrestlers(conn: PgConn, keys: list[tuple[Any, int, date]]) -> list[UUID]:
    """The wrestlers among changed (wrestler, metric, local day) keys whose weights, scans, body fat or
    hydration changed: their stored daily checks are out of date."""
    return [
        r["w"]
        for r in await conn.fetch(
            """SELECT DISTINCT k.w FROM unnest($1::uuid[], $2::int[]) AS k(w, m)
                 JOIN metric_definitions md ON md.id = k.m AND md.key = ANY($3::text[])""",
            [w for w, _, _ in keys],
            [m for _, m, _ in keys],
            list(CHECK_KEYS),
        )
    ]


async def team_wrestler_ids(conn: PgConn, team_id: UUID) -> list[UUID]:
    return [r["id"] for r in await conn.fetch("SELECT id FROM wrestlers WHERE team_id = $1", team_id)]


async def unchecked_wrestlers(conn: PgConn, limit: int) -> list[UUID]:
    """Wrestlers with a weight or a scan on record and no stored daily check."""
    rows = await conn.fetch(
        """SELECT w.id FROM wrestlers w
            WHERE NOT EXISTS (SELECT 1 FROM weight_checks c WHERE c.wrestler_id = w.id)
              AND EXISTS (SELECT 1 FROM body_composition_metrics m
                            JOIN metric_definitions md ON md.id = m.metric_id
                           WHERE m.wrestler_id = w.id AND md.key IN ('weight', 'ecw_tbw_ratio'))
            LIMIT $1""",
        limit,
    )
    return [r["id"] for r in rows]


async def set_plan(
    conn: PgConn, scope: Scope, wrestler_id: UUID, target_kg: float, target_date: date | None, user_id: UUID
) -> bool:
    """Insert or replace a wrestler's plan; False when the wrestler is out of scope."""
    done = await conn.fetchval(
        f"""INSERT INTO weight_plans (wrestler_id, target_class_kg, target_date, updated_by)
            SELECT $1, $2, $3, $4 WHERE {wrestler_guard("$1", 5)}
            ON CONFLICT (wrestler_id) DO UPDATE
               SET target_class_kg = EXCLUDED.target_class_kg, target_date = EXCLUDED.target_date,
                   updated_by = EXCLUDED.updated_by, updated_at = now()
            RETURNING true""",
        wrestler_id,
        target_kg,
        target_date,
        user_id,
        *scope.params,
    )
    return bool(done)


_WEIGH_IN = """i.id, i.wrestler_id, i.weighed_at, i.weight_kg, i.source, i.event, i.recorded_by,
               u.name AS recorded_by_name, i.recorded_at, i.supersedes, i.reason, i.batch_id,
               (SELECT c.id FROM weigh_ins c WHERE c.supersedes = i.id) AS superseded_by"""


async def weigh_ins(
    conn: PgConn, scope: Scope, wrestler_id: UUID, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """The ledger of a wrestler, newest weigh-in first (corrections and what they superseded
    included), with the total."""
    rows = await conn.fetch(
        f"""SELECT {_WEIGH_IN}, count(*) OVER () AS total
              FROM weigh_ins i LEFT JOIN users u ON u.id = i.recorded_by
             WHERE i.wrestler_id = $1 AND {wrestler_guard("i.wrestler_id", 4)}
             ORDER BY i.weighed_at DESC, i.recorded_at DESC, i.id LIMIT $2 OFFSET $3""",
        wrestler_id,
        limit,
        offset,
        *scope.params,
    )
    total = rows[0]["total"] if rows else 0
    return list(rows), int(total)


async def weigh_in(conn: PgConn, scope: Scope, weigh_in_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""SELECT {_WEIGH_IN} FROM weigh_ins i LEFT JOIN users u ON u.id = i.recorded_by
             WHERE i.id = $1 AND {wrestler_guard("i.wrestler_id", 2)}""",
        weigh_in_id,
        *scope.params,
    )


async def insert_weigh_in(
    conn: PgConn,
    scope: Scope,
    wrestler_id: UUID,
    weighed_at: datetime,
    weight_kg: float,
    source: str,
    event: str | None,
    recorded_by: UUID | None,
    batch_id: int,
    supersedes: UUID | None = None,
    reason: str | None = None,
) -> UUID | None:
    """A ledger row (a correction when `supersedes` names the row it replaces); None out of scope.
    A row that was already superseded cannot be superseded again (unique constraint)."""
    return await conn.fetchval(  # type: ignore[no-any-return]
        f"""INSERT INTO weigh_ins (wrestler_id, weighed_at, weight_kg, source, event, recorded_by, batch_id,
                                   supersedes, reason)
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE {wrestler_guard("$1", 10)}
            RETURNING id""",
        wrestler_id,
        weighed_at,
        weight_kg,
        source,
        event,
        recorded_by,
        batch_id,
        supersedes,
        reason,
        *scope.params,
    )


async def team_settings(conn: PgConn, scope: Scope, team_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""SELECT t.id, t.rule_set_id, t.body_fat_floor_override, t.rapid_loss_pct, t.rapid_loss_hours
              FROM teams t WHERE t.id = $1 AND {team_predicate(2)}""",
        team_id,
        *scope.team_params,
    )


async def update_team_settings(
    conn: PgConn,
    scope: Scope,
    team_id: UUID,
    rule_set_id: int | None,
    body_fat_floor_override: float | None,
    rapid_loss_pct: float,
    rapid_loss_hours: int,
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""UPDATE teams t SET rule_set_id = $2, body_fat_floor_override = $3, rapid_loss_pct = $4,
                   rapid_loss_hours = $5, updated_at = now()
             WHERE t.id = $1 AND {team_predicate(6)}
         RETURNING t.id, t.rule_set_id, t.body_fat_floor_override, t.rapid_loss_pct, t.rapid_loss_hours""",
        team_id,
        rule_set_id,
        body_fat_floor_override,
        rapid_loss_pct,
        rapid_loss_hours,
        *scope.team_params,
    )
