"""SQL for baseline alerts: the daily values (each day's last value, from the daily aggregates) and
the thresholds (catalog defaults, team overrides) of some (wrestler, metric) pairs, the replacement of
their alerts for the evaluated days, and the scoped reads of a wrestler's or a team's alerts."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from core.access import Scope
from core.domains import DOMAIN_KEYS
from db.scope import team_predicate, wrestler_guard
from db.types import PgConn


def _local_days(bucket: str, first: int) -> str:
    """`bucket` within the local days [$first, $first+1] (dates) in the bucket time zone."""
    return (
        f"{bucket} >= ((${first}::date)::timestamp AT TIME ZONE bucket_timezone())"
        f" AND {bucket} < ((${first + 1}::date + 1)::timestamp AT TIME ZONE bucket_timezone())"
    )


async def daily_values(
    conn: PgConn, wrestlers: list[str], metrics: list[int], first: date, last: date
) -> list[asyncpg.Record]:
    """(wrestler_id, metric_id, day, value) of the given pairs on the local days [first, last]."""
    branches = " UNION ALL ".join(
        f"""SELECT d.wrestler_id, d.metric_id, (d.bucket AT TIME ZONE bucket_timezone())::date AS day,
                   d.last_value AS value
              FROM {d}_daily d JOIN p ON p.w = d.wrestler_id AND p.m = d.metric_id
             WHERE {_local_days("d.bucket", 3)}"""
        for d in DOMAIN_KEYS
    )
    return list(
        await conn.fetch(
            f"""WITH p AS (SELECT DISTINCT * FROM unnest($1::uuid[], $2::int[]) AS x(w, m))
                {branches}""",
            wrestlers,
            metrics,
            first,
            last,
        )
    )


async def thresholds(conn: PgConn, wrestlers: list[str], metrics: list[int]) -> list[asyncpg.Record]:
    """Per pair: the team's typical error, smallest worthwhile change and k, else the catalog's, and
    the metric's catalog key."""
    return list(
        await conn.fetch(
            """SELECT p.w AS wrestler_id, p.m AS metric_id,
                      coalesce(t.typical_error, md.typical_error) AS typical_error,
                      coalesce(t.smallest_change, md.smallest_change) AS smallest_change, t.k,
                      md.key AS metric_key
                 FROM (SELECT DISTINCT * FROM unnest($1::uuid[], $2::int[]) AS x(w, m)) p
                 JOIN metric_definitions md ON md.id = p.m
                 JOIN wrestlers w ON w.id = p.w
                 LEFT JOIN team_metric_thresholds t ON t.team_id = w.team_id AND t.metric_id = p.m""",
            wrestlers,
            metrics,
        )
    )


async def replace_alerts(
    conn: PgConn, evaluated: tuple[list[str], list[int], list[date]], kept: list[dict[str, Any]]
) -> None:
    """The alerts of the evaluated (wrestler, metric, day) keys become `kept` (an alert that no longer
    holds, after a correction, goes)."""
    wrestlers, metrics, days = evaluated
    await conn.execute(
        """DELETE FROM alerts a USING unnest($1::uuid[], $2::int[], $3::date[]) AS k(w, m, d)
            WHERE a.wrestler_id = k.w AND a.metric_id = k.m AND a.day = k.d""",
        wrestlers,
        metrics,
        days,
    )
    if kept:
        await conn.execute(
            """INSERT INTO alerts (wrestler_id, metric_id, day, level, real_change, evidence)
               SELECT k.w, k.m, k.d, k.l, k.r, k.e::jsonb
                 FROM unnest($1::uuid[], $2::int[], $3::date[], $4::text[], $5::bool[], $6::text[])
                      AS k(w, m, d, l, r, e)""",
            [k["wrestler_id"] for k in kept],
            [k["metric_id"] for k in kept],
            [k["day"] for k in kept],
            [k["level"] for k in kept],
            [k["real_change"] for k in kept],
            [orjson.dumps(k["evidence"]).decode() for k in kept],
        )


_ALERT = """a.id, a.wrestler_id, w.name_en, w.name_fa, md.key AS metric, md.unit, a.day, a.level,
            a.real_change, a.evidence, a.computed_at"""
_FROM = """alerts a JOIN wrestlers w ON w.id = a.wrestler_id
           JOIN metric_definitions md ON md.id = a.metric_id"""


async def wrestler_alerts(
    conn: PgConn, scope: Scope, wrestler_id: UUID, since: date, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(
        f"""SELECT {_ALERT}, count(*) OVER () AS total
              FROM {_FROM}
             WHERE a.wrestler_id = $1 AND a.day >= $2 AND {wrestler_guard("$1", 5)}
             ORDER BY a.day DESC, a.id DESC LIMIT $3 OFFSET $4""",
        wrestler_id,
        since,
        limit,
        offset,
        *scope.params,
    )
    return list(rows), int(rows[0]["total"]) if rows else 0


async def team_alerts(
    conn: PgConn, scope: Scope, team_id: UUID, since: date, limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """A team's alerts since a day, newest first, and their total: the page and the count come from
    the (team_id, day, id) index alone, the evidence (as its JSON text, `evidence_json`) is read for the
    page's rows only. An alert's team is its wrestler's (migration 0024), and a scope that reaches a
    team reaches all its wrestlers, so the team's predicate is the whole scope test."""
    rows = await conn.fetch(
        f"""WITH page AS (
                 SELECT a.id FROM alerts a
                  WHERE a.team_id = $1 AND a.day >= $2
                    AND EXISTS (SELECT 1 FROM teams t WHERE t.id = $1 AND {team_predicate(5)})
                  ORDER BY a.day DESC, a.id DESC LIMIT $3 OFFSET $4)
            SELECT a.id, a.wrestler_id, w.name_en, w.name_fa, md.key AS metric, md.unit, a.day, a.level,
                   a.real_change, a.evidence::text AS evidence_json, a.computed_at,
                   (SELECT count(*) FROM alerts c WHERE c.team_id = $1 AND c.day >= $2) AS total
              FROM page JOIN alerts a ON a.id = page.id
              JOIN wrestlers w ON w.id = a.wrestler_id
              JOIN metric_definitions md ON md.id = a.metric_id
             ORDER BY a.day DESC, a.id DESC""",
        team_id,
        since,
        limit,
        offset,
        *scope.team_params,
    )
    return list(rows), int(rows[0]["total"]) if rows else 0


async def recent_keys(conn: PgConn, wrestlers: list[str], first: date, last: date) -> list[asyncpg.Record]:
    """(wrestler_id, metric_id, day) of every day with data in [first, last] of some wrestlers."""
    branches = " UNION ALL ".join(
        f"""SELECT d.wrestler_id, d.metric_id, (d.bucket AT TIME ZONE bucket_timezone())::date AS day
              FROM {d}_daily d
             WHERE d.wrestler_id = ANY($1::uuid[]) AND {_local_days("d.bucket", 2)}"""
        for d in DOMAIN_KEYS
    )
    return list(await conn.fetch(branches, wrestlers, first, last))


async def alerts_for(
    conn: PgConn, scope: Scope, wrestler_id: UUID, keys: list[str], first: date, last: date
) -> list[asyncpg.Record]:
    """A wrestler's alerts on some metrics (catalog keys) between two days, oldest first."""
    return list(
        await conn.fetch(
            f"""SELECT {_ALERT} FROM {_FROM}
                 WHERE a.wrestler_id = $1 AND md.key = ANY($2::text[]) AND a.day BETWEEN $3 AND $4
                   AND {wrestler_guard("$1", 5)}
                 ORDER BY a.day, a.id""",
            wrestler_id,
            keys,
            first,
            last,
            *scope.params,
        )
    )
