"""One reading of naive times (core.timezones): the Polars rule equals Python's zoneinfo (PEP 495,
fold=0) across Tehran's daylight-saving days (the CSV entry point is in
tests/integration/test_time_entry_points.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from core.timezones import as_utc
from ingest.normalize import parse_times

TEHRAN = "Asia/Tehran"
EDGES = [
    datetime(2021, 3, 22, 0, 0),  # clocks jumped 00:00 -> 01:00: this midnight does not exist
    datetime(2021, 3, 22, 0, 30),  # inside the gap
    datetime(2021, 3, 22, 1, 0),  # first wall time after the gap
    datetime(2021, 9, 21, 23, 30),  # clocks went back 24:00 -> 23:00: twice
    datetime(2021, 9, 22, 0, 0),
    datetime(2024, 3, 21, 0, 0),  # no daylight saving since 2022
]


@pytest.mark.parametrize("naive", EDGES, ids=str)
def test_the_rule_is_zoneinfos_fold_zero(naive: datetime) -> None:
    expected = naive.replace(tzinfo=ZoneInfo(TEHRAN)).astimezone(UTC)
    assert as_utc(naive, TEHRAN) == expected
    parsed = parse_times(pl.Series([naive.isoformat(sep=" ")]), calendar="auto", timezone=TEHRAN)
    assert parsed.to_list() == [expected]


def test_an_offset_wins() -> None:
    aware = datetime(2021, 3, 22, 0, 0, tzinfo=UTC)
    assert as_utc(aware, TEHRAN) == aware
    parsed = parse_times(pl.Series(["2021-03-22T00:00:00+00:00"]), calendar="auto", timezone=TEHRAN)
    assert parsed.to_list() == [aware]
