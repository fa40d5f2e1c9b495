"""Deleting a wrestler and all of its data, through the write path: in a transaction of its own,
finished after commit (on Timescale-licensed servers the deletion queues a refresh of the
continuous aggregates, db/schema/0003 delete_wrestler_series)."""

from __future__ import annotations

from uuid import UUID

from core.access import Scope
from db import wrestlers as wrestlers_sql
from db.types import PgConn
from ingest.refresh import write_transaction


async def delete_wrestler(conn: PgConn, scope: Scope, wrestler_id: UUID) -> bool:
    """False when the wrestler is not in the scope (nothing deleted)."""
    async with write_transaction(conn):
        return await wrestlers_sql.delete_wrestler(conn, scope, wrestler_id)
