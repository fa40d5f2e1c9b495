"""GET /api/v1/metrics: the catalog with display names in the caller's locale."""

from __future__ import annotations

import httpx
import pytest

from core.config import Settings
from db.types import PgConn
from tests.dashboard_fixtures import World, make_world


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


class TestMetricsCatalog:
    async def test_default_locale_is_persian(self, client: httpx.AsyncClient, world: World) -> None:
        body = (await client.get("/api/v1/metrics", headers=world.athlete)).json()
        weight = next(m for m in body["metrics"] if m["key"] == "weight")
        assert weight["name"] == "وزن بدن" and body["locale"] == "fa-IR"
        assert set(weight) == {
            "key",
            "wireName",
            "domain",
            "name",
            "nameFa",
            "nameEn",
            "unit",
            "kind",
            "minValue",
            "maxValue",
            "direction",
            "targetLow",
            "targetHigh",
            "panel",
            "custom",
        }

    async def test_english(self, client: httpx.AsyncClient, world: World) -> None:
        body = (
            await client.get("/api/v1/metrics", headers={**world.coach, "Accept-Language": "en-US"})
        ).json()
        vo2 = next(m for m in body["metrics"] if m["key"] == "vo2max")
        assert (vo2["name"], vo2["domain"], vo2["wireName"]) == ("VO2max", "performance", "vo2max")

    async def test_needs_token(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/api/v1/metrics")).status_code == 401
