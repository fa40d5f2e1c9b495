"""Shapes shared by many routes: errors, acknowledgements."""

from __future__ import annotations

from typing import Any

from api.schemas.base import Wire


class ErrorResponse(Wire):
    """Every error: a stable code, a human-readable message and what and where (field, row, limit)."""

    error: str
    message: str
    details: dict[str, Any]


class Success(Wire):
    success: bool = True


class Created(Wire):
    """A write of a section form: the id of the batch its points were written under."""

    success: bool = True
    id: str


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The body cannot be read (malformed JSON or multipart)",
    401: "Missing, invalid, expired or revoked token",
    403: "The caller's role or scope does not allow it",
    404: "No such resource (or not a valid id)",
    409: "Conflicts with the current state",
    413: "The body exceeds its limit (the message names it)",
    415: "Unsupported content type",
    422: "Validation failed: `details` maps each location (`body.field`, `query.x`) to its messages",
    429: "Rate limit exceeded (`Retry-After` and `X-RateLimit-*` headers)",
    501: "AI provider failed or is not configured",
    503: "Database unreachable or statement timeout",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorResponse, "description": ERROR_DESCRIPTIONS[code]} for code in codes}
