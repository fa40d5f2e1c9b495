"""Small wire-format helpers shared by the account, wrestler and team routes."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID


def iso_utc(value: datetime) -> str:
    """A timestamp on the wire: UTC, whole seconds, `Z` (EXISTING-API §0 createdAt)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def id_or_none(value: UUID | None) -> str | None:
    return str(value) if value is not None else None
