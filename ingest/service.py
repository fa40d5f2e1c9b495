"""Entry points shared by the API, the CLI and the legacy importer: ingest a CSV file or a list of
device readings through ingest.pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from core.errors import ValidationFailed
from db import catalog as catalog_sql
from db.types import PgConn
from ingest.pipeline import Options, Report, run_ingest
from ingest.sources import Format, HeaderError, csv_chunks, plan_csv, readings_frame
from ingest.validate import Actor

MAX_READINGS = 50_000


async def ingest_csv(
    conn: PgConn,
    path: Path,
    *,
    fmt: Format,
    opts: Options,
    actor: Actor,
    filename: str | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> Report:
    aliases = set((await catalog_sql.aliases_frame(conn)).get_column("alias").to_list())
    try:
        plan = plan_csv(path, fmt, aliases)
    except HeaderError as exc:
        raise ValidationFailed(str(exc), {"file": filename or path.name}) from exc
    report = await run_ingest(
        conn,
        lambda: csv_chunks(path, plan),
        opts=opts,
        actor=actor,
        fmt=plan.fmt,
        filename=filename or path.name,
        cols=plan.columns,
        header_errors=plan.header_errors(),
        on_chunk=on_chunk,
    )
    return report


async def ingest_readings(
    conn: PgConn, readings: Sequence[dict[str, Any]], *, opts: Options, actor: Actor
) -> Report:
    frame = readings_frame(readings)

    def chunks() -> Iterator[pl.DataFrame]:
        yield frame

    return await run_ingest(conn, chunks, opts=opts, actor=actor, fmt="device")


def strict_failure(report: Report) -> ValidationFailed:
    return ValidationFailed(
        f"{report.error_count} problem(s) found; strict mode wrote nothing", {"report": report.to_json()}
    )
