"""Small wire-format helpers shared by the account, wrestler and team routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg


def iso_utc(value: datetime) -> str:
    """A timestamp on the wire: UTC, whole seconds, `Z` (docs/API.md §2)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def id_or_none(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


def user_out(row: asyncpg.Record) -> dict[str, Any]:
    """A user on the wire: never the password hash."""
    return {
        "id": str(row["id"]),
        "email": row["email"],
        "name": row["name"],
        "role": row["role"],
        "teamId": str(row["team_id"]) if row["team_id"] else None,
        "wrestlerId": str(row["wrestler_id"]) if row["wrestler_id"] else None,
        "disabled": row["disabled"],
        "createdAt": iso_utc(row["created_at"]),
    }
