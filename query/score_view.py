"""Payloads of the score endpoints (docs/API.md §9) from stored scores."""

from __future__ import annotations

from typing import Any

from query.registry import SECTIONS

# /scores/domains, in the contract's order: its key → the section whose score it shows.
DOMAIN_SCORES = {
    key: next(s.score_key for s in SECTIONS.values() if s.domains_key == key)
    for key in ("strength", "endurance", "recovery", "bodyComposition", "bloodwork", "supplements")
}
NOTES = (
    "Overall score = weighted average of the section scores ("
    + ", ".join(f"{s.score_key.replace('_', ' ')} {s.overall_weight:.2f}" for s in SECTIONS.values())
    + "), weights renormalised over the sections that have data."
)
NO_DATA_NOTES = "No score yet: no section of this wrestler has data."


def overall_payload(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"score": None, "grade": None, "lastUpdated": None}
    return {
        "score": round(float(row["score"]), 1),
        "grade": row["grade"],
        "lastUpdated": row["day"].isoformat(),
    }


def domains_payload(latest: dict[str, float]) -> dict[str, Any]:
    """Each domain's latest section score (rounded), null without one."""
    return {
        wire: (round(latest[section], 1) if section in latest else None)
        for wire, section in DOMAIN_SCORES.items()
    }


def explanation_payload(drivers: list[dict[str, Any]]) -> dict[str, Any]:
    """The drivers of the latest overall score: one per section present, with its renormalised
    weight, its contribution (weight × section score) and whether it pulls the score up or down."""
    return {
        "drivers": [
            {
                "metric": d["metric_name"],
                "impact": d["impact"],
                "weight": round(float(d["weight"]), 4),
                "value": None if d["value"] is None else round(float(d["value"]), 1),
                "contribution": None if d["contribution"] is None else round(float(d["contribution"]), 2),
            }
            for d in drivers
        ],
        "notes": NOTES if drivers else NO_DATA_NOTES,
    }
