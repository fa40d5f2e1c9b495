"""SQL for the chart reads: each metric's last value per day on its latest days, from the daily
aggregates of the metrics' own domains only, and the supplement stack; one statement each, scoped.
Built-in metric ids are resolved from a per-process map (they are fixed by the catalog migration)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import polars as pl

from core.access import Scope
from db.columnar import TZ, arrays, frame
from db.literals import zone_literal
from db.scope import wrestler_guard
from db.types import PgConn

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
        SELECT {arrays(key="s.key", name_en="s.name_en", name_fa="s.name_fa", days="s.days")}
          FROM (
            SELECT md.key, md.name_en, md.name_fa, count(d.bucket) AS days
              FROM supplements_metrics m
              JOIN metric_definitions md ON md.id = m.metric_id
              {TZ}
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
