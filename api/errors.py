"""Every error leaves as {error, message, details}."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.responses import OrjsonResponse
from core.errors import AppError, QueryTimeout
from core.logging import get_logger

log = get_logger("wrestle.errors")

_STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "NOT_AUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMIT_EXCEEDED",
    503: "SERVICE_UNAVAILABLE",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "details": details or {}}


def validation_details(errors: list[Any]) -> dict[str, list[str]]:
    """Every message per location (dotted), not just the last one."""
    out: dict[str, list[str]] = {}
    for e in errors:
        loc = ".".join(str(p) for p in e.get("loc", ())) or "body"
        out.setdefault(loc, []).append(str(e.get("msg", "invalid")))
    return out


async def _app_error(request: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, AppError)
    return OrjsonResponse(
        error_body(exc.code, exc.message, exc.details),
        status_code=exc.status_code,
        headers=exc.headers or None,
    )


async def _validation_error(request: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, RequestValidationError)
    return OrjsonResponse(
        error_body("VALIDATION_ERROR", "Request validation failed", validation_details(list(exc.errors()))),
        status_code=422,
    )


async def _http_error(request: Request, exc: Exception) -> OrjsonResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "HTTP_ERROR")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ").capitalize()
    return OrjsonResponse(
        error_body(code, message), status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _query_timeout(request: Request, exc: Exception) -> OrjsonResponse:
    """A statement past the server's statement_timeout (or a server that stopped answering)."""
    limit = request.app.state.wrestle.settings.statement_timeout_ms
    error = QueryTimeout(
        f"The database did not answer within {limit / 1000:g} s (STATEMENT_TIMEOUT_MS);"
        " ask for less (a shorter range, fewer metrics) or retry",
        {"statementTimeoutMs": limit},
    )
    return await _app_error(request, error)


async def _bad_text(request: Request, exc: Exception) -> OrjsonResponse:
    """Text PostgreSQL cannot store (a NUL character): the client's input, a 422."""
    return OrjsonResponse(
        error_body(
            "VALIDATION_ERROR",
            "Text may not contain NUL (\\u0000) characters",
            {"body": ["a text value contains a NUL character"]},
        ),
        status_code=422,
    )


async def _unhandled(request: Request, exc: Exception) -> OrjsonResponse:
    log.error("unhandled_exception", exc_info=exc, path=request.url.path)
    return OrjsonResponse(error_body("INTERNAL_ERROR", "An unexpected error occurred"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(asyncpg.QueryCanceledError, _query_timeout)
    app.add_exception_handler(asyncpg.CharacterNotInRepertoireError, _bad_text)
    app.add_exception_handler(asyncpg.UntranslatableCharacterError, _bad_text)
    app.add_exception_handler(TimeoutError, _query_timeout)
    app.add_exception_handler(Exception, _unhandled)
