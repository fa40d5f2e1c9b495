"""Values written into SQL text rather than bound, where that changes the plan."""

from __future__ import annotations

from zoneinfo import ZoneInfo


def zone_literal(tz: str) -> str:
    """A time zone name as an SQL literal. Inlined rather than bound, PostgreSQL resolves the zone
    once per statement instead of once per row (AT TIME ZONE, time_bucket)."""
    ZoneInfo(tz)  # a real IANA name, or an error here rather than odd SQL
    return "'" + tz.replace("'", "''") + "'"
