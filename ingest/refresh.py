"""What follows a write, in the same transaction: daily aggregates and snapshots for exactly the
changed (wrestler, metric, day) keys, then the section scores of the wrestlers concerned."""

from __future__ import annotations

from db import series as series_sql
from db.types import PgConn
from query.score_refresh import recompute_scores


async def refresh_derived(conn: PgConn) -> list[str]:
    """Refresh everything derived from the keys changed in this transaction; return the wrestler ids."""
    wrestlers = await series_sql.refresh_changed(conn)
    await recompute_scores(conn, wrestlers)
    return wrestlers
