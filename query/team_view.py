"""Payloads of the team board (stats and athletes)."""

from __future__ import annotations

from typing import Any

TRAINING_WINDOW_WEEKS = 8
INSIGHTS: dict[str, list[dict[str, str]]] = {
    "competition_ready": [{"label": "Competition Ready", "type": "success"}],
    "attention": [{"label": "Needs Attention", "type": "warning"}],
    "normal": [],
}


def stats_payload(row: dict[str, Any]) -> dict[str, Any]:
    """averageScore = mean of each wrestler's latest overall score (null when none has one)."""
    avg = row["average"]
    return {
        "totalAthletes": int(row["total"]),
        "averageScore": None if avg is None else round(float(avg), 1),
        "competitionReady": int(row["ready"]),
        "needsAttention": int(row["attention"]),
    }


def athlete_card(row: dict[str, Any]) -> dict[str, Any]:
    """trainingWeek = ISO weeks with a training program among the last 8 (today's included),
    totalWeeks = 8; both null when the wrestler has no program in that window. trainingLoad: the
    latest load figures the write path stored (ingest.training_load), as of their date."""
    weeks = int(row["weeks"] or 0)
    return {
        "id": str(row["id"]),
        "nameFa": row["name_fa"],
        "weightClass": row["weight_class"],
        "overallScore": None if row["score"] is None else round(float(row["score"]), 1),
        "currentActivity": None,
        "insights": [dict(i) for i in INSIGHTS.get(row["status"], [])],
        "trainingWeek": weeks if weeks else None,
        "totalWeeks": TRAINING_WINDOW_WEEKS if weeks else None,
        "trainingLoad": row["load"],
    }


def athletes_payload(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], int]:
    """(body, total count for X-Total-Count)."""
    total = int(rows[0]["total"]) if rows else 0
    return {"athletes": [athlete_card(r) for r in rows if r["id"] is not None]}, total
