"""Routes: the six wrestler sections, generated from query.registry by the small
factories below, each with its typed request and response models (api.schemas.sections).

GETs need the wrestler in the caller's scope. POSTs write through the validation of bulk ingest
(ingest.values): catalog ranges and units, naive `recordedAt` read in DEFAULT_TIMEZONE, and its rule
of who may write what (admins, the wrestler's coach, the athlete for self-reported domains only).
A field the caller leaves out is not written. Reads are serialised with orjson (they are the hot
path); each sends exactly its declared model.
"""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query
from pydantic import BaseModel, Field

from api.access import ScopeDep, WrestlerInScope
from api.auth import CurrentUser
from api.connection import Conn, PooledConn
from api.payload_cache import PayloadRoute, WrestlerPayload
from api.responses import OrjsonResponse
from api.schemas.common import Created, Success
from api.schemas.scores import SectionScore
from api.schemas.sections import (
    CHART_MODELS,
    INBODY_MODEL,
    NAIVE_TIME,
    OVERVIEW_MODEL,
    POST_MODELS,
    SNAPSHOT_MODELS,
    Labelled,
)
from api.state import SettingsDep, State
from db import charts as charts_sql
from db import scores as scores_sql
from db import snapshots as snapshots_sql
from ingest.validate import Actor
from ingest.values import radar_values, section_time, section_values, write_values
from query import sections as payloads
from query.registry import (
    ACTIVATION,
    CHARTS,
    HR_ZONE_KEYS,
    PERFORMANCE_DAILY_EXTRA,
    RADAR_KEYS,
    SECTIONS,
    STACK_WINDOW_DAYS,
    SUPPLEMENT_STATS,
    SYMMETRY,
    Section,
    chart_keys,
)

router = APIRouter(prefix="/wrestlers/{wrestlerId}", tags=["sections"], route_class=PayloadRoute)

Limit = Annotated[int, Query(ge=1, le=365, description="Days with data to return, latest last")]
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language")]


def _register_post(section: Section) -> None:
    Body = POST_MODELS[section.path]

    async def post_section(
        conn: PooledConn,
        user: CurrentUser,
        wrestler: WrestlerInScope,
        settings: SettingsDep,
        body: Body,  # type: ignore[valid-type]  # the section's own model (FastAPI reads it)
    ) -> Created:
        data = body.model_dump()  # type: ignore[attr-defined]
        batch_id = await write_values(
            conn,
            Actor.for_principal(user),
            wrestler["id"],
            section_values(section, data),
            section_time(section, data),
            timezone=settings.default_timezone,
        )
        return Created(id=str(batch_id))

    post_section.__name__ = f"post_{section.score_key}"
    router.post(f"/{section.path}", status_code=201, response_model=Created)(post_section)


def _register_score(section: Section) -> None:
    async def get_score(conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep) -> OrjsonResponse:
        row = await scores_sql.latest_section_score(conn, scope, wrestler["id"], section.score_key)
        return OrjsonResponse(payloads.score_payload(section.score_key, dict(row) if row else None))

    get_score.__name__ = f"get_{section.score_key}_score"
    router.get(f"/{section.path}/score", response_model=SectionScore, dependencies=[WrestlerPayload])(
        get_score
    )


def _register_snapshot(section: Section) -> None:
    keys = list(section.keys)

    async def get_section(conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep) -> OrjsonResponse:
        snap = await snapshots_sql.snapshots(conn, scope, wrestler["id"], keys)
        return OrjsonResponse(payloads.section_payload(section.path, snap))

    get_section.__name__ = f"get_{section.score_key}"
    router.get(
        f"/{section.path}", response_model=SNAPSHOT_MODELS[section.path], dependencies=[WrestlerPayload]
    )(get_section)


def _register_chart(path: str) -> None:
    template = CHARTS[path]
    keys = chart_keys(template)

    async def get_chart(
        conn: Conn, state: State, wrestler: WrestlerInScope, scope: ScopeDep, limit: Limit = 30
    ) -> OrjsonResponse:
        daily = await charts_sql.daily_latest(conn, scope, wrestler["id"], keys, limit, state.bucket_timezone)
        return OrjsonResponse(payloads.chart_payload(template, daily, limit))

    get_chart.__name__ = "get_" + path.replace("-", "_").replace("/", "_")
    router.get(f"/{path}", response_model=CHART_MODELS[path], dependencies=[WrestlerPayload])(get_chart)


@router.get("/overview", response_model=OVERVIEW_MODEL, dependencies=[WrestlerPayload])
async def get_overview(conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep) -> OrjsonResponse:
    snap, overall = await snapshots_sql.snapshots_and_overall(
        conn, scope, wrestler["id"], list(SECTIONS["overview"].keys), 2
    )
    return OrjsonResponse(payloads.overview_payload(snap, overall))


@router.get("/overview/chart", response_model=Labelled, dependencies=[WrestlerPayload])
async def get_overview_chart(
    conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep, accept_language: AcceptLanguage = None
) -> OrjsonResponse:
    snap = await snapshots_sql.snapshots(conn, scope, wrestler["id"], list(RADAR_KEYS))
    return OrjsonResponse(payloads.radar_payload(snap, payloads.pick_locale(accept_language)))


class RadarPost(BaseModel):
    labels: list[str] = Field(min_length=1, max_length=len(RADAR_KEYS))
    values: list[float] = Field(min_length=1, max_length=len(RADAR_KEYS))
    recordedAt: datetime | None = Field(None, description=NAIVE_TIME)


@router.post("/overview/chart", status_code=201, response_model=Success)
async def post_overview_chart(
    conn: PooledConn,
    user: CurrentUser,
    wrestler: WrestlerInScope,
    scope: ScopeDep,
    settings: SettingsDep,
    body: RadarPost,
) -> Success:
    """The radar values, all at one timestamp. A label is a radar metric's key, English or Persian
    name (case, spaces and ZWNJ ignored)."""
    names = await snapshots_sql.snapshots(conn, scope, wrestler["id"], list(RADAR_KEYS))
    when = body.recordedAt or datetime.now(UTC)
    await write_values(
        conn,
        Actor.for_principal(user),
        wrestler["id"],
        radar_values(names, body.labels, body.values),
        when.isoformat(),
        timezone=settings.default_timezone,
    )
    return Success()


@router.get("/body-composition/inbody", response_model=INBODY_MODEL, dependencies=[WrestlerPayload])
async def get_inbody(conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep) -> OrjsonResponse:
    snap = await snapshots_sql.snapshots(conn, scope, wrestler["id"], list(SECTIONS["body-composition"].keys))
    return OrjsonResponse(payloads.inbody_payload(snap))


@router.get(
    "/supplements/charts", response_model=CHART_MODELS["supplements/charts"], dependencies=[WrestlerPayload]
)
async def get_supplements_charts(
    conn: Conn,
    state: State,
    wrestler: WrestlerInScope,
    scope: ScopeDep,
    limit: Limit = 30,
    accept_language: AcceptLanguage = None,
) -> OrjsonResponse:
    template = CHARTS["supplements/charts"]
    daily, stack = await charts_sql.supplement_charts(
        conn,
        scope,
        wrestler["id"],
        chart_keys(template),
        limit,
        state.bucket_timezone,
        sorted(SUPPLEMENT_STATS),
        STACK_WINDOW_DAYS,
    )
    out = payloads.chart_payload(template, daily, limit)
    out["stackOverview"] = payloads.stack_payload(stack, payloads.pick_locale(accept_language))
    return OrjsonResponse(out)


@router.get(
    "/bodybuilding-performance/charts",
    response_model=CHART_MODELS["bodybuilding-performance/charts"],
    dependencies=[WrestlerPayload],
)
async def get_performance_charts(
    conn: Conn, state: State, wrestler: WrestlerInScope, scope: ScopeDep, limit: Limit = 30
) -> OrjsonResponse:
    keys = chart_keys(CHARTS["bodybuilding-performance/charts"]) + list(PERFORMANCE_DAILY_EXTRA)
    latest = [*HR_ZONE_KEYS, *(k for _, k in SYMMETRY), *(k for _, k in ACTIVATION)]
    daily = await charts_sql.daily_latest(
        conn, scope, wrestler["id"], keys, limit, state.bucket_timezone, latest=latest
    )
    return OrjsonResponse(payloads.performance_chart_payload(daily, latest, limit))


# Specific paths first (FastAPI matches in registration order).
for _path in ("body-composition/trends", "bloodwork/charts", "recovery/charts"):
    _register_chart(_path)
for _section in SECTIONS.values():
    _register_score(_section)
    _register_post(_section)
    if _section.path != "overview":
        _register_snapshot(_section)
