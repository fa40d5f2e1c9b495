"""Routes: the six wrestler sections (EXISTING-API §4.3), generated from query.registry.

GETs need the wrestler in the caller's scope. POSTs write through the validation of bulk ingest
(ingest.values): catalog ranges and units, naive `recordedAt` read in DEFAULT_TIMEZONE, and its rule
of who may write what (admins, the wrestler's coach, the athlete for self-reported domains only).
A field the caller leaves out is not written.
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Query
from pydantic import BaseModel, Field, create_model, field_validator

from api.access import ScopeDep, WrestlerInScope
from api.auth import CurrentUser
from api.connection import Conn, PooledConn
from api.responses import OrjsonResponse
from api.state import SettingsDep, State
from core.errors import ValidationFailed
from db import charts as charts_sql
from db import scores as scores_sql
from db import snapshots as snapshots_sql
from ingest.validate import Actor
from ingest.values import FieldValue, write_values
from query import sections as payloads
from query.registry import (
    ACTIVATION,
    BLOODWORK_STATUS_CODE,
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

router = APIRouter(prefix="/wrestlers/{wrestlerId}", tags=["sections"])

Limit = Annotated[int, Query(ge=1, le=365)]
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language")]


class Created(BaseModel):
    success: bool = True
    id: str


class Success(BaseModel):
    success: bool = True


# --- POST bodies, one model per section, generated from the field declarations
_PERCENT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*%?\s*$")


def parse_signed_percent(value: str) -> float:
    m = _PERCENT.match(value)
    if m is None:
        raise ValueError("must look like '+8%', '-3%' or '0%'")
    return float(m.group(1))


def _body_model(section: Section) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for f in section.fields:
        if f.codec == "signed_percent":
            fields[f.wire] = (str, Field(max_length=20))
        elif f.codec == "bloodwork_status":
            fields[f.wire] = (Literal["optimal", "normal", "attention"] | None, None)
        else:
            typ: Any = int if f.codec == "int" else float
            if not f.required:
                typ = typ | None
            # Ranges are the catalog's, checked by the ingest validator (one validation path).
            fields[f.wire] = (typ, Field(... if f.required else None, allow_inf_nan=False))
    if section.date_field:
        fields[section.date_field] = (str, ...)
    fields["recordedAt"] = (
        datetime | None,
        Field(None, description="ISO 8601; without an offset, wall-clock time in DEFAULT_TIMEZONE"),
    )
    validators: dict[str, Any] = {}
    percent = [f.wire for f in section.fields if f.codec == "signed_percent"]
    if percent:
        validators["check_percent"] = field_validator(*percent)(
            classmethod(lambda cls, v: (parse_signed_percent(v), v)[1])
        )
    name = "".join(p.capitalize() for p in section.path.split("-")) + "Post"
    return create_model(name, __validators__=validators, **fields)


def body_values(section: Section, body: BaseModel) -> list[FieldValue]:
    """The value of every field present in the body (a field left out is not written)."""
    data = body.model_dump()
    out: list[FieldValue] = []
    for f in section.fields:
        v = data.get(f.wire)
        if v is None:
            continue
        if f.codec == "signed_percent":
            value = parse_signed_percent(v)
        elif f.codec == "bloodwork_status":
            value = BLOODWORK_STATUS_CODE[v]
        else:
            value = float(v)
        out.append(FieldValue(f"body.{f.wire}", f.key, value))
    return out


def recorded_at(section: Section, body: BaseModel) -> str:
    """`recordedAt` when given; bloodwork: noon of lastTestDate (local); else now. ISO 8601, naive
    when the caller's was: the ingest validator reads naive times in DEFAULT_TIMEZONE."""
    data = body.model_dump()
    when = data.get("recordedAt")
    if when is not None:
        return str(when.isoformat())
    if section.date_field:
        raw = data[section.date_field]
        try:
            day = date.fromisoformat(raw)
        except ValueError as exc:
            raise ValidationFailed(
                "Invalid date format", {f"body.{section.date_field}": ["Date must be in YYYY-MM-DD format"]}
            ) from exc
        return f"{day.isoformat()} 12:00:00"
    return datetime.now(UTC).isoformat()


def _register_post(section: Section) -> None:
    model = _body_model(section)

    async def post_section(
        conn: PooledConn,
        user: CurrentUser,
        wrestler: WrestlerInScope,
        settings: SettingsDep,
        body: Any = Body(),
    ) -> Created:
        batch_id = await write_values(
            conn,
            Actor.for_principal(user),
            wrestler["id"],
            body_values(section, body),
            recorded_at(section, body),
            timezone=settings.default_timezone,
        )
        return Created(id=str(batch_id))

    post_section.__annotations__["body"] = model
    post_section.__name__ = f"post_{section.score_key}"
    router.post(f"/{section.path}", status_code=201, response_model=Created)(post_section)


def _register_score(section: Section) -> None:
    async def get_score(conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep) -> OrjsonResponse:
        row = await scores_sql.latest_section_score(conn, scope, wrestler["id"], section.score_key)
        return OrjsonResponse(payloads.score_payload(section.score_key, dict(row) if row else None))

    get_score.__name__ = f"get_{section.score_key}_score"
    router.get(f"/{section.path}/score")(get_score)


def _register_snapshot(section: Section) -> None:
    keys = list(section.keys)

    async def get_section(conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep) -> OrjsonResponse:
        snap = await snapshots_sql.snapshots(conn, scope, wrestler["id"], keys)
        return OrjsonResponse(payloads.section_payload(section.path, snap))

    get_section.__name__ = f"get_{section.score_key}"
    router.get(f"/{section.path}")(get_section)


def _register_chart(path: str) -> None:
    template = CHARTS[path]
    keys = chart_keys(template)

    async def get_chart(
        conn: Conn, state: State, wrestler: WrestlerInScope, scope: ScopeDep, limit: Limit = 30
    ) -> OrjsonResponse:
        daily = await charts_sql.daily_latest(conn, scope, wrestler["id"], keys, limit, state.bucket_timezone)
        return OrjsonResponse(payloads.chart_payload(template, daily, limit))

    get_chart.__name__ = "get_" + path.replace("-", "_").replace("/", "_")
    router.get(f"/{path}")(get_chart)


@router.get("/overview")
async def get_overview(conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep) -> OrjsonResponse:
    snap, overall = await snapshots_sql.snapshots_and_overall(
        conn, scope, wrestler["id"], list(SECTIONS["overview"].keys), 2
    )
    return OrjsonResponse(payloads.overview_payload(snap, overall))


@router.get("/overview/chart")
async def get_overview_chart(
    conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep, accept_language: AcceptLanguage = None
) -> OrjsonResponse:
    snap = await snapshots_sql.snapshots(conn, scope, wrestler["id"], list(RADAR_KEYS))
    return OrjsonResponse(payloads.radar_payload(snap, payloads.pick_locale(accept_language)))


class RadarPost(BaseModel):
    labels: list[str] = Field(min_length=1, max_length=len(RADAR_KEYS))
    values: list[float] = Field(min_length=1, max_length=len(RADAR_KEYS))
    recordedAt: datetime | None = Field(
        None, description="ISO 8601; without an offset, wall-clock time in DEFAULT_TIMEZONE"
    )


def _fold(label: str) -> str:
    return re.sub(r"[\s\u200c_-]+", "", label.strip().lower())


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
    if len(body.labels) != len(body.values):
        raise ValidationFailed("Labels and values must have the same length")
    snap = await snapshots_sql.snapshots(conn, scope, wrestler["id"], list(RADAR_KEYS))
    lookup: dict[str, str] = {}
    for r in snap.iter_rows(named=True):
        for alias in (r["key"], r["key"].removeprefix("radar_"), r["name_en"], r["name_fa"]):
            lookup[_fold(alias)] = r["key"]
    values: list[FieldValue] = []
    for i, (label, value) in enumerate(zip(body.labels, body.values, strict=True)):
        key = lookup.get(_fold(label))
        if key is None:
            raise ValidationFailed("Unknown radar label", {f"body.labels.{i}": [f"Unknown label '{label}'"]})
        values.append(FieldValue(f"body.values.{i}", key, value))
    when = body.recordedAt or datetime.now(UTC)
    await write_values(
        conn,
        Actor.for_principal(user),
        wrestler["id"],
        values,
        when.isoformat(),
        timezone=settings.default_timezone,
    )
    return Success()


@router.get("/body-composition/inbody")
async def get_inbody(conn: Conn, wrestler: WrestlerInScope, scope: ScopeDep) -> OrjsonResponse:
    snap = await snapshots_sql.snapshots(conn, scope, wrestler["id"], list(SECTIONS["body-composition"].keys))
    return OrjsonResponse(payloads.inbody_payload(snap))


@router.get("/supplements/charts")
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


@router.get("/bodybuilding-performance/charts")
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
