"""Values written through the API (the section forms, the overview radar): one point per field at
one time, through the validation of bulk ingest (catalog ranges and units, naive times read in the
configured zone, who may write what) and its write path, as one strict batch of format 'api': all
the values are written or none."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from uuid import UUID

import polars as pl

from core.errors import Forbidden, ValidationFailed
from db.types import PgConn
from ingest.pipeline import Options, run_ingest
from ingest.validate import RAW_SCHEMA, Actor, Columns

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
