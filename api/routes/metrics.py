"""Routes: the metric catalog, display names in the caller's locale; admins add custom
metrics."""

from __future__ import annotations

from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Header
from pydantic import BaseModel, Field, model_validator

from api.auth import AdminUser, CurrentUser
from api.connection import Conn
from api.responses import OrjsonResponse
from api.schemas.catalog import CatalogOut, MetricOut
from api.schemas.common import error_responses
from core.domains import DOMAIN_KEYS
from core.errors import Conflict, ValidationFailed
from db import catalog as catalog_sql
from ingest.normalize import normalise_name
from query.catalog_view import catalog_payload, metric_json
from query.sections import pick_locale

router = APIRouter(tags=["metrics"])
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language")]


@router.get("/metrics", response_model=CatalogOut)
async def list_metrics(
    conn: Conn, user: CurrentUser, accept_language: AcceptLanguage = None
) -> OrjsonResponse:
    """Every role may read the catalog: it describes metrics, not athletes."""
    rows = await catalog_sql.metric_catalog(conn)
    return OrjsonResponse(catalog_payload([dict(r) for r in rows], pick_locale(accept_language)))


class MetricIn(BaseModel):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", min_length=2, max_length=64)
    domain: str = Field(min_length=1, max_length=64)
    nameEn: str = Field(min_length=1, max_length=255)
    nameFa: str | None = Field(None, min_length=1, max_length=255)
    unit: str = Field("", max_length=32)
    kind: Literal["numeric", "duration", "code"] = "numeric"
    minValue: float | None = None
    maxValue: float | None = None
    direction: Literal["higher_better", "lower_better", "target"] = "higher_better"
    targetLow: float | None = None
    targetHigh: float | None = None
    panel: str | None = Field(None, max_length=64)
    aliases: list[str] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _ranges(self) -> MetricIn:
        if self.minValue is not None and self.maxValue is not None and self.minValue > self.maxValue:
            raise ValueError("minValue must not exceed maxValue")
        if self.targetLow is not None and self.targetHigh is not None and self.targetLow > self.targetHigh:
            raise ValueError("targetLow must not exceed targetHigh")
        return self


@router.post("/metrics", status_code=201, response_model=MetricOut, responses=error_responses(409))
async def create_metric(
    conn: Conn, user: AdminUser, body: MetricIn, accept_language: AcceptLanguage = None
) -> OrjsonResponse:
    """A custom metric: ingest accepts it (by key or alias) from the next request on."""
    if body.domain not in DOMAIN_KEYS:
        raise ValidationFailed("Unknown domain", {"body.domain": [f"Unknown domain '{body.domain}'"]})
    aliases = sorted({a for a in (normalise_name(x) for x in body.aliases) if a} - {body.key})
    taken = await catalog_sql.taken_names(conn, body.domain, [body.key, *aliases])
    if taken:
        raise Conflict("Metric key or alias already in use", {"taken": taken})
    try:
        row = await catalog_sql.create_custom_metric(
            conn,
            domain=body.domain,
            key=body.key,
            name_en=body.nameEn,
            name_fa=body.nameFa or body.nameEn,
            unit=body.unit,
            kind=body.kind,
            min_value=body.minValue,
            max_value=body.maxValue,
            direction=body.direction,
            target_low=body.targetLow,
            target_high=body.targetHigh,
            panel=body.panel,
            aliases=tuple(aliases),
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("Metric key already in use", {"key": body.key}) from exc
    return OrjsonResponse(metric_json(dict(row), pick_locale(accept_language)), status_code=201)
