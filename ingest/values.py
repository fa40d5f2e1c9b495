"""Values written through the API (the section forms, the overview radar): one point per field at
one time, through the validation of bulk ingest (catalog ranges and units, naive times read in the
configured zone, who may write what) and its write path, as one strict batch of format 'api': all
the values are written or none."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import polars as pl

from core.errors import Forbidden, ValidationFailed
from db.types import PgConn
from ingest.pipeline import Options, run_ingest
from ingest.validate import RAW_SCHEMA, Actor, Columns
from query.registry import BLOODWORK_STATUS_CODE, Section

TIME_FIELD = "body.recordedAt"


@dataclass(frozen=True)
class FieldValue:
    field: str  # where the caller put it, as errors name it (body.<wire field>)
    metric: str  # catalog key
    value: float


async def write_values(
    conn: PgConn,
    actor: Actor,
    wrestler_id: UUID,
    values: Sequence[FieldValue],
    recorded_at: str,
    *,
    timezone: str,
) -> int:
    """Write the values of one wrestler at `recorded_at` (ISO 8601; naive = wall-clock time in
    `timezone`); return the batch id. Out-of-range values and bad times are 422 naming the field;
    a value the caller may not write is 403."""
    raw = pl.DataFrame(
        {
            "line": list(range(1, len(values) + 1)),
            "wrestler": [str(wrestler_id)] * len(values),
            "metric": [v.metric for v in values],
            "recorded_at": [recorded_at] * len(values),
            "value": [repr(float(v.value)) for v in values],
            "domain": [None] * len(values),
            "unit": [None] * len(values),
            "source": ["api"] * len(values),
            "vcol": [v.field for v in values],
        },
        schema=RAW_SCHEMA,
    )

    def chunks() -> Iterator[pl.DataFrame]:
        yield raw

    report = await run_ingest(
        conn,
        chunks,
        opts=Options(timezone=timezone, strict=True, source="api"),
        actor=actor,
        fmt="api",
        cols=Columns(wrestler="wrestlerId", metric="metric", recorded_at=TIME_FIELD),
    )
    if report.error_count:
        forbidden = [e for e in report.errors if e["code"] == "FORBIDDEN"]
        if forbidden:
            raise Forbidden(str(forbidden[0]["message"]))
        details: dict[str, list[str]] = {}
        for e in report.errors:
            details.setdefault(str(e["column"]), []).append(str(e["message"]))
        raise ValidationFailed("Invalid values", details)
    assert report.batch_id is not None
    return report.batch_id


_PERCENT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*%?\s*$")


def parse_signed_percent(value: str) -> float:
    """'+8%' → 8.0 (the supplements form's monthlyProgress)."""
    m = _PERCENT.match(value)
    if m is None:
        raise ValueError("must look like '+8%', '-3%' or '0%'")
    return float(m.group(1))


def section_values(section: Section, body: Mapping[str, Any]) -> list[FieldValue]:
    """The value of every field present in a section form (one left out is not written), decoded as
    its codec says ('+8%' → 8.0, a bloodwork status → its code)."""
    out: list[FieldValue] = []
    for f in section.fields:
        v = body.get(f.wire)
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


def section_time(section: Section, body: Mapping[str, Any]) -> str:
    """`recordedAt` when given; bloodwork: noon of lastTestDate (local); else now. ISO 8601, naive
    when the caller's was: the validator reads naive times in the configured zone."""
    when = body.get("recordedAt")
    if when is not None:
        return str(when.isoformat())
    if section.date_field:
        raw = body[section.date_field]
        try:
            day = date.fromisoformat(raw)
        except ValueError as exc:
            raise ValidationFailed(
                "Invalid date format", {f"body.{section.date_field}": ["Date must be in YYYY-MM-DD format"]}
            ) from exc
        return f"{day.isoformat()} 12:00:00"
    return datetime.now(UTC).isoformat()


def _fold(label: str) -> str:
    return re.sub(r"[\s\u200c_-]+", "", label.strip().lower())


def radar_values(names: pl.DataFrame, labels: Sequence[str], values: Sequence[float]) -> list[FieldValue]:
    """The radar's labels (a radar metric's key, English or Persian name; case, spaces and ZWNJ
    ignored) against `names` (key, name_en, name_fa of the radar metrics) → field values."""
    if len(labels) != len(values):
        raise ValidationFailed("Labels and values must have the same length")
    lookup: dict[str, str] = {}
    for r in names.iter_rows(named=True):
        for alias in (r["key"], r["key"].removeprefix("radar_"), r["name_en"], r["name_fa"]):
            lookup[_fold(alias)] = r["key"]
    out: list[FieldValue] = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        key = lookup.get(_fold(label))
        if key is None:
            raise ValidationFailed("Unknown radar label", {f"body.labels.{i}": [f"Unknown label '{label}'"]})
        out.append(FieldValue(f"body.values.{i}", key, value))
    return out
