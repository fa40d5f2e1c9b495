"""Pure ASGI middleware (no BaseHTTPMiddleware: it would run the app in another task and lose the
request's context variables).

Order, outermost first: CORS → RequestContext (request id, access log, security headers, the JSON 500)
→ BodyLimit → RateLimit → routes. The 500 is rendered here rather than by Starlette's ServerErrorMiddleware
because that one sits outside CORS, so its responses would lack CORS headers.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from typing import Any

import orjson
import sentry_sdk
import structlog
from fastapi.routing import iter_route_contexts
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import ACCESS_CLAIMS_STATE
from api.connection import READ_METHODS
from api.errors import error_body
from api.prometheus import ApiMetrics
from api.ratelimit import RATE_LIMIT_STATE, RateLimits, Verdict, exceeded
from core.config import Settings
from core.errors import AppError
from core.logging import get_logger
from core.security import decode_token, pseudonym

log = get_logger("wrestle.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k.lower() == name:
            return str(v.decode("latin-1"))
    return None


def _json_response(status: int, body: dict[str, Any], headers: dict[str, str]) -> tuple[Message, Message]:
    raw = orjson.dumps(body)
    hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    hdrs += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return (
        {"type": "http.response.start", "status": status, "headers": hdrs},
        {"type": "http.response.body", "body": raw},
    )


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings, metrics: ApiMetrics | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self._templates: dict[int, str] | None = None
        self.no_store_prefixes = (settings.api_v1_prefix + "/auth", settings.api_v1_prefix + "/users")
        self.security_headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if settings.app_env == "production":  # served over HTTPS only
            self.security_headers.append(
                (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
            )

    def _template(self, scope: Scope) -> str:
        """The matched route's full path template (e.g. /api/v1/wrestlers/{wrestlerId}), never the
        raw path, which carries ids. FastAPI puts the router-relative route in the scope, so the full
        template is looked up in a map built once from the app's routes."""
        route = scope.get("route")
        if route is None:
            return "<unmatched>"
        if self._templates is None:
            self._map_templates(scope["app"])
            assert self._templates is not None
        return self._templates.get(id(route)) or str(getattr(route, "path_format", "<unknown>"))

    def _map_templates(self, app: Any) -> None:
        contexts = iter_route_contexts(app.routes)
        self._templates = {id(rc.original_route): rc.path_format or "" for rc in contexts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # At start-up rather than on the first request: building the map makes FastAPI build its
            # routes' effective contexts, which is slow and, under warnings.catch_warnings, not
            # thread-safe (two servers of one process starting their first requests at once).
            if scope["type"] == "lifespan" and self._templates is None and "app" in scope:
                self._map_templates(scope["app"])
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        response_started = False
        no_store = scope["path"].startswith(self.no_store_prefixes)  # token-bearing answers

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(self.security_headers)
                if no_store:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            log.error("unhandled_exception", exc_info=exc, path=scope["path"])
            sentry_sdk.capture_exception(exc)
            if not response_started:
                start, body = _json_response(
                    500, error_body("INTERNAL_ERROR", "An unexpected error occurred"), {}
                )
                await send_wrapper(start)
                await send_wrapper(body)
        finally:
            state = scope.get("state") or {}
            seconds = time.perf_counter() - started
            route = self._template(scope)
            if self.metrics is not None:
                self.metrics.observe(scope["method"], route, status, seconds)
            log.info(
                "request",
                request_id=request_id,
                method=scope["method"],
                route=route,
                status=status,
                duration_ms=round(seconds * 1000, 2),
                user_id=state.get("user_id"),
            )
            structlog.contextvars.unbind_contextvars("request_id")


def _too_many(verdict: Verdict) -> tuple[Message, Message]:
    error = exceeded(verdict)
    return _json_response(429, error_body(error.code, error.message, error.details), verdict.headers())


class RateLimitMiddleware:
    """Per caller (the token's user, or the client IP when anonymous or the token is bad) on the API
    prefix; AI routes also count against their tighter per-user limit.

    Anonymous calls and writes are counted before the route runs. An authenticated read is counted
    while it authenticates: the Redis round trip overlaps the user lookup (one round trip less on every
    dashboard read), and api.auth.get_principal waits for the verdict before the route reads any
    data, so a caller over the limit costs one indexed lookup and gets the same 429. The verdict is
    also awaited before the response starts, for a route that does not authenticate."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.prefix = settings.api_v1_prefix
        self.ai_prefix = settings.api_v1_prefix + "/ai/"

    def _caller(self, scope: Scope) -> tuple[str, bool]:
        """(rate-limit key, whether a valid access token names the caller)."""
        auth = _header(scope, b"authorization")
        if auth and auth[:7].lower() == "bearer ":
            token = auth[7:].strip()
            try:
                claims = decode_token(self.settings, token, "access")
            except AppError:
                pass
            else:
                # Kept for the route's authentication (api.auth.access_claims): verified once.
                scope.setdefault("state", {})[ACCESS_CLAIMS_STATE] = (token, claims)
                return f"user:{claims.sub}", True
        client = scope.get("client")
        return f"ip:{pseudonym(self.settings, 'ip', client[0] if client else 'unknown')}", False

    async def _verdict(self, limits: RateLimits, caller: str, ai: bool) -> Verdict:
        verdict = await limits.count_request(limits.api, f"api:{caller}")
        if verdict.allowed and ai:
            verdict = await limits.count_request(limits.ai, f"ai:{caller}")
        return verdict

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not self.settings.rate_limit_enabled
            or not path.startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        limits: RateLimits = scope["app"].state.wrestle.limits
        caller, authenticated = self._caller(scope)
        pending = asyncio.ensure_future(self._verdict(limits, caller, path.startswith(self.ai_prefix)))
        if authenticated and scope["method"] in READ_METHODS:
            scope.setdefault("state", {})[RATE_LIMIT_STATE] = pending
        else:
            verdict = await pending
            if not verdict.allowed:
                start, body = _too_many(verdict)
                await send(start)
                await send(body)
                return
        replaced = False

        async def send_wrapper(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start":
                verdict = await pending
                if not verdict.allowed and message["status"] != 429:
                    # A read that did not authenticate and ran over the limit: answer 429 instead.
                    replaced = True
                    start, body = _too_many(verdict)
                    await send(start)
                    await send(body)
                    return
                extra = [(k.lower().encode(), v.encode()) for k, v in verdict.headers().items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            elif replaced:
                return
            await send(message)

        await self.app(scope, receive, send_wrapper)  # a request that failed is still counted


class BodyLimitMiddleware:
    """Every request body is bounded before a route sees it: MAX_READINGS_BODY_BYTES for a device
    batch, MAX_JSON_BODY_BYTES for any other. A body past its limit (by Content-Length, or counted
    as it arrives) is answered 413 in the error format, naming the limit. CSV uploads are streamed
    to disk by their route, which applies the caller's role limit (INGEST_MAX_BYTES[_ATHLETE])."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.streamed = settings.api_v1_prefix + "/ingest/csv"
        self.limits = {settings.api_v1_prefix + "/ingest/readings": settings.max_readings_body_bytes}
        self.default = settings.max_json_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READ_METHODS or scope["path"] == self.streamed:
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._too_large(send, limit)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > limit:
                await self._too_large(send, limit)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _too_large(send: Send, limit: int) -> None:
        start, body = _json_response(
            413,
            error_body("PAYLOAD_TOO_LARGE", f"Request body exceeds {limit} bytes", {"limitBytes": limit}),
            {},
        )
        await send(start)
        await send(body)
