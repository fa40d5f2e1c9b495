"""Health and readiness."""

from __future__ import annotations

from typing import Literal

from api.schemas.base import Wire

Check = Literal["ok", "timeout", "unreachable", "error"]
# db.migrate.SchemaState, or `unknown` while the database cannot be asked.
Schema = Literal["current", "ahead", "pending", "changed", "unknown"]


class Health(Wire):
    status: Literal["healthy"]
    app: str
    version: str


class Ready(Wire):
    status: Literal["ready", "degraded"]
    database: Check
    migrations: Schema
    redis: Check
