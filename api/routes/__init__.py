"""Every router of the API, included in one place."""

from __future__ import annotations

from fastapi import FastAPI

from core.config import Settings


def include_all(app: FastAPI, settings: Settings) -> None:
    from api.routes import health

    app.include_router(health.router)
