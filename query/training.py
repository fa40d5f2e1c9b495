"""Training program payloads and the block summary of each exercise (pure functions)."""

from __future__ import annotations

from datetime import date
from typing import Any


def block_rows(
    exercises: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[tuple[int, int, int, float]]]:
    """Exercises as sent → (blocks, sets). A block keeps the summary the calendar shows (number of
    sets, reps "<min>-<max>" or "<n>" when all equal, "0" without sets, mean load); every set is
    kept as sent (reps and weight per set)."""
    blocks: list[dict[str, Any]] = []
    sets: list[tuple[int, int, int, float]] = []
    for i, ex in enumerate(exercises):
        reps = [int(s["reps"]) for s in ex["sets"]]
        weights = [float(s["weight"]) for s in ex["sets"]]
        if not reps:
            summary = "0"
        elif min(reps) == max(reps):
            summary = str(reps[0])
        else:
            summary = f"{min(reps)}-{max(reps)}"
        blocks.append(
            {
                "position": i,
                "name": ex["name"],
                "sets": len(reps),
                "reps": summary,
                "load": sum(weights) / len(weights) if weights else None,
            }
        )
        sets.extend((i, j, r, w) for j, (r, w) in enumerate(zip(reps, weights, strict=True)))
    return blocks, sets


def program_payload(day: date, row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {
            "date": day.isoformat(),
            "readiness": None,
            "sessionRPE": None,
            "bodyweight": None,
            "hydration": None,
            "notes": None,
            "exercises": [],
        }
    return {
        "date": row["date"].isoformat(),
        "readiness": row["readiness"],
        "sessionRPE": row["session_rpe"],
        "bodyweight": row["bodyweight"],
        "hydration": row["hydration"],
        "notes": row["notes"],
        "exercises": [
            {
                "name": e["name"],
                "sets": [{"reps": s["reps"], "weight": float(s["weight"])} for s in e["sets"]],
            }
            for e in row["exercises"]
        ],
    }


def calendar_payload(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "programs": [
            {
                "date": r["date"].isoformat(),
                "title": r["title"],
                "focus": r["focus"],
                "blocks": [{"name": b["name"], "sets": b["sets"], "reps": b["reps"]} for b in r["blocks"]],
                "nutrition": r["nutrition"],
                "recovery": r["recovery"],
                "aiRecommendations": list(r["recs"]),
            }
            for r in rows
        ]
    }
