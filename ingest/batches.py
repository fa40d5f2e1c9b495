"""Batch rows as wire JSON (camelCase)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def _ts(v: datetime | None) -> str | None:
    return v.isoformat().replace("+00:00", "Z") if v else None


def batch_json(row: Any, *, with_errors: bool = True) -> dict[str, Any]:
    report = row["report"] or {}
    out: dict[str, Any] = {
        "batchId": row["id"],
        "userId": str(row["user_id"]) if row["user_id"] else None,
        "createdAt": _ts(row["created_at"]),
        "source": row["source"],
        "filename": row["filename"],
        "format": row["format"],
        "status": row["status"],
        "rowsRead": row["rows_read"],
        "rowsInserted": row["rows_inserted"],
        "rowsUpdated": row["rows_updated"],
        "rowsUnchanged": row["rows_unchanged"],
        "rowsRejected": row["rows_rejected"],
        "wrestlers": report.get("wrestlers", 0),
        "metrics": report.get("metrics", 0),
        "from": _ts(row["first_at"]),
        "to": _ts(row["last_at"]),
        "durationMs": row["duration_ms"],
        "undoneAt": _ts(row["undone_at"]),
        "errorCount": report.get("errorCount", 0),
    }
    if with_errors:
        out["errors"] = report.get("errors", [])
    return out
