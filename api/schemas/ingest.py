"""Ingest reports and batches."""

from __future__ import annotations

from pydantic import Field

from api.schemas.base import Wire


class RowProblem(Wire):
    """A rejected row (errors) or a row stored after a correction (warnings): where and why."""

    line: int
    column: str
    value: str
    code: str
    message: str


class _Counts(Wire):
    """What an ingest read and did, in a report and in its batch row."""

    rows_read: int
    rows_inserted: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    wrestlers: int
    metrics: int
    from_: str | None = Field(alias="from")
    to: str | None


class Report(_Counts):
    batch_id: int | None
    duration_ms: int
    error_count: int
    errors: list[RowProblem]
    warning_count: int
    warnings: list[RowProblem]


class Batch(_Counts):
    batch_id: int
    user_id: str | None
    created_at: str | None
    source: str
    filename: str | None
    format: str
    status: str
    duration_ms: int | None
    undone_at: str | None
    error_count: int
    errors: list[RowProblem] | None = None  # the batch's own page only, not the list


class UndoneBatch(Batch):
    points_deleted: int


class BatchList(Wire):
    batches: list[Batch]
    total: int
