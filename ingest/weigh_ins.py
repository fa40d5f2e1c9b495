"""The official weigh-in ledger, written through the write path: a weigh-in is a ledger row and a
weight point (ingest.values, the catalog's range), in one transaction. A correction is a new row that
supersedes the old one, with a reason and an actor; it keeps the original's time, so its weight point
replaces the original's in the series while the ledger keeps both."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from core.access import Scope
from core.errors import Conflict, NotFound
from db import weight as weight_sql
from db.types import PgConn
from ingest.refresh import write_transaction
from ingest.validate import Actor
from ingest.values import FieldValue, write_values


async def record_weigh_in(
    conn: PgConn,
    actor: Actor,
    scope: Scope,
    wrestler_id: UUID,
    weighed_at: datetime,
    weight_kg: float,
    source: str,
    event: str | None,
    recorded_by: UUID | None,
    *,
    timezone: str,
    supersedes: UUID | None = None,
    reason: str | None = None,
) -> asyncpg.Record:
    async with write_transaction(conn):
        batch_id = await write_values(
            conn,
            actor,
            wrestler_id,
            [FieldValue("body.weightKg", "weight", weight_kg)],
            weighed_at.isoformat(),
            timezone=timezone,
        )
        try:
            new_id = await weight_sql.insert_weigh_in(
                conn,
                scope,
                wrestler_id,
                weighed_at,
                weight_kg,
                source,
                event,
                recorded_by,
                batch_id,
                supersedes,
                reason,
            )
        except asyncpg.UniqueViolationError as exc:
            raise Conflict("This weigh-in was already corrected", {"weighInId": str(supersedes)}) from exc
        if new_id is None:
            raise NotFound("Wrestler not found", {"wrestlerId": str(wrestler_id)})
        row = await weight_sql.weigh_in(conn, scope, new_id)
    assert row is not None
    return row


async def correct_weigh_in(
    conn: PgConn,
    actor: Actor,
    scope: Scope,
    original: asyncpg.Record,
    weight_kg: float,
    source: str | None,
    event: str | None,
    reason: str,
    recorded_by: UUID | None,
    *,
    timezone: str,
) -> asyncpg.Record:
    if original["superseded_by"] is not None:
        raise Conflict(
            "This weigh-in was already corrected", {"supersededBy": str(original["superseded_by"])}
        )
    return await record_weigh_in(
        conn,
        actor,
        scope,
        original["wrestler_id"],
        original["weighed_at"],
        weight_kg,
        source or original["source"],
        event if event is not None else original["event"],
        recorded_by,
        timezone=timezone,
        supersedes=original["id"],
        reason=reason,
    )
