"""Routes: ingest — CSV upload, device readings, batch list/detail/undo."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import anyio
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from api.auth import CurrentUser, Uploader
from api.connection import Conn, PooledConn
from api.fields import IdText, Label
from api.pagination import PageDep
from api.responses import OrjsonResponse
from api.schemas.common import error_responses
from api.schemas.ingest import Batch, BatchList, UndoneBatch
from api.schemas.ingest import Report as ReportOut
from api.state import AppState, SettingsDep, State
from core.access import Principal
from core.config import Settings
from core.errors import (
    MalformedBody,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from db import ingest_batches as batches_sql
from db.connection import connect
from ingest.batches import batch_json
from ingest.pipeline import Options, Report, undo_batch
from ingest.service import MAX_READINGS, ingest_csv, ingest_readings, strict_failure
from ingest.validate import Actor, Calendar

router = APIRouter(tags=["ingest"])
CSV_TYPES = {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"}


class IngestParams(BaseModel):
    calendar: Calendar = "auto"
    timezone: str | None = Field(
        None, max_length=64, description="Zone of naive times (IANA name); default DEFAULT_TIMEZONE"
    )
    dryRun: bool = False
    strict: bool = False
    createMissingWrestlers: bool = False
    registerMetrics: bool = False
    source: str | None = Field(default=None, max_length=200)

    def options(self, default_tz: str, default_source: str) -> Options:
        tz = self.timezone or default_tz
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationFailed(f"unknown time zone '{tz}'", {"timezone": [tz]}) from exc
        return Options(
            calendar=self.calendar,
            timezone=tz,
            dry_run=self.dryRun,
            strict=self.strict,
            create_missing_wrestlers=self.createMissingWrestlers,
            register_metrics=self.registerMetrics,
            source=self.source or default_source,
        )


def _too_large(limit: int, role: str) -> PayloadTooLarge:
    setting = "INGEST_MAX_BYTES_ATHLETE" if role == "athlete" else "INGEST_MAX_BYTES"
    return PayloadTooLarge(
        f"Upload exceeds {limit} bytes, the limit for role '{role}' ({setting})", {"limitBytes": limit}
    )


def upload_limit(settings: Settings, role: str) -> int:
    return settings.ingest_max_bytes_athlete if role == "athlete" else settings.ingest_max_bytes


async def _limited(request: Request, limit: int, role: str) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _too_large(limit, role)
        yield chunk


async def _save_upload(request: Request, path: Path, limit: int, role: str) -> str | None:
    """Stream the body (or its first file part) to path; return the upload's file name."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise _too_large(limit, role)
    if ctype in CSV_TYPES:
        async with await anyio.open_file(path, "wb") as f:
            async for chunk in _limited(request, limit, role):
                await f.write(chunk)
        return None
    if ctype != "multipart/form-data":
        raise UnsupportedMediaType(
            f"content type '{ctype or 'none'}' is not accepted; send text/csv or multipart/form-data",
            {"contentType": ctype},
        )
    try:
        form = await MultiPartParser(
            request.headers, _limited(request, limit, role), max_files=1, max_fields=20
        ).parse()
    except MultiPartException as exc:
        raise MalformedBody(f"Unreadable multipart body: {exc.message}", {"contentType": ctype}) from exc
    upload = next((v for v in form.values() if isinstance(v, UploadFile)), None)
    if upload is None:
        raise ValidationFailed("multipart body has no file part", {"file": ["required"]})
    try:
        async with await anyio.open_file(path, "wb") as f:
            while chunk := await upload.read(1 << 20):
                await f.write(chunk)
    finally:
        await upload.close()
    return upload.filename


def answer(state: AppState, opts: Options, report: Report) -> OrjsonResponse:
    """The report, counted in the process's metrics when written; 422 for a strict ingest with
    rejected rows (nothing was written)."""
    if report.committed and state.metrics is not None:
        state.metrics.count_ingest(
            report.rows_inserted, report.rows_updated, report.rows_unchanged, report.rows_rejected
        )
    if opts.strict and report.error_count:
        raise strict_failure(report)
    return OrjsonResponse(report.to_json())


@router.post(
    "/ingest/csv",
    name="ingest_csv",
    response_model=ReportOut,
    responses=error_responses(415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The CSV file: the body itself (text/csv), or the file part of a multipart form",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    },
)
async def post_csv(
    request: Request,
    state: State,
    user: Uploader,
    settings: SettingsDep,
    params: Annotated[IngestParams, Query()],
    format: Literal["auto", "long", "wide"] = "auto",
) -> OrjsonResponse:
    """The upload (at most INGEST_MAX_BYTES, INGEST_MAX_BYTES_ATHLETE for athletes) is streamed to a
    temporary file with no database connection held; it is then ingested on a connection of its
    own, never one of the API's pool, so other requests do not wait for it (at most
    INGEST_CONCURRENCY uploads at once per process, each bounded by INGEST_STATEMENT_TIMEOUT_MS)."""
    opts = params.options(settings.default_timezone, "csv")
    with tempfile.TemporaryDirectory(prefix="wrestle-ingest-") as tmp:
        path = Path(tmp) / "upload.csv"
        filename = await _save_upload(request, path, upload_limit(settings, user.role), user.role)
        async with state.upload_slots:
            conn = await connect(settings, statement_timeout_ms=settings.ingest_statement_timeout_ms)
            try:
                report = await ingest_csv(
                    conn, path, fmt=format, opts=opts, actor=Actor.for_principal(user), filename=filename
                )
            finally:
                await conn.close()
    return answer(state, opts, report)


class Reading(BaseModel):
    wrestlerId: IdText | None = None
    externalId: Label | None = None
    metric: Label
    recordedAt: str = Field(
        max_length=64,
        description="ISO 8601 (or a Jalali date); without an offset, wall-clock time in the zone",
    )
    value: float | Annotated[str, Field(max_length=64)]
    unit: Annotated[str, Field(max_length=32)] | None = None
    domain: Annotated[str, Field(max_length=64)] | None = None
    source: Label | None = None


class ReadingsBody(BaseModel):
    source: str = Field(min_length=1, max_length=200)
    readings: list[Reading] = Field(max_length=MAX_READINGS)


@router.post("/ingest/readings", response_model=ReportOut, name="ingest_readings")
async def post_readings(
    body: ReadingsBody,
    state: State,
    conn: PooledConn,
    user: CurrentUser,
    settings: SettingsDep,
    params: Annotated[IngestParams, Query()],
) -> OrjsonResponse:
    opts = params.options(settings.default_timezone, body.source)
    readings: list[dict[str, Any]] = [r.model_dump() for r in body.readings]
    report = await ingest_readings(conn, readings, opts=opts, actor=Actor.for_principal(user))
    return answer(state, opts, report)


@router.get("/ingest/batches", response_model=BatchList)
async def list_batches(
    conn: Conn,
    user: CurrentUser,
    page: PageDep,
) -> OrjsonResponse:
    rows, total = await batches_sql.list_batches(conn, _owner(user), page.limit, page.offset)
    return OrjsonResponse(
        {"batches": [batch_json(r, with_errors=False) for r in rows], "total": total},
        headers=page.headers(total),
    )


def _owner(user: Principal) -> UUID | None:
    """Whose batches the caller may see and undo: their own; an admin anyone's (None)."""
    return None if user.role == "admin" else user.id


def _batch_id(batch_id: str) -> int:
    """A batch id is a positive bigint; anything else names no batch (404)."""
    try:
        bid = int(batch_id)
    except ValueError as exc:
        raise NotFound("Batch not found", {"batchId": batch_id}) from exc
    if not 0 < bid < 2**63:
        raise NotFound("Batch not found", {"batchId": batch_id})
    return bid


async def _visible_batch(conn: Conn, user: Principal, batch_id: str) -> Any:
    row = await batches_sql.get_batch(conn, _batch_id(batch_id), _owner(user))
    if row is None:
        raise NotFound("Batch not found", {"batchId": batch_id})
    return row


@router.get("/ingest/batches/{batchId}", response_model=Batch)
async def get_batch(conn: Conn, user: CurrentUser, batchId: str) -> OrjsonResponse:
    return OrjsonResponse(batch_json(await _visible_batch(conn, user, batchId)))


@router.delete("/ingest/batches/{batchId}", response_model=UndoneBatch, responses=error_responses(409))
async def delete_batch(conn: PooledConn, user: CurrentUser, batchId: str) -> OrjsonResponse:
    """Undo a batch: the caller's own, or any for an admin."""
    row, deleted = await undo_batch(conn, _batch_id(batchId), _owner(user))
    out = batch_json(row)
    out["pointsDeleted"] = deleted
    return OrjsonResponse(out)
