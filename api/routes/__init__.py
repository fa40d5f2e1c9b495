"""Every router of the API, included in one place."""

from __future__ import annotations

from fastapi import FastAPI

from core.config import Settings


def include_all(app: FastAPI, settings: Settings) -> None:
    from api.routes import (
        ai,
        alerts,
        auth,
        health,
        ingest,
        metrics,
        scores,
        sections,
        series,
        teams,
        teams_dashboard,
        training,
        users,
        weight,
        wrestlers,
    )

    app.include_router(health.router)
    prefix = settings.api_v1_prefix
    for module in (
        auth,
        users,
        wrestlers,
        teams,
        teams_dashboard,
        sections,
        scores,
        training,
        series,
        metrics,
        ingest,
        weight,
        alerts,
        ai,
    ):
        app.include_router(module.router, prefix=prefix)
