"""A wrestler's training load over a range: the stored sessions (db.training_load, scoped) through the
pure functions of query.training_load. Sessions are the recorded times of RPE, duration and device
load points; days are local days in the bucket time zone."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import polars as pl

from core.access import Scope
from db import training_load as load_sql
from db.types import PgConn
from query.training_load import CHRONIC_DAYS, FORMULA_VERSION, LABEL, SESSION_SCHEMA, daily_loads, summary

# The report needs the 28 + 7 days before its first day for the first day's ratios.
LEAD_DAYS = CHRONIC_DAYS + 7


async def training_load_report(
    conn: PgConn, scope: Scope, wrestler_id: UUID, first: date, last: date, zone: ZoneInfo
) -> dict[str, Any]:
    start = datetime.combine(first - timedelta(days=LEAD_DAYS), time.min, zone)
    end = datetime.combine(last + timedelta(days=1), time.min, zone)
    points = await load_sql.session_points(conn, scope, wrestler_id, start, end)
    covered = [r["day"] for r in await load_sql.covered_days(conn, scope, wrestler_id, start, end)]
    by_time: dict[datetime, dict[str, float]] = defaultdict(dict)
    for r in points:
        by_time[r["recorded_at"]][r["key"]] = r["value"]
    sessions = pl.DataFrame(
        [
            (
                at.astimezone(zone).date(),
                v.get("rpe"),
                v["session_duration"] / 60 if "session_duration" in v else None,
                v.get("training_load"),
            )
            for at, v in sorted(by_time.items())
        ],
        schema=SESSION_SCHEMA,
        orient="row",
    )
    daily = daily_loads(sessions, covered, first - timedelta(days=LEAD_DAYS), last)
    shown = daily.filter(pl.col("day") >= first)
    return {
        "wrestlerId": str(wrestler_id),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "days": [
            {
                "date": d["day"].isoformat(),
                "load": round(d["load"], 2) if d["load"] is not None else None,
                "sessions": d["sessions"],
                "kinds": d["kinds"],
                "covered": d["covered"],
            }
            for d in shown.iter_rows(named=True)
        ],
        "latest": summary(daily, last),
        "label": LABEL,
        "formulaVersion": FORMULA_VERSION,
    }
