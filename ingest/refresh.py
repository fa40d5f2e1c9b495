"""What follows a write, in the same transaction: daily aggregates and snapshots for exactly the
changed (wrestler, metric, day) keys, then the section scores of the wrestlers concerned."""

from __future__ import annotations

from db import series as series_sql
from db.types import PgConn


async def refresh_derived(conn: PgConn) -> list[str]:
    """Refresh everything derived from the keys changed in this transaction; return the wrestler ids."""
    return await series_sql.refresh_changed(conn)
