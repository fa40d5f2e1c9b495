"""Each concern declared once, and the copies the database needs agree with the declaration: the
domain registry with migration 0002's series_domains rows, the section registry's fields and score
inputs with the metric catalog (keys exist, wire names are the catalog's)."""

from __future__ import annotations

from core.domains import DOMAINS
from db.types import PgConn
from query.registry import CHARTS, SECTIONS, chart_keys, score_input_keys


async def test_series_domains_rows_are_the_domain_registry(conn: PgConn) -> None:
    rows = await conn.fetch("SELECT domain, section, position FROM series_domains ORDER BY position")
    assert [(r["domain"], r["section"], r["position"]) for r in rows] == [
        (d.key, d.section, d.position) for d in DOMAINS
    ]


async def test_every_section_is_a_domain_and_every_domain_a_section() -> None:
    assert sorted(s.score_key for s in SECTIONS.values()) == sorted(d.section for d in DOMAINS)
    assert abs(sum(s.overall_weight for s in SECTIONS.values()) - 1.0) < 1e-9
    for s in SECTIONS.values():
        assert abs(sum(i.weight for i in s.inputs) - 1.0) < 1e-9, s.path


async def test_section_fields_are_catalog_metrics_with_the_catalogs_wire_names(conn: PgConn) -> None:
    catalog = {
        r["key"]: r["wire_name"] for r in await conn.fetch("SELECT key, wire_name FROM metric_definitions")
    }
    wrong = [
        f"{s.path}.{f.wire}: catalog {f.key} is {catalog.get(f.key)!r}"
        for s in SECTIONS.values()
        for f in s.fields
        if catalog.get(f.key) != f.wire
    ]
    assert not wrong, wrong


async def test_score_inputs_and_charts_name_catalog_metrics(conn: PgConn) -> None:
    keys = {r["key"] for r in await conn.fetch("SELECT key FROM metric_definitions")}
    charted = {k for template in CHARTS.values() for k in chart_keys(template)}
    assert not (set(score_input_keys()) | charted) - keys
