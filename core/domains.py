"""The six measurement domains, declared once. Everything per domain is derived from this list: the
series, daily and snapshot tables (`<key>_series`, `<key>_daily`, `<key>_metrics`), the section whose
score a domain feeds, the names ingest accepts for a domain. Migration 0002 seeds the same rows
into `series_domains` for the SQL that loops over domains; a test checks that the two agree."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    key: str  # table prefix and the `domain` of metric_definitions
    section: str  # the dashboard section it feeds (section_scores.section_key)
    position: int


DOMAINS: tuple[Domain, ...] = (
    Domain("overview", "overview", 1),
    Domain("body_composition", "body_composition", 2),
    Domain("bloodwork", "bloodwork", 3),
    Domain("recovery", "recovery", 4),
    Domain("supplements", "supplements", 5),
    Domain("performance", "bodybuilding_performance", 6),
)
DOMAIN_KEYS: tuple[str, ...] = tuple(d.key for d in DOMAINS)
BY_SECTION: dict[str, Domain] = {d.section: d for d in DOMAINS}


def domain_names() -> dict[str, str]:
    """Every name a file may give a domain (its key or its section's key) -> the domain key."""
    return {name: d.key for d in DOMAINS for name in (d.key, d.section)}
