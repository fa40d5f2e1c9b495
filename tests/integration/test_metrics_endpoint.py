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


BODY = {
    "key": "grip_endurance",
    "domain": "performance",
    "nameEn": "Grip endurance",
    "nameFa": "استقامت گرفتن",
    "unit": "s",
    "minValue": 0,
    "maxValue": 600,
    "aliases": ["Grip Hold (s)", "grip_endurance"],
}


class TestCustomMetrics:
    async def test_admin_adds_a_metric_that_the_catalog_and_ingest_then_know(
        self, client: httpx.AsyncClient, world: World
    ) -> None:
        r = await client.post("/api/v1/metrics", headers=world.admin, json=BODY)
        assert r.status_code == 201
        created = r.json()
        assert (created["key"], created["name"], created["custom"], created["maxValue"]) == (
            "grip_endurance",
            "استقامت گرفتن",
            True,
            600.0,
        )
        catalog = (await client.get("/api/v1/metrics", headers=world.admin)).json()["metrics"]
        assert [m for m in catalog if m["key"] == "grip_endurance"] == [created]
        # The alias (normalised) resolves in an ingest; the range is enforced.
        csv = (
            f"wrestler,metric,recorded_at,value\n{world.wrestler},Grip Hold (s),2025-11-10 10:00,95\n"
            f"{world.wrestler},grip hold (s),2025-11-11 10:00,900\n"
        )
        ing = await client.post(
            "/api/v1/ingest/csv", headers={**world.admin, "Content-Type": "text/csv"}, content=csv
        )
        report = ing.json()
        assert (report["rowsInserted"], report["rowsRejected"]) == (1, 1), report
        assert report["errors"][0]["line"] == 3

    async def test_key_or_alias_in_use_is_409(self, client: httpx.AsyncClient, world: World) -> None:
        taken = await client.post("/api/v1/metrics", headers=world.admin, json={**BODY, "key": "weight"})
        assert (taken.status_code, taken.json()["error"]) == (409, "CONFLICT")
        # A name is taken within its domain (another domain may give it another meaning).
        alias = await client.post(
            "/api/v1/metrics", headers=world.admin, json={**BODY, "aliases": ["Avg HR"]}
        )
        assert alias.status_code == 409 and alias.json()["details"]["taken"] == ["avg_hr"]

    async def test_bad_bodies_are_422_with_the_field(self, client: httpx.AsyncClient, world: World) -> None:
        domain = await client.post("/api/v1/metrics", headers=world.admin, json={**BODY, "domain": "nope"})
        assert domain.status_code == 422 and "body.domain" in domain.json()["details"]
        key = await client.post("/api/v1/metrics", headers=world.admin, json={**BODY, "key": "Bad Key"})
        assert key.status_code == 422
        bad_range = {**BODY, "minValue": 9, "maxValue": 1}
        rng = await client.post("/api/v1/metrics", headers=world.admin, json=bad_range)
        assert rng.status_code == 422

    async def test_only_admins(self, client: httpx.AsyncClient, world: World) -> None:
        for who in (world.coach, world.athlete):
            assert (await client.post("/api/v1/metrics", headers=who, json=BODY)).status_code == 403
        assert (await client.post("/api/v1/metrics", json=BODY)).status_code == 401
