"""`wrestle ingest FILE…`: bulk CSV ingest as the system (admin rights, no user), one batch and one
transaction per file."""

from __future__ import annotations

import os

# Parsing and validating the next chunk overlaps with the server writing the current one, and the
# server is the slower side: Polars gets every core but one, so it does not take the database's
# core when both run on the same machine (on 2 cores: ~10% faster end to end). Polars reads this
# once, when it is first imported (cli.main imports this module only to run the command).
os.environ.setdefault("POLARS_MAX_THREADS", str(max(1, (os.cpu_count() or 2) - 1)))

import asyncio
import importlib
import json
import threading
from pathlib import Path
from typing import Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from core.config import get_settings
from core.errors import AppError
from db.connection import connect
from ingest.pipeline import Options, Report
from ingest.service import ingest_csv
from ingest.validate import Actor

PROGRESS_MIN_BYTES = 5 * 1024 * 1024
console = Console(stderr=True)


def _preload() -> None:
    """Import NumPy (~0.2 s, needed by the binary COPY encoder once the first chunk is validated)
    on a side thread, while the ingest connects, reads the header and parses the first chunk."""
    threading.Thread(target=importlib.import_module, args=("numpy",), daemon=True).start()


def _count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as f:
        while block := f.read(1 << 24):
            n += block.count(b"\n")
    return max(0, n - 1)


async def _run(paths: list[Path], fmt: Literal["auto", "long", "wide"], opts: Options) -> list[Report]:
    settings = get_settings()
    conn = await connect(settings)
    reports: list[Report] = []
    try:
        for path in paths:
            big = path.stat().st_size >= PROGRESS_MIN_BYTES
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                disable=not big,
            ) as progress:
                task = progress.add_task(path.name, total=_count_lines(path) if big else None)
                reports.append(
                    await ingest_csv(
                        conn,
                        path,
                        fmt=fmt,
                        opts=opts,
                        actor=Actor(role="system"),
                        on_chunk=lambda n, t=task: progress.advance(t, n),  # type: ignore[misc]
                    )
                )
    finally:
        await conn.close()
    return reports


def ingest(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    format: str = typer.Option("auto", "--format", help="long | wide (default: detected from the header)"),
    calendar: str = typer.Option("auto", "--calendar", help="auto | gregorian | jalali"),
    timezone: str | None = typer.Option(None, "--timezone", help="Zone of naive times (default: settings)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
    strict: bool = typer.Option(False, "--strict", help="Write nothing if any row is rejected."),
    create_missing_wrestlers: bool = typer.Option(False, "--create-missing-wrestlers"),
    register_metrics: bool = typer.Option(False, "--register-metrics"),
    source: str | None = typer.Option(None, "--source", help="Source name (default: the file name)"),
) -> None:
    """Ingest long or wide CSV files; print each file's report as JSON."""
    if format not in ("auto", "long", "wide") or calendar not in ("auto", "gregorian", "jalali"):
        typer.echo("--format must be long|wide and --calendar auto|gregorian|jalali", err=True)
        raise typer.Exit(2)
    _preload()
    status = 0
    for path in files:
        opts = Options(
            calendar=calendar,  # type: ignore[arg-type]
            timezone=timezone or get_settings().default_timezone,
            dry_run=dry_run,
            strict=strict,
            create_missing_wrestlers=create_missing_wrestlers,
            register_metrics=register_metrics,
            source=source or path.name,
        )
        try:
            (report,) = asyncio.run(_run([path], format, opts))  # type: ignore[arg-type]
        except AppError as exc:
            typer.echo(f"{path}: {exc.message}", err=True)
            status = 1
            continue
        out = report.to_json()
        out["file"] = str(path)
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        if report.rows_read == 0 or (strict and report.error_count):
            status = 1
    raise typer.Exit(status)
