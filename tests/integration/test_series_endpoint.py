"""GET /wrestlers/{id}/series: raw and bucketed points, aggregates, guard rails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from core.config import Settings
from db.types import PgConn
from tests.dashboard_fixtures import World, local_noon, make_world, write


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


def url(w: World, query: str) -> str:
    return f"/api/v1/wrestlers/{w.wrestler}/series?{query}"


@pytest.fixture
async def data(world: World, conn: PgConn) -> None:
    day = local_noon(2)
    await write(
        conn,
        world.wrestler,
        [
            ("weight", day, 86.0),
            ("weight", day + timedelta(hours=2), 88.0),
            ("weight", local_noon(1), 85.0),
            ("hrv", local_noon(1), 70.0),
        ],
    )


class TestSeries:
    async def test_day_avg(self, client: httpx.AsyncClient, world: World, data: None) -> None:
        body = (await client.get(url(world, "metric=weight&bucket=day&agg=avg"), headers=world.admin)).json()
        (s,) = body["series"]
        assert (s["metric"], s["unit"], s["bucket"]) == ("weight", "kg", "day")
        assert [(p["value"], p["min"], p["max"], p["count"]) for p in s["points"]] == [
            (87.0, 86.0, 88.0, 2),
            (85.0, 85.0, 85.0, 1),
        ]
        assert s["points"][0]["t"].endswith("Z")

    @pytest.mark.parametrize(
        ("agg", "first"), [("min", 86.0), ("max", 88.0), ("last", 88.0), ("sum", 174.0), ("count", 2.0)]
    )
    async def test_aggs(
        self, client: httpx.AsyncClient, world: World, data: None, agg: str, first: float
    ) -> None:
        body = (await client.get(url(world, f"metric=weight&agg={agg}"), headers=world.admin)).json()
        assert body["series"][0]["points"][0]["value"] == first

    async def test_raw(self, client: httpx.AsyncClient, world: World, data: None) -> None:
        body = (await client.get(url(world, "metric=weight&bucket=raw"), headers=world.admin)).json()
        assert [p["value"] for p in body["series"][0]["points"]] == [86.0, 88.0, 85.0]
        assert body["series"][0]["points"][0]["t"] == local_noon(2).strftime("%Y-%m-%dT%H:%M:%SZ")

    async def test_month_buckets_weighted_avg(
        self, client: httpx.AsyncClient, world: World, data: None
    ) -> None:
        body = (
            await client.get(url(world, "metric=weight&bucket=month&agg=avg"), headers=world.admin)
        ).json()
        pts = body["series"][0]["points"]
        assert sum(p["count"] for p in pts) == 3
        assert sum(p["value"] * p["count"] for p in pts) == pytest.approx(86 + 88 + 85)

    async def test_several_metrics(self, client: httpx.AsyncClient, world: World, data: None) -> None:
        body = (
            await client.get(url(world, "metric=weight&metric=hrv&metric=bmr"), headers=world.admin)
        ).json()
        assert [s["metric"] for s in body["series"]] == ["weight", "hrv", "bmr"]
        assert body["series"][2]["points"] == []

    async def test_unknown_metric_is_422(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(url(world, "metric=nope"), headers=world.admin)
        assert r.status_code == 422

    async def test_too_many_day_points_suggests_week(self, client: httpx.AsyncClient, world: World) -> None:
        r = await client.get(
            url(world, "metric=weight&from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"), headers=world.admin
        )
        assert r.status_code == 422
        assert r.json()["details"]["suggestedBucket"] == "week"

    async def test_too_many_raw_points_suggests_day(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        start = local_noon(10)
        await write(conn, world.wrestler, [("hrv", start + timedelta(minutes=i), 50.0) for i in range(5001)])
        r = await client.get(url(world, "metric=hrv&bucket=raw"), headers=world.admin)
        assert r.status_code == 422
        assert r.json()["details"]["suggestedBucket"] == "day"

    async def test_other_coach_forbidden(self, client: httpx.AsyncClient, world: World) -> None:
        assert (await client.get(url(world, "metric=weight"), headers=world.other_coach)).status_code == 403


class TestNaiveRange:
    async def test_naive_from_and_to_are_wall_clock_times_in_the_default_zone(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        """08:00 Tehran is 04:30 UTC: a naive range 07:00-09:00 holds it, read as UTC it would not."""
        await write(conn, world.wrestler, [("weight", datetime(2025, 11, 10, 4, 30, tzinfo=UTC), 80.0)])
        q = "metric=weight&bucket=raw&from=2025-11-10T07:00:00&to=2025-11-10T09:00:00"
        (s,) = (await client.get(url(world, q), headers=world.admin)).json()["series"]
        assert [p["value"] for p in s["points"]] == [80.0]
        utc = "metric=weight&bucket=raw&from=2025-11-10T07:00:00Z&to=2025-11-10T09:00:00Z"
        (s,) = (await client.get(url(world, utc), headers=world.admin)).json()["series"]
        assert s["points"] == []
