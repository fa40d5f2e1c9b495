"""No numeric row lost to naming: a domain column that disagrees with the catalog, one name for two
quantities in two domains, and names that are not valid keys as written (registerMetrics)."""

from __future__ import annotations

import random

import httpx
import pytest

from core.config import Settings
from db.types import PgConn
from tests.ingest_fixtures import World, assert_derived_consistent, make_world, post_csv

HEADER = "wrestler,metric,recorded_at,value,domain,unit\n"


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


async def stored(conn: PgConn) -> dict[tuple[str, str], int]:
    """(metric key, metric domain) -> stored points, over every series table."""
    rows = await conn.fetch("""
        SELECT m.key, m.domain, count(*) AS n FROM (
            SELECT metric_id FROM overview_series UNION ALL SELECT metric_id FROM body_composition_series
            UNION ALL SELECT metric_id FROM bloodwork_series UNION ALL SELECT metric_id FROM recovery_series
            UNION ALL SELECT metric_id FROM supplements_series
            UNION ALL SELECT metric_id FROM performance_series) s
          JOIN metric_definitions m ON m.id = s.metric_id GROUP BY 1, 2""")
    return {(r["key"], r["domain"]): r["n"] for r in rows}


def export_rows(n_days: int) -> tuple[str, dict[tuple[str, str], int]]:
    """A long export as a real one looks: chest-belt heart rates labelled recovery, InBody protein (kg)
    and nutrition protein (g) under one name, test names starting with digits or in Persian, and a
    few cells that are not numbers. Returns the CSV and the points expected per (key, domain)."""
    rnd = random.Random(7)
    lines = [HEADER.strip()]
    expected: dict[tuple[str, str], int] = {}

    def add(metric: str, value: str, domain: str, unit: str, key: tuple[str, str] | None, day: int) -> None:
        lines.append(
            f"Ali Karimi,{metric},2025-{1 + day // 28:02d}-{1 + day % 28:02d} 09:00,{value},{domain},{unit}"
        )
        if key is not None:
            expected[key] = expected.get(key, 0) + 1

    for day in range(n_days):
        add(
            "Average Heart Rate",
            f"{rnd.uniform(120, 170):.1f}",
            "recovery",
            "bpm",
            ("hr_avg", "performance"),
            day,
        )
        add("max_hr", f"{rnd.uniform(170, 200):.0f}", "Recovery", "", ("hr_max", "performance"), day)
        add(
            "Protein",
            f"{rnd.uniform(11, 14):.2f}",
            "body_composition",
            "kg",
            ("protein_mass", "body_composition"),
            day,
        )
        add("Protein", f"{rnd.uniform(120, 200):.0f}", "supplements", "g", ("protein", "supplements"), day)
        add(
            "30m Sprint Test",
            f"{rnd.uniform(4, 5):.2f}",
            "performance",
            "s",
            ("m_30m_sprint_test", "performance"),
            day,
        )
        add("آزمون پرش", f"{rnd.uniform(40, 60):.1f}", "performance", "cm", None, day)
        # The same name as a supplement (g/day) in a lab report (mg/dL): another quantity.
        add(
            "Creatine",
            f"{rnd.uniform(0.5, 1.2):.2f}",
            "bloodwork",
            "mg/dL",
            ("creatine_bloodwork", "bloodwork"),
            day,
        )
    add("Protein", "n/a", "supplements", "g", None, n_days)  # not a number: the only kind of loss
    return "\n".join(lines) + "\n", expected


class TestNamingWithRegisterMetrics:
    async def test_every_numeric_row_of_a_long_export_is_stored_under_its_metric(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        body, expected = export_rows(n_days=300)
        rep = (await post_csv(client, world, body, registerMetrics=True)).json()
        numeric = 300 * 7
        assert (rep["rowsRead"], rep["rowsInserted"], rep["rowsRejected"]) == (numeric + 1, numeric, 1), rep
        assert rep["errors"][0]["code"] == "INVALID_VALUE" and rep["errors"][0]["value"] == "n/a"
        # Heart rates labelled recovery are the catalog's performance metrics, with a warning each.
        assert rep["warningCount"] == 600
        warning = rep["warnings"][0]
        assert (warning["code"], warning["column"], warning["line"]) == ("DOMAIN_CORRECTED", "domain", 2)
        assert "hr_avg" in warning["message"] and "performance" in warning["message"]
        persian = await conn.fetchval(
            "SELECT key FROM metric_definitions WHERE custom AND domain = 'performance' AND name_en = $1",
            "آزمون پرش",
        )
        assert persian is not None and persian.startswith("metric_")
        expected[(persian, "performance")] = 300
        counts = await stored(conn)
        assert {k: counts.get(k) for k in expected} == expected
        await assert_derived_consistent(conn)

    async def test_registered_names_keep_their_spelling_as_an_alias(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        body = HEADER + "Ali Karimi,30m Sprint Test,2025-11-10,4.4,performance,s\n"
        await post_csv(client, world, body, registerMetrics=True)
        aliases = await conn.fetch(
            "SELECT a.alias FROM metric_aliases a JOIN metric_definitions m ON m.id = a.metric_id"
            " WHERE m.key = 'm_30m_sprint_test' ORDER BY 1"
        )
        assert [r["alias"] for r in aliases] == ["30m_sprint_test", "m_30m_sprint_test"]
        # Next time the name as written resolves without registering anything, domain or not.
        again = (
            await post_csv(
                client,
                world,
                "wrestler,metric,recorded_at,value\nAli Karimi,30m Sprint Test,2025-11-11,4.3\n",
            )
        ).json()
        assert (again["rowsInserted"], again["rowsRejected"]) == (1, 0), again
        assert await conn.fetchval("SELECT count(*) FROM metric_definitions WHERE custom") == 1


class TestOneNameTwoQuantities:
    async def test_the_rows_domain_decides_first(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        body = (
            HEADER
            + "Ali Karimi,Protein,2025-11-10,12.5,body_composition,\n"
            + "Ali Karimi,Protein,2025-11-10,160,supplements,\n"
        )
        rep = (await post_csv(client, world, body)).json()
        assert (rep["rowsInserted"], rep["warningCount"]) == (2, 0), rep
        assert await stored(conn) == {("protein_mass", "body_composition"): 1, ("protein", "supplements"): 1}

    async def test_without_a_domain_the_unit_decides_else_the_preferred_meaning(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        body = (
            "wrestler,metric,recorded_at,value,unit\n"
            "Ali Karimi,Protein,2025-11-10,12.5,kg\n"
            "Ali Karimi,Protein,2025-11-10,160,\n"
        )
        rep = (await post_csv(client, world, body)).json()
        assert rep["rowsInserted"] == 2, rep
        assert await stored(conn) == {("protein_mass", "body_composition"): 1, ("protein", "supplements"): 1}

    async def test_a_wide_inbody_export_reads_protein_in_kg_as_body_protein(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        body = "ID,Test Date / Time,Weight,Protein (kg)\nEXT-1,2025-11-10 08:00,80.2,12.9\n"
        rep = (await post_csv(client, world, body)).json()
        assert rep["rowsInserted"] == 2, rep
        assert await stored(conn) == {
            ("weight", "body_composition"): 1,
            ("protein_mass", "body_composition"): 1,
        }

    async def test_without_register_metrics_a_foreign_quantity_is_refused_by_its_unit(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        body = HEADER + "Ali Karimi,Creatine,2025-11-10,0.9,bloodwork,mg/dL\n"
        rep = (await post_csv(client, world, body)).json()
        assert rep["rowsRejected"] == 1 and rep["errors"][0]["code"] == "UNKNOWN_UNIT", rep


class TestCatalogNamesPerDomain:
    async def test_an_alias_of_another_domain_may_name_a_new_metric(
        self, client: httpx.AsyncClient, world: World, conn: PgConn
    ) -> None:
        metric = {"key": "arm_span_smm", "domain": "performance", "nameEn": "Span", "unit": "cm"}
        same_domain = await client.post(
            "/api/v1/metrics",
            headers={"Authorization": f"Bearer {world.tokens['admin']}"},
            json={**metric, "domain": "body_composition", "aliases": ["SMM"]},
        )
        assert same_domain.status_code == 409 and same_domain.json()["details"]["taken"] == ["smm"]
        other = await client.post(
            "/api/v1/metrics",
            headers={"Authorization": f"Bearer {world.tokens['admin']}"},
            json={**metric, "aliases": ["SMM"]},
        )
        assert other.status_code == 201, other.text
        body = (
            HEADER
            + "Ali Karimi,SMM,2025-11-10,180,performance,\n"
            + "Ali Karimi,SMM,2025-11-10,38,body_composition,\n"
        )
        assert (await post_csv(client, world, body)).json()["rowsInserted"] == 2
        assert await stored(conn) == {
            ("arm_span_smm", "performance"): 1,
            ("muscle_mass", "body_composition"): 1,
        }
