"""The error side of the contract, documented on every operation from what the operation reads: 401
and 403 where it takes a bearer token, 404 where its path names a resource, 400 and 413 where it
reads a body, 422 where it reads a body or parameters, 429 and 503 everywhere on the API (rate
limits, the database). Each is the one ErrorResponse body: FastAPI's own 422 schema
(HTTPValidationError) is never what the service sends, so it is replaced. Route-specific answers
(409, 415, 501) are declared on their routes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.schemas.common import ERROR_DESCRIPTIONS, ErrorResponse

_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_METHODS = {"get", "post", "put", "patch", "delete"}


def operation_id(route: APIRoute) -> str:
    """The handler's name in camelCase (`get_team_stats` → `getTeamStats`): what generated clients
    name their functions. Handler names are unique across the app (a test checks)."""
    head, *rest = route.name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _codes(path: str, op: dict[str, Any], api_prefix: str) -> set[int]:
    params = op.get("parameters", [])
    codes: set[int] = set()
    if path.startswith(api_prefix):
        codes |= {429, 503}
    elif path == "/ready":
        codes.add(503)
    if op.get("security"):
        codes |= {401, 403}
    if any(p.get("in") == "path" for p in params):
        codes.add(404)
    if "requestBody" in op:
        codes |= {400, 413, 422}
    if params:
        codes.add(422)
    return codes


def with_error_responses(spec: dict[str, Any], api_prefix: str) -> dict[str, Any]:
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            if method not in _METHODS:
                continue
            responses = op.setdefault("responses", {})
            for code in sorted(_codes(path, op, api_prefix) | {int(c) for c in responses if c[0] in "45"}):
                responses[str(code)] = {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": _REF}},
                }
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["ErrorResponse"] = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    return spec


def install(app: FastAPI, api_prefix: str) -> None:
    """app.openapi() answers the document with its error responses (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                servers=app.servers,
            )
            app.openapi_schema = with_error_responses(spec, api_prefix)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
