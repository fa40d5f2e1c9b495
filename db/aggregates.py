"""Continuous-aggregate mode (Timescale-licensed servers): finishing refreshes after commit.

`refresh_continuous_aggregate()` cannot run inside a transaction, and rows landing in an already
materialised bucket stay invisible until that window is refreshed. So refresh_daily() records the
affected ranges in aggregate_refresh_queue inside the ingest transaction, and this module refreshes
from that record right after commit; a periodic job finishes anything left over (a crash between
commit and refresh). In incremental mode (the Apache edition) the queue stays empty.

Archived periods (db/archive.py) have no raw rows left, and drop_chunks marked their range invalidated:
no refresh window may cover them, or the refresh would delete their daily rows.
"""

from __future__ import annotations

from datetime import timedelta

from db import archive as archive_sql
from db import data_versions as data_versions_sql
from db.types import PgConn

DRAIN_LOCK_KEY = 7_120_452
# refresh_continuous_aggregate() refreshes only the buckets that lie wholly inside its window, and a
# local day is 25 hours long where the zone's offset changed: queued ranges end 24 hours after their
# last bucket starts, so the window reaches this much further.
_WINDOW_SLACK = "2 hours"
# A window shorter than any local day holds no whole bucket (refresh_continuous_aggregate refuses it).
_SHORTEST_DAY = timedelta(hours=20)


async def aggregate_mode(conn: PgConn) -> str:
    return str(await conn.fetchval("SELECT aggregate_mode()"))


async def refresh_pending(conn: PgConn) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM aggregate_refresh_queue)"))


async def drain_refresh_queue(conn: PgConn) -> list[str]:
    """Refresh continuous aggregates and snapshots for every queued range; return the wrestler ids
    whose snapshots were refreshed. Must be called outside a transaction.

    Drains are serialised by a session advisory lock; a caller that finds one running waits for it
    and then drains what is left, so its own committed rows are refreshed before it returns. Each
    drain deletes exactly the queue rows it read: a row committed while a refresh runs stays queued
    for the next drain."""
    await conn.execute("SELECT pg_advisory_lock($1)", DRAIN_LOCK_KEY)
    try:
        rows = await conn.fetch(f"""
            SELECT domain, array_agg(id) AS ids,
                   min(range_start) AS range_start, max(range_end) + interval '{_WINDOW_SLACK}' AS range_end,
                   array_agg(wrestler_id) FILTER (WHERE metric_id <> 0) AS wrestlers,
                   array_agg(metric_id) FILTER (WHERE metric_id <> 0) AS metrics,
                   array_agg(DISTINCT wrestler_id::text) AS all_wrestlers
              FROM aggregate_refresh_queue GROUP BY domain""")
        touched: set[str] = set()
        for r in rows:
            start = None if r["range_start"].year <= 1 else r["range_start"]
            end = None if r["range_end"].year >= 9999 else r["range_end"]
            # A refresh over archived days would find their raw rows gone and delete the daily rows:
            # the window leaves out every archived period (widened to whole local days).
            for lo, hi in archive_sql.outside(start, end, await archive_sql.locked_ranges(conn, r["domain"])):
                if lo is not None and hi is not None and hi - lo < _SHORTEST_DAY:
                    continue
                # The window parameters are declared "any": they need explicit types.
                await conn.execute(
                    "CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)",
                    f"{r['domain']}_daily",
                    lo,
                    hi,
                )
            async with conn.transaction():
                # Their daily rows just changed: their payloads must not be served from before.
                await data_versions_sql.touch_wrestlers(conn, r["all_wrestlers"])
                if r["wrestlers"]:
                    await conn.execute(
                        "SELECT refresh_snapshots($1, $2, $3)", r["domain"], r["wrestlers"], r["metrics"]
                    )
                await conn.execute(
                    "DELETE FROM aggregate_refresh_queue WHERE id = ANY($1::bigint[])", r["ids"]
                )
            touched.update(r["all_wrestlers"])
        return sorted(touched)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", DRAIN_LOCK_KEY)
