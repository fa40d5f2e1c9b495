"""`wrestle import-legacy POSTGRES_URL`: import a legacy Fittechno database through the ingest path
(ingest/legacy.py) as one batch, and print its report."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import typer

from core.config import get_settings
from db.connection import connect
from ingest.legacy import DryRun, import_legacy_db
from ingest.pipeline import Report


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
        except DryRun as d:
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
