"""One reading of naive times, everywhere (CSV and device times, section POSTs, the series
endpoint's range): wall-clock time in the configured zone (DEFAULT_TIMEZONE unless a request names
another); a time that carries an offset is that instant.

Where the zone's clocks jump, the rule is Python's (PEP 495, fold=0): an ambiguous time (clocks going
back) is the earlier instant; a time inside a gap (clocks going forward) is read with the offset in
force before the gap, so a local midnight that does not exist (Tehran's daylight-saving start days
before 2022) becomes the first valid instant of that day. The Polars expression below is the one
implementation; the scalar form runs it too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl


def local_to_utc(naive: pl.Expr, zone: str) -> pl.Expr:
    """Naive wall-clock datetimes in `zone` -> Datetime(UTC)."""
    direct = naive.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
    # In a gap: the same wall time a day earlier has the offset from before the gap; 24 hours later
    # is the instant that offset gives (transitions are months apart).
    before_gap = (naive - pl.duration(days=1)).dt.replace_time_zone(
        zone, ambiguous="earliest", non_existent="null"
    ) + pl.duration(days=1)
    return pl.coalesce(direct, before_gap).dt.convert_time_zone("UTC")


def as_utc(value: datetime, zone: str) -> datetime:
    """An aware datetime in UTC; a naive one read in `zone` by the rule above."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    out = pl.select(local_to_utc(pl.lit(value, dtype=pl.Datetime("us")), zone)).item()
    assert isinstance(out, datetime)
    return out
