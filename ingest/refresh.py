"""What follows a write. In the same transaction: daily aggregates and snapshots for exactly the
changed (wrestler, metric, day) keys, then the section scores of the wrestlers concerned. After the
commit, on Timescale-licensed servers: the continuous-aggregate refreshes that cannot run inside a
transaction (db.aggregates), then the scores again, now that the snapshots see the new days."""

from __future__ import annotations

from db import aggregates as aggregates_sql
from db import series as series_sql
from db.types import PgConn
from query.score_refresh import recompute_scores


async def refresh_derived(conn: PgConn) -> list[str]:
    """Refresh everything derived from the keys changed in this transaction; return the wrestler ids."""
    wrestlers = await series_sql.refresh_changed(conn)
    await recompute_scores(conn, wrestlers)
    return wrestlers


async def finish_after_commit(conn: PgConn) -> list[str]:
    """Outside a transaction, after a write committed: drain the continuous-aggregate refresh queue
    (always empty on the Apache edition, where refresh_derived did everything) and recompute the
    scores it affects; return those wrestler ids."""
    if not await aggregates_sql.refresh_pending(conn):
        return []
    touched = await aggregates_sql.drain_refresh_queue(conn)
    if touched:
        async with conn.transaction():
            await recompute_scores(conn, touched)
    return touched
