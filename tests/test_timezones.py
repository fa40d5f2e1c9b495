"""One reading of naive times (core.timezones): the Polars rule equals Python's zoneinfo (PEP 495,
fold=0) across Tehran's daylight-saving days, and every entry point applies it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import polars as pl
import pytest

from core.config import Settings
from core.timezones import as_utc
from db.types import PgConn
from ingest.normalize import parse_times
from tests.ingest_fixtures import World, make_world, points
from tests.test_ingest_csv import HEADER, post_csv

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


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


async def test_a_date_only_reading_on_a_missing_midnight_is_stored_at_the_first_instant_of_that_day(
    client: httpx.AsyncClient, world: World, conn: PgConn
) -> None:
    """Before 2022 Tehran's clocks jumped at midnight: 2021-03-22 (Jalali 1400-01-02) began at 01:00
    (+04:30), which is 2021-03-21 20:30 UTC."""
    body = HEADER + "Ali Karimi,weight,2021-03-22,80\nAli Karimi,body_fat,1400/01/02,10\n"
    rep = (await post_csv(client, world, body)).json()
    assert (rep["rowsInserted"], rep["rowsRejected"]) == (2, 0), rep
    first = datetime(2021, 3, 21, 20, 30, tzinfo=UTC)
    assert [(p["key"], p["recorded_at"]) for p in await points(conn)] == [
        ("body_fat", first),
        ("weight", first),
    ]
