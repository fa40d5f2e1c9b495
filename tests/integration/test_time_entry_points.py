"""A date-only reading whose local midnight does not exist is stored at the first instant of that day
(core.timezones), through the CSV entry point."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from core.config import Settings
from db.types import PgConn
from tests.ingest_fixtures import HEADER, World, make_world, points, post_csv


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
