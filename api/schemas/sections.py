"""The dashboard sections' request and response models, generated from the section and chart
declarations (query.registry) by the small typed factories below, so a field or chart added there is
in the contract too. Field names are the wire names."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model, field_validator

from api.schemas.base import Wire, WireAsIs
from ingest.values import parse_signed_percent
from query.registry import CHARTS, INBODY_WIRES, SECTIONS, ChartTemplate, G, S, Section

BloodworkStatus = Literal["optimal", "normal", "attention"]
StatusLabel = Literal["good", "warning", "bad"]
NAIVE_TIME = "ISO 8601; without an offset, wall-clock time in DEFAULT_TIMEZONE"


def _model(name: str, fields: dict[str, Any], base: type[BaseModel] = WireAsIs) -> type[BaseModel]:
    return create_model(name, __base__=base, **fields)


def _camel(path: str) -> str:
    return "".join(p.capitalize() for p in re.split(r"[-/_]", path))


# --- snapshots
_VALUE_TYPES: dict[str, Any] = {"int": int, "signed_percent": str, "bloodwork_status": BloodworkStatus}


def _value_type(codec: str) -> Any:
    return _VALUE_TYPES.get(codec, float) | None


def snapshot_model(section: Section) -> type[BaseModel]:
    """GET …/<section>: {metrics: {<wire>: value or null, …}}."""
    fields: dict[str, Any] = {f.wire: (_value_type(f.codec), ...) for f in section.fields if f.on_get}
    if section.date_field:
        fields[section.date_field] = (str | None, ...)
    metrics = _model(f"{_camel(section.path)}Metrics", fields)
    return _model(f"{_camel(section.path)}Snapshot", {"metrics": (metrics, ...)})


def _overview_model() -> type[BaseModel]:
    wires = [f.wire for f in SECTIONS["overview"].fields]
    values = _model("OverviewMetrics", {w: (float | None, ...) for w in wires})
    deltas = _model("OverviewDeltas", {w: (float | None, ...) for w in wires})
    labels = _model("OverviewStatusLabels", {w: (StatusLabel | None, ...) for w in wires})
    parts = {"metrics": (values, ...), "deltas": (deltas, ...), "statusLabels": (labels, ...)}
    return _model("Overview", parts)


class ChartSeries(Wire):
    """One series: a value (or null) per date, oldest first."""

    dates: list[str]
    values: list[float | None]


def chart_model(name: str, template: ChartTemplate, extra: dict[str, Any] | None = None) -> type[BaseModel]:
    """A chart payload's model from its template: S → ChartSeries, G → dates and one array per
    member, a nested template → a nested model; `extra` adds fields the route computes."""
    fields: dict[str, Any] = {}
    for key, leaf in template.items():
        if isinstance(leaf, S):
            fields[key] = (ChartSeries, ...)
        elif isinstance(leaf, G):
            members: dict[str, Any] = {"dates": (list[str], ...)}
            members |= {m: (list[float | None], ...) for m, _ in leaf.members}
            fields[key] = (_model(name + _camel(key), members), ...)
        else:
            fields[key] = (chart_model(name + _camel(key), leaf, (extra or {}).pop(key, None)), ...)
    for key, value in (extra or {}).items():
        fields[key] = value
    return _model(name, fields)


class Labelled(Wire):
    labels: list[str]
    values: list[float | None]


class RpeDistribution(Wire):
    buckets: list[str]
    values: list[float]


class HrZones(Wire):
    zones: list[str]
    values: list[float | None]


class Bodybuilding(Wire):
    symmetry: Labelled
    activation: Labelled


class StackItem(Wire):
    name: str
    daily: bool


class Stack(Wire):
    supplements: list[StackItem]


def _performance_chart() -> type[BaseModel]:
    template = CHARTS["bodybuilding-performance/charts"]
    extra: dict[str, Any] = {
        "cardio": {"hrZones": (HrZones, ...)},
        "analytics": {"rpe": (RpeDistribution, ...)},
        "bodybuilding": (Bodybuilding, ...),
    }
    return chart_model("BodybuildingPerformanceCharts", template, extra)


CHART_MODELS: dict[str, type[BaseModel]] = {
    path: chart_model(_camel(path), template)
    for path, template in CHARTS.items()
    if path not in ("bodybuilding-performance/charts", "supplements/charts")
}
CHART_MODELS["bodybuilding-performance/charts"] = _performance_chart()
CHART_MODELS["supplements/charts"] = chart_model(
    "SupplementsCharts", CHARTS["supplements/charts"], {"stackOverview": (Stack, ...)}
)
SNAPSHOT_MODELS: dict[str, type[BaseModel]] = {
    s.path: snapshot_model(s) for s in SECTIONS.values() if s.path != "overview"
}
OVERVIEW_MODEL = _overview_model()
INBODY_MODEL = _model("InBody", {w: (float | None, ...) for w in INBODY_WIRES})


# --- POST bodies
def post_model(section: Section) -> type[BaseModel]:
    """POST …/<section>: one field per section field (required ones as the contract has them), the
    bloodwork date, and `recordedAt`. Ranges are the catalog's, applied by the ingest validator."""
    fields: dict[str, Any] = {}
    for f in section.fields:
        if f.codec == "signed_percent":
            fields[f.wire] = (str, Field(max_length=20))
        elif f.codec == "bloodwork_status":
            fields[f.wire] = (BloodworkStatus | None, None)
        else:
            typ: Any = int if f.codec == "int" else float
            if not f.required:
                typ = typ | None
            fields[f.wire] = (typ, Field(... if f.required else None, allow_inf_nan=False))
    if section.date_field:
        fields[section.date_field] = (str, Field(max_length=10))
    fields["recordedAt"] = (datetime | None, Field(None, description=NAIVE_TIME))
    validators: dict[str, Any] = {}
    percent = [f.wire for f in section.fields if f.codec == "signed_percent"]
    if percent:
        validators["check_percent"] = field_validator(*percent)(
            classmethod(lambda cls, v: (parse_signed_percent(v), v)[1])
        )
    model: type[BaseModel] = create_model(f"{_camel(section.path)}Post", __validators__=validators, **fields)
    return model


POST_MODELS: dict[str, type[BaseModel]] = {s.path: post_model(s) for s in SECTIONS.values()}
