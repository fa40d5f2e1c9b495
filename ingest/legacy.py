"""Importing a legacy Fittechno database: read the legacy Fittechno measurement tables (LEGACY_TABLES) and
ingest them through the normal ingest path as one batch.

Each measurement row becomes a reading: the wrestler is the legacy athlete (created once, with
external id `legacy:<athlete id>`), the time is the session's miladi_date (the `YYYY-MM_DD` quirk
included) plus start_time, or its shamsi_date (Jalali) when the miladi date is unreadable; metric
names are matched through the catalog aliases within the domain of the row's table (a name the
catalog keeps in another domain is stored there, with a warning), and unmapped names are reported
as UNKNOWN_METRIC, or registered as custom metrics with --register-metrics.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from db import legacy as legacy_sql
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
    athletes = await legacy_sql.athletes(legacy)
    rows = await legacy_sql.measurement_rows(legacy, {t: col for t, (col, _) in LEGACY_TABLES.items()})
    async with write_transaction(conn):
        await legacy_sql.upsert_wrestlers(conn, athletes, LEGACY_WEIGHT_CLASS)
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
            raise DryRun(report)
    return report


class DryRun(Exception):
    """A dry run's way out of its transaction, carrying the report."""

    def __init__(self, report: Report) -> None:
        self.report = report
