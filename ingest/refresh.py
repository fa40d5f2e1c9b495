"""What follows a write. In the same transaction: the body-fat assessments, daily aggregates and
snapshots for exactly the changed (wrestler, metric, day) keys, then the section scores, the baseline
alerts and the latest training-load figures of the wrestlers concerned. After the commit, on
Timescale-licensed servers: the continuous-aggregate refreshes that cannot run inside a transaction
(db.aggregates), then the scores, the alerts and the loads again, now that the daily rows and
snapshots see the new days.

`write_transaction` is the one commit-then-finish path: API writes, CLI commands, the demo loader
and the test helpers all commit through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

from core.errors import ArchivedPeriod
from core.logging import get_logger
from db import aggregates as aggregates_sql
from db import archive as archive_sql
from db import series as series_sql
from db import weight as weight_sql
from db.types import PgConn
from ingest.alerts import EVAL_DAYS, refresh_alerts, refresh_recent_alerts
from ingest.training_load import changed_load_wrestlers, refresh_latest_loads
from query.score_refresh import recompute_scores
from query.weight import LOOKBACK_DAYS
from query.weight_status import refresh_checks

log = get_logger("wrestle.refresh")


async def refresh_derived(conn: PgConn) -> list[str]:
    """Refresh everything derived from the keys changed in this transaction; return the wrestler ids.
    Refused (ArchivedPeriod, the transaction is to be rolled back) when a changed day overlaps an
    archived period: its daily row would be recomputed from the few rows left of it."""
    await refuse_archived_days(conn)
    changed = await series_sql.changed_keys(conn, max(EVAL_DAYS, LOOKBACK_DAYS))
    keys = [(r["wrestler_id"], r["metric_id"], r["day"]) for r in changed]
    if keys:
        today, zone = await series_sql.local_clock(conn)
        # The assessments and the weight checks read raw points, current in this transaction on either
        # edition.
        await weight_sql.refresh_assessments(conn, keys)
        checked = await weight_sql.changed_check_wrestlers(conn, keys)
        await refresh_checks(conn, checked, today, ZoneInfo(zone))
    wrestlers = await series_sql.refresh_changed(conn)
    await recompute_scores(conn, wrestlers)
    # On a continuous-aggregate server the alerts and loads follow the refresh after the commit.
    if keys and changed[0]["incremental"]:
        await refresh_alerts(conn, keys, today)
        await refresh_latest_loads(
            conn,
            changed_load_wrestlers(((r["domain"], r["wrestler_id"], r["day"]) for r in changed), today),
            today,
        )
    return wrestlers


async def refuse_archived_days(conn: PgConn) -> None:
    if not await archive_sql.any_archived(conn):
        return
    hit = await archive_sql.changed_in_archive(conn)
    if hit is not None:
        raise archived_period(hit)


def archived_period(hit: archive_sql.ArchivedChange) -> ArchivedPeriod:
    """The refusal of a write that meets an archived period: what, where, and how to reopen it."""
    start = hit.period_start.isoformat()
    end = hit.period_end.isoformat()
    month = f"{hit.day:%Y-%m}"
    return ArchivedPeriod(
        f"{hit.domain}: the points of {start} to {end} (local day {hit.day}) are archived in"
        f" {hit.archive_dir}/{hit.file_name}; restore that month first"
        f" (wrestle archive restore {hit.archive_dir} --from {month} --to {month})",
        details={
            "domain": hit.domain,
            "day": hit.day.isoformat(),
            "archivedFrom": start,
            "archivedTo": end,
            "file": hit.file_name,
            "archiveDir": hit.archive_dir,
        },
    )


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
            today, _ = await series_sql.local_clock(conn)
            await refresh_recent_alerts(conn, touched, today)
            await refresh_latest_loads(conn, touched, today)
    return touched


async def finish_quietly(conn: PgConn) -> None:
    """finish_after_commit for callers whose write has committed whatever happens next: a failure
    is logged and left to the periodic job (the API's), never reported as a failed write."""
    try:
        await finish_after_commit(conn)
    except Exception as exc:
        log.warning("aggregate_refresh_deferred", error=type(exc).__name__, detail=str(exc)[:200])


@asynccontextmanager
async def write_transaction(conn: PgConn) -> AsyncIterator[PgConn]:
    """One transaction around a write; after it commits, what must follow a commit."""
    async with conn.transaction():
        yield conn
    await finish_quietly(conn)
