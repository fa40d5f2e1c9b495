"""SQL for the dashboard reads: snapshots, daily aggregates, raw series, team boards, the catalog.

Each function is one statement, restricted to the caller's scope (db.scope: a function called with
an out-of-scope scope reads nothing). Results come back columnar (one row of arrays, epoch numbers and
day numbers instead of Python datetimes) and are handed to Polars. Metric ids are resolved by
joining metric_definitions on the key, and a per-domain table is chosen by a gated UNION ALL branch
(`md.domain = '<domain>'` is a one-time filter, so only the metric's own table is read); the chart
reads (daily_latest), the hottest, resolve built-in keys from a per-process map instead and name
only the tables they read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import polars as pl

from core.access import Scope
from core.domains import DOMAIN_KEYS
from db.catalog import CATALOG_COLUMNS
from db.literals import zone_literal
from db.scope import team_predicate, wrestler_guard
from db.types import PgConn

MAX_SERIES_POINTS = 5000

# Local day number (days since 1970-01-01 in the bucket time zone) of a timestamptz expression.
_DAY = "(({0} AT TIME ZONE tz.z)::date - date '1970-01-01')"
_TZ = "CROSS JOIN (SELECT bucket_timezone() AS z) tz"


def frame(row: asyncpg.Record | None, schema: dict[str, Any]) -> pl.DataFrame:
    """A DataFrame from one row of aligned arrays named like the schema's columns."""
    if row is None or row[0] is None:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame({name: row[name] for name in schema}, schema=schema)


def _arrays(**columns: str) -> str:
    return ", ".join(f"array_agg({expr}) AS {name}" for name, expr in columns.items())


SNAPSHOT_SCHEMA: dict[str, Any] = {
    "key": pl.String,
    "value": pl.Float64,
    "previous_value": pl.Float64,
    "recorded_at": pl.Float64,
    "day": pl.Int32,
    "name_en": pl.String,
    "name_fa": pl.String,
}


async def _snapshot_row(
    conn: PgConn, scope: Scope, wrestler_id: UUID, keys: list[str], extra: str = ""
) -> asyncpg.Record | None:
    """$1 the wrestler, $2 the keys, $3..$5 the scope (for `extra` too)."""
    union = " UNION ALL ".join(
        f"SELECT metric_id, value, previous_value, recorded_at FROM {d}_metrics WHERE wrestler_id = $1"
        for d in DOMAIN_KEYS
    )
    return await conn.fetchrow(
        f"""SELECT {
            _arrays(
                key="md.key",
                value="m.value",
                previous_value="m.previous_value",
                recorded_at="extract(epoch FROM m.recorded_at)::float8",
                day=_DAY.format("m.recorded_at"),
                name_en="md.name_en",
                name_fa="md.name_fa",
            )
        }{extra}
              FROM metric_definitions md
              LEFT JOIN ({union}) m ON m.metric_id = md.id
              {_TZ}
             WHERE md.key = ANY($2::text[]) AND {wrestler_guard("$1", 3)}""",
        wrestler_id,
        keys,
        *scope.params,
    )


async def snapshots(conn: PgConn, scope: Scope, wrestler_id: UUID, keys: list[str]) -> pl.DataFrame:
    """Latest value (and the previous day's) of the given metrics, whatever their domain: one row
    per known key, value null when the wrestler has none (the display names are always there)."""
    return frame(await _snapshot_row(conn, scope, wrestler_id, keys), SNAPSHOT_SCHEMA)


async def snapshots_and_overall(
    conn: PgConn, scope: Scope, wrestler_id: UUID, keys: list[str], n: int
) -> tuple[pl.DataFrame, list[float]]:
    """snapshots() and the latest `n` overall scores (newest first), in one round trip."""
    row = await _snapshot_row(
        conn,
        scope,
        wrestler_id,
        keys,
        f""",
               (SELECT array_agg(o.score ORDER BY o.id DESC)
                  FROM (SELECT id, score FROM section_scores
                         WHERE wrestler_id = $1 AND section_key = 'overall' AND {wrestler_guard("$1", 3)}
                         ORDER BY id DESC LIMIT {int(n)}) o) AS overall""",
    )
    overall = [float(v) for v in (row["overall"] or [])] if row is not None else []
    return frame(row, SNAPSHOT_SCHEMA), overall


DAILY_SCHEMA: dict[str, Any] = {"key": pl.String, "date": pl.String, "value": pl.Float64}


# Built-in metrics (key -> id, domain): fixed by the catalog migration, so identical in every
# database of this schema and safe to keep per process. Custom metrics are always looked up.
_BUILTIN_METRICS: dict[str, tuple[int, str]] = {}


async def metric_refs(conn: PgConn, keys: list[str]) -> dict[str, tuple[int, str]]:
    """Id and domain of each known key (unknown keys are left out)."""
    missing = [k for k in keys if k not in _BUILTIN_METRICS]
    found = {k: _BUILTIN_METRICS[k] for k in keys if k in _BUILTIN_METRICS}
    if missing:
        for r in await conn.fetch(
            "SELECT key, id, domain, custom FROM metric_definitions WHERE key = ANY($1::text[])", missing
        ):
            found[r["key"]] = (r["id"], r["domain"])
            if not r["custom"]:
                _BUILTIN_METRICS[r["key"]] = (r["id"], r["domain"])
    return found


async def _daily_branches(
    conn: PgConn, args: list[Any], keys: list[str], limit: int, tz: str, latest: Sequence[str]
) -> list[str]:
    """daily_latest's SELECTs, one per domain, (key, dates[], values[]) per metric with data; their
    parameters are appended to `args` ($1 is the wrestler, then the scope)."""
    wanted = {**dict.fromkeys(latest, 1), **dict.fromkeys(keys, limit)}
    by_domain: dict[str, list[tuple[str, int, int]]] = {}
    for key, (metric_id, domain) in (await metric_refs(conn, list(wanted))).items():
        by_domain.setdefault(domain, []).append((key, metric_id, wanted[key]))
    branches = []
    zone = zone_literal(tz)
    for domain, refs in by_domain.items():
        args += [[k for k, _, _ in refs], [i for _, i, _ in refs], [n for _, _, n in refs]]
        n = len(args)
        branches.append(f"""
            SELECT m.key, x.d, x.v
              FROM unnest(${n - 2}::text[], ${n - 1}::int[], ${n}::int[]) AS m(key, id, n)
              CROSS JOIN LATERAL (
                SELECT array_agg(to_char(y.bucket AT TIME ZONE {zone}, 'YYYY-MM-DD')) AS d,
                       array_agg(y.last_value) AS v
                  FROM (SELECT d.bucket, d.last_value FROM {domain}_daily d
                         WHERE d.wrestler_id = $1 AND d.metric_id = m.id
                         ORDER BY d.bucket DESC LIMIT m.n) y) x
             WHERE x.d IS NOT NULL""")
    return branches


def _daily_frame(keys: list[str], dates: list[list[str]], values: list[list[float]]) -> pl.LazyFrame:
    flat = pl.DataFrame(
        {
            "key": [k for k, d in zip(keys, dates, strict=True) for _ in d],
            "date": [x for d in dates for x in d],
            "value": [x for v in values for x in v],
        },
        schema=DAILY_SCHEMA,
    )
    return flat.lazy()


async def daily_latest(
    conn: PgConn,
    scope: Scope,
    wrestler_id: UUID,
    keys: list[str],
    limit: int,
    tz: str,
    latest: Sequence[str] = (),
) -> pl.LazyFrame:
    """Per metric, the day's last value on its latest `limit` days with data (the caller keeps the
    latest `limit` days across metrics: each of them is among some metric's latest `limit`), with
    the day as its ISO date in `tz`, the bucket time zone (AppState.bucket_timezone); for the keys
    of `latest` only their latest day (what their snapshot holds). One row per metric with two
    arrays: no per-point Python objects. Only the daily tables of the keys' domains are named.
    Lazy, DAILY_SCHEMA: the caller's computation runs in the same single collect."""
    args: list[Any] = [wrestler_id, *scope.params]
    branches = await _daily_branches(conn, args, keys, limit, tz, latest)
    query = f"SELECT * FROM ({' UNION ALL '.join(branches)}) u WHERE {wrestler_guard('$1', 2)}"
    rows = await conn.fetch(query, *args) if branches else []
    return _daily_frame([r["key"] for r in rows], [r["d"] for r in rows], [r["v"] for r in rows])


STACK_SCHEMA: dict[str, Any] = {
    "key": pl.String,
    "name_en": pl.String,
    "name_fa": pl.String,
    "days": pl.Int64,
}


def _stack_select(wrestler: str, exclude: str, window_days: str, guard: str) -> str:
    """The supplement stack as one row of arrays: the supplements the wrestler has logged (a snapshot
    exists) and on how many of the last `window_days` local days (today included) each was logged."""
    return f"""
        SELECT {_arrays(key="s.key", name_en="s.name_en", name_fa="s.name_fa", days="s.days")}
          FROM (
            SELECT md.key, md.name_en, md.name_fa, count(d.bucket) AS days
              FROM supplements_metrics m
              JOIN metric_definitions md ON md.id = m.metric_id
              {_TZ}
              LEFT JOIN supplements_daily d
                     ON d.wrestler_id = m.wrestler_id AND d.metric_id = m.metric_id
                    AND d.bucket >= (((now() AT TIME ZONE tz.z)::date - ({window_days}::int - 1))::timestamp
                                     AT TIME ZONE tz.z)
             WHERE m.wrestler_id = {wrestler} AND NOT (md.key = ANY({exclude}::text[])) AND {guard}
             GROUP BY md.key, md.name_en, md.name_fa
             ORDER BY md.key) s"""


async def supplement_charts(
    conn: PgConn,
    scope: Scope,
    wrestler_id: UUID,
    keys: list[str],
    limit: int,
    tz: str,
    exclude: list[str],
    window_days: int,
) -> tuple[pl.LazyFrame, pl.DataFrame]:
    """daily_latest() and the supplement stack (_stack_select) in one round trip: the daily points
    as flat arrays beside the stack's arrays, in one row."""
    args: list[Any] = [wrestler_id, *scope.params]
    guard = wrestler_guard("$1", 2)
    branches = await _daily_branches(conn, args, keys, limit, tz, ())
    args += [exclude, window_days]
    stack = _stack_select("$1", f"${len(args) - 1}", f"${len(args)}", guard)
    daily = (
        f"""SELECT array_agg(f.key) AS dk, array_agg(f.d) AS dd, array_agg(f.v) AS dv
              FROM (SELECT q.key, unnest(q.d) AS d, unnest(q.v) AS v
                      FROM ({" UNION ALL ".join(branches)}) q WHERE {guard}) f"""
        if branches
        else "SELECT NULL::text[] AS dk, NULL::text[] AS dd, NULL::float8[] AS dv"
    )
    row = await conn.fetchrow(f"SELECT st.*, da.* FROM ({stack}) st CROSS JOIN ({daily}) da", *args)
    assert row is not None
    points = pl.DataFrame(
        {"key": row["dk"] or [], "date": row["dd"] or [], "value": row["dv"] or []}, schema=DAILY_SCHEMA
    )
    lazy = points.lazy()
    return lazy, frame(row, STACK_SCHEMA)


# --- generic series (API.md §4)
SERIES_SCHEMA: dict[str, Any] = {
    "key": pl.String,
    "unit": pl.String,
    "t": pl.Float64,
    "value": pl.Float64,
    "min": pl.Float64,
    "max": pl.Float64,
    "count": pl.Int64,
}
_AGG_SQL = {
    "avg": "sum(d.avg_value * d.sample_count) / sum(d.sample_count)",
    "min": "min(d.min_value)",
    "max": "max(d.max_value)",
    "last": "last(d.last_value, d.last_at)",
    "sum": "sum(d.avg_value * d.sample_count)",
    "count": "sum(d.sample_count)::float8",
}
_PERIOD_SQL = {
    "day": "d.bucket",
    "week": "(date_trunc('week', d.bucket AT TIME ZONE tz.z) AT TIME ZONE tz.z)",
    "month": "(date_trunc('month', d.bucket AT TIME ZONE tz.z) AT TIME ZONE tz.z)",
}


async def series_points(
    conn: PgConn,
    scope: Scope,
    wrestler_id: UUID,
    keys: list[str],
    start: datetime,
    end: datetime,
    bucket: str,
    agg: str,
) -> pl.DataFrame:
    """Points of each metric in [start, end): raw rows, or day/week/month buckets from the daily
    aggregate. At most MAX_SERIES_POINTS + 1 per metric (one more tells the caller it overflowed).
    Every known metric yields at least one row (t null when it has no points)."""
    if bucket == "raw":
        branches = " UNION ALL ".join(
            f"""(SELECT extract(epoch FROM s.recorded_at)::float8 AS t, s.value, NULL::float8 AS mn,
                        NULL::float8 AS mx, 1::bigint AS n
                   FROM {d}_series s
                  WHERE md.domain = '{d}' AND s.wrestler_id = $1 AND s.metric_id = md.id
                    AND s.recorded_at >= $3 AND s.recorded_at < $4
                  ORDER BY s.recorded_at LIMIT {MAX_SERIES_POINTS + 1})"""
            for d in DOMAIN_KEYS
        )
    else:
        period = _PERIOD_SQL[bucket]
        value = _AGG_SQL[agg]
        branches = " UNION ALL ".join(
            f"""(SELECT extract(epoch FROM {period})::float8 AS t, {value} AS value,
                        min(d.min_value) AS mn, max(d.max_value) AS mx, sum(d.sample_count)::bigint AS n
                   FROM {d}_daily d
                  WHERE md.domain = '{d}' AND d.wrestler_id = $1 AND d.metric_id = md.id
                    AND d.bucket >= $3 AND d.bucket < $4
                  GROUP BY 1 ORDER BY 1 LIMIT {MAX_SERIES_POINTS + 1})"""
            for d in DOMAIN_KEYS
        )
    row = await conn.fetchrow(
        f"""SELECT {
            _arrays(
                key="md.key", unit="md.unit", t="x.t", value="x.value", min="x.mn", max="x.mx", count="x.n"
            )
        }
              FROM metric_definitions md
              {_TZ}
              LEFT JOIN LATERAL ({branches}) x ON true
             WHERE md.key = ANY($2::text[]) AND {wrestler_guard("$1", 5)}""",
        wrestler_id,
        keys,
        start,
        end,
        *scope.params,
    )
    return frame(row, SERIES_SCHEMA)


# --- catalog
async def metric_catalog(conn: PgConn) -> list[asyncpg.Record]:
    return await conn.fetch(f"SELECT {CATALOG_COLUMNS} FROM metric_definitions ORDER BY domain, id")


# --- team board
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
                   a.id, a.name_fa, a.weight_class, a.status, a.score, a.weeks
              FROM teams t
              LEFT JOIN LATERAL (
                SELECT w.id, w.name_fa, w.name_en, w.weight_class, w.status, o.score, tw.weeks
                  FROM wrestlers w
                  {_LATEST_OVERALL}
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
