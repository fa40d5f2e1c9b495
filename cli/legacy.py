"""`wrestle import-legacy POSTGRES_URL`: read the legacy Fittechno tables (EXISTING-API.md §6.4) and
ingest them through the normal ingest path as one batch.

Each measurement row becomes a reading: the wrestler is the legacy athlete (created once, with
external id `legacy:<athlete id>`), the time is the session's miladi_date (the `YYYY-MM_DD` quirk
included) plus start_time, or its shamsi_date (Jalali) when the miladi date is unreadable; metric
names are matched through the catalog aliases within the domain of the row's table (a name the
catalog keeps in another domain is stored there, with a warning), and unmapped names are reported
as UNKNOWN_METRIC, or registered as custom metrics with --register-metrics.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import asyncpg
import polars as pl
import typer

from core.config import get_settings
from db.connection import connect
from db.types import PgConn
from ingest.normalize import parse_times
from ingest.pipeline import Options, Report, run_ingest
from ingest.refresh import write_transaction
from ingest.validate import RAW_SCHEMA, Actor, Columns

# table -> (value column, the domain its measurements belong to)
LEGACY_TABLES = {
    "body_composition_fs": ("nvalue", "body_composition"),
    "body_composition_gr": ("nvalue", "body_composition"),
    "chestbelt_hr_gr": ("nvalue", "performance"),
    "fitness_fs": ("value", "performance"),
    "urion_analysis_gr": ("value", "bloodwork"),
}
LEGACY_WEIGHT_CLASS = 74  # required column; the legacy schema has no weight class


async def _legacy_rows(legacy: PgConn) -> pl.DataFrame:
    frames: list[pl.DataFrame] = []
    for table, (value_col, _) in LEGACY_TABLES.items():
        if not await legacy.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
            continue
        rows = await legacy.fetch(f"""
            SELECT t.id, t.metric_name, t.{value_col}::text AS value,
                   s.athlete_id, coalesce(a.athlete_name, t.athlete_name) AS athlete_name,
                   s.miladi_date, s.shamsi_date, s.start_time
              FROM {table} t
              LEFT JOIN session_time s ON s.session_id::text = t.session_id
              LEFT JOIN athlete a ON a.id = s.athlete_id
             ORDER BY t.id""")
        frames.append(
            pl.DataFrame(
                [tuple(r) for r in rows],
                schema={
                    "id": pl.Int64(),
                    "metric": pl.String(),
                    "value": pl.String(),
                    "athlete_id": pl.Int64(),
                    "athlete_name": pl.String(),
                    "miladi": pl.String(),
                    "shamsi": pl.String(),
                    "start": pl.String(),
                },
                orient="row",
            ).with_columns(pl.lit(table).alias("table"))
        )
    return pl.concat(frames) if frames else pl.DataFrame()


def legacy_chunk(rows: pl.DataFrame, timezone: str) -> pl.DataFrame:
    """Legacy rows -> one raw chunk (line = the legacy row id, column = table.value)."""

    def with_time(date_col: str) -> pl.Expr:
        start = pl.col("start").str.strip_chars()
        return (
            pl.when(start.is_not_null() & (start != ""))
            .then(pl.format("{} {}", pl.col(date_col).str.strip_chars(), start))
            .otherwise(pl.col(date_col).str.strip_chars())
        )

    df = rows.with_columns(with_time("miladi").alias("m_time"), with_time("shamsi").alias("s_time"))
    miladi_ok = parse_times(df["m_time"], calendar="gregorian", timezone=timezone).is_not_null()
    return (
        df.with_columns(miladi_ok.alias("m_ok"))
        .select(
            pl.col("id").alias("line"),
            pl.when(pl.col("athlete_id").is_not_null())
            .then(pl.format("legacy:{}", pl.col("athlete_id")))
            .otherwise(pl.col("athlete_name"))
            .alias("wrestler"),
            pl.col("metric"),
            pl.when(pl.col("m_ok")).then(pl.col("m_time")).otherwise(pl.col("s_time")).alias("recorded_at"),
            pl.col("value"),
            pl.col("table").replace_strict({t: d for t, (_, d) in LEGACY_TABLES.items()}).alias("domain"),
            pl.lit(None, dtype=pl.String).alias("unit"),
            pl.lit("legacy").alias("source"),
            pl.format("{}.value", pl.col("table")).alias("vcol"),
        )
        .cast(pl.Schema(RAW_SCHEMA))
    )


async def import_legacy_db(
    conn: PgConn, legacy: PgConn, *, timezone: str, dry_run: bool = False, register_metrics: bool = False
) -> Report:
    athletes = await legacy.fetch("SELECT id, athlete_name, name FROM athlete ORDER BY id")
    rows = await _legacy_rows(legacy)
    async with write_transaction(conn):
        await conn.execute(
            """INSERT INTO wrestlers (name_fa, name_en, weight_class, external_id)
               SELECT left(fa, 255), left(coalesce(nullif(en, ''), fa), 255), $4, 'legacy:' || id
                 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS a(id, fa, en)
               ON CONFLICT (external_id) DO NOTHING""",
            [a["id"] for a in athletes],
            [a["athlete_name"] for a in athletes],
            [a["name"] for a in athletes],
            LEGACY_WEIGHT_CLASS,
        )
        chunk = legacy_chunk(rows, timezone) if rows.height else pl.DataFrame(schema=RAW_SCHEMA)

        def chunks() -> Iterator[pl.DataFrame]:
            yield chunk

        report = await run_ingest(
            conn,
            chunks,
            opts=Options(
                timezone=timezone, source="legacy", dry_run=dry_run, register_metrics=register_metrics
            ),
            actor=Actor(role="system"),
            fmt="legacy",
            filename=None,
            cols=Columns(
                wrestler="athlete_name", metric="metric_name", recorded_at="session_time.miladi_date"
            ),
        )
        if dry_run:
            raise _DryRun(report)
    return report


class _DryRun(Exception):
    def __init__(self, report: Report) -> None:
        self.report = report


async def _main(url: str, dry_run: bool, register_metrics: bool) -> Report:
    settings = get_settings()
    conn = await connect(settings)
    legacy = await asyncpg.connect(url)
    try:
        try:
            return await import_legacy_db(
                conn,
                legacy,
                timezone=settings.default_timezone,
                dry_run=dry_run,
                register_metrics=register_metrics,
            )
        except _DryRun as d:
            return d.report
    finally:
        await legacy.close()
        await conn.close()


def import_legacy(
    postgres_url: str = typer.Argument(..., help="postgresql://user:pass@host:port/db of the legacy data"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would be imported; write nothing."),
    register_metrics: bool = typer.Option(
        False,
        "--register-metrics",
        help="Add names the catalog lacks as custom metrics of their table's domain.",
    ),
) -> None:
    """Import the legacy Fittechno measurement tables through the ingest path."""
    report = asyncio.run(_main(postgres_url, dry_run, register_metrics))
    out: dict[str, Any] = report.to_json()
    unmapped = sorted({e["value"] for e in report.errors if e["code"] == "UNKNOWN_METRIC"})
    out["unmappedMetrics"] = unmapped
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    if report.rows_read == 0:
        raise typer.Exit(1)
