"""The team board's training-load figures, kept by the write path: for each wrestler whose sessions,
or the performance and recovery data that tell a rest day from a missing one, changed in the weeks
the figures read, the load report's latest summary as of today (query.load_report) is stored with its
day. The board shows them with that day; a wrestler's training-load endpoint computes any range.

On a Timescale-licensed server the daily aggregates that tell rest days are refreshed after the
commit, so this follows that refresh (finish_after_commit) for the wrestlers it touched."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from core.access import Scope
from db import series as series_sql
from db import training_load as load_sql
from db.types import PgConn
from query.load_report import LEAD_DAYS, training_load_report

LOAD_DOMAINS = frozenset({"performance", "recovery"})
SYSTEM = Scope.of("admin", None, None)  # the write path reads what it just wrote


def changed_load_wrestlers(keys: Iterable[tuple[str, Any, date]], today: date) -> list[str]:
    """The wrestlers of (domain, wrestler, day) keys that change today's figures."""
    first = today - timedelta(days=LEAD_DAYS)
    return sorted({str(w) for domain, w, day in keys if domain in LOAD_DOMAINS and first <= day <= today})


async def refresh_latest_loads(conn: PgConn, wrestlers: Iterable[str], today: date) -> None:
    """Store the figures as of `today` (the local day) of these wrestlers."""
    ids = sorted(set(wrestlers))
    if not ids:
        return
    zone = ZoneInfo(await series_sql.bucket_timezone(conn))
    rows, cleared = [], []
    for w in ids:
        latest = (await training_load_report(conn, SYSTEM, UUID(w), today, today, zone))["latest"]
        # No day with data in the chronic window: nothing to show, on either edition.
        if latest["acwrCoupled"]["chronicWindow"]["daysWithData"]:
            rows.append((w, today, latest))
        else:
            cleared.append(w)
    await load_sql.store_latest(conn, rows, cleared)
