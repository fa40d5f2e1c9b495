"""Baseline alerts, computed by the write path for exactly the (wrestler, metric, day) keys a
transaction changed (never by scanning on read): each changed recent day is evaluated against the
athlete's own previous 28 days (query.baselines) and its alert stored or removed.

Only days of the last EVAL_DAYS are evaluated: an import of years of history does not raise alerts
about its old days. On a Timescale-licensed server the daily aggregates are refreshed after the
commit, so the evaluation follows that refresh (finish_after_commit) for the wrestlers it touched."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import polars as pl

from db import alerts as alerts_sql
from db.types import PgConn
from query.baselines import (
    DAILY_LOOKBACK_DAYS,
    DAILY_SCHEMA,
    EVAL_SCHEMA,
    ROLLING_LN,
    THRESHOLD_SCHEMA,
    evaluate,
    evidence,
)

EVAL_DAYS = 60


async def refresh_alerts(conn: PgConn, keys: Iterable[tuple[Any, int, date]], today: date) -> int:
    """Evaluate the changed keys of the EVAL_DAYS before `today` (the local day); return how many
    alerts they hold now."""
    recent = sorted({(str(w), m, d) for w, m, d in keys if today - timedelta(days=EVAL_DAYS) <= d <= today})
    if not recent:
        return 0
    days = pl.DataFrame(recent, schema=EVAL_SCHEMA, orient="row")
    pairs = days.select("wrestler_id", "metric_id").unique()
    wrestlers, metrics = pairs["wrestler_id"].to_list(), pairs["metric_id"].to_list()
    first = min(d for _, _, d in recent) - timedelta(days=DAILY_LOOKBACK_DAYS)
    last = max(d for _, _, d in recent)
    daily_rows = await alerts_sql.daily_values(conn, wrestlers, metrics, first, last)
    daily = pl.DataFrame(
        [(str(r["wrestler_id"]), r["metric_id"], r["day"], r["value"]) for r in daily_rows],
        schema=DAILY_SCHEMA,
        orient="row",
    )
    limits = pl.DataFrame(
        [
            (
                str(r["wrestler_id"]),
                r["metric_id"],
                r["typical_error"],
                r["smallest_change"],
                r["k"],
                r["metric_key"] in ROLLING_LN,
            )
            for r in await alerts_sql.thresholds(conn, wrestlers, metrics)
        ],
        schema=THRESHOLD_SCHEMA,
        orient="row",
    )
    out = evaluate(daily, days, limits)
    kept = [
        {
            **{k: row[k] for k in ("wrestler_id", "metric_id", "day", "level", "real_change")},
            "evidence": evidence(row),
        }
        for row in out.filter(pl.col("keep")).iter_rows(named=True)
    ]
    await alerts_sql.replace_alerts(
        conn, (days["wrestler_id"].to_list(), days["metric_id"].to_list(), days["day"].to_list()), kept
    )
    return len(kept)


async def refresh_recent_alerts(conn: PgConn, wrestlers: list[str], today: date) -> int:
    """Every recent day with data of these wrestlers (after a continuous-aggregate refresh)."""
    if not wrestlers:
        return 0
    keys = await alerts_sql.recent_keys(conn, wrestlers, today - timedelta(days=EVAL_DAYS), today)
    return await refresh_alerts(conn, [(r["wrestler_id"], r["metric_id"], r["day"]) for r in keys], today)
