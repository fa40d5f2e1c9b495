"""Routes: the generic series endpoint: raw points or day/week/month buckets, the
buckets read from the daily aggregates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from api.access import ScopeDep, WrestlerInScope
from api.connection import Conn
from api.payload_cache import PayloadRoute, SeriesPayload
from api.responses import OrjsonResponse
from api.schemas.series import SeriesOut
from api.state import SettingsDep
from core.timezones import as_utc
from db import series_reads as series_reads_sql
from query.series_view import Agg, Bucket, check_range, series_payload

router = APIRouter(prefix="/wrestlers/{wrestlerId}", tags=["series"], route_class=PayloadRoute)
DEFAULT_RANGE = timedelta(days=30)


NAIVE = "ISO 8601; without an offset, wall-clock time in DEFAULT_TIMEZONE"


@router.get("/series", response_model=SeriesOut, dependencies=[SeriesPayload])
async def get_series(
    conn: Conn,
    settings: SettingsDep,
    wrestler: WrestlerInScope,
    scope: ScopeDep,
    metric: Annotated[list[str], Query(min_length=1, max_length=20)],
    from_: Annotated[datetime | None, Query(alias="from", description=NAIVE)] = None,
    to: Annotated[datetime | None, Query(description=NAIVE)] = None,
    bucket: Annotated[Bucket, Query()] = "day",
    agg: Annotated[Agg, Query()] = "avg",
) -> OrjsonResponse:
    """Defaults: to = now, from = to − 30 days; bucket day, agg avg. Answers carry UTC instants (a
    bucket's t is its local start in the bucket time zone)."""
    end = as_utc(to, settings.default_timezone) if to else datetime.now(UTC)
    start = as_utc(from_, settings.default_timezone) if from_ else end - DEFAULT_RANGE
    keys = list(dict.fromkeys(metric))
    check_range(start, end, bucket)
    points = await series_reads_sql.series_points(conn, scope, wrestler["id"], keys, start, end, bucket, agg)
    return OrjsonResponse(series_payload(points, keys, bucket, start, end))
