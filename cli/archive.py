"""`wrestle archive`: move old series chunks to Parquet files, and bring them back."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from core.config import get_settings
from core.errors import AppError
from db.connection import connect
from ingest.archive import ArchiveResult, RestoreResult, archive, restore
from ingest.archive_files import ArchiveError, parse_duration, parse_month

app = typer.Typer(
    help="Archive series chunks older than a cutoff to Parquet (then drop them), or restore them.",
    invoke_without_command=True,
)
_err = Console(stderr=True)


class BarSteps:
    """One progress bar per long step, on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def begin(self, description: str, total: int) -> None:
        self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)


def _bars() -> Progress:
    return Progress(
        TextColumn("{task.description:<42}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
    )


async def _archive(directory: Path, cutoff: datetime, dry_run: bool) -> ArchiveResult:
    conn = await connect(get_settings())
    try:
        with _bars() as progress:
            return await archive(conn, directory, cutoff, BarSteps(progress), dry_run=dry_run)
    finally:
        await conn.close()


async def _restore(directory: Path, first: date | None, last: date | None) -> RestoreResult:
    conn = await connect(get_settings())
    try:
        with _bars() as progress:
            return await restore(conn, directory, first, last, BarSteps(progress))
    finally:
        await conn.close()


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"archive: {exc}", err=True)
    return typer.Exit(1)


@app.callback()
def archive_cmd(
    ctx: typer.Context,
    older_than: str | None = typer.Option(
        None, "--older-than", help="Archive chunks that end before now minus this: 90d, 12w, 18mo, 2y."
    ),
    to: Path | None = typer.Option(None, "--to", help="The archive directory (created when missing)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the chunks that would go; change nothing."),
) -> None:
    """Write the series chunks older than the cutoff to Parquet (one file per domain, month and chunk,
    zstd, listed in DIR/manifest.json with row counts and checksums), check the files against the
    database, then drop the chunks. Daily aggregates, snapshots and scores stay."""
    if ctx.invoked_subcommand is not None:
        return
    if older_than is None or to is None:
        typer.echo("archive: --older-than and --to are required (or: wrestle archive restore DIR)", err=True)
        raise typer.Exit(2)
    try:
        cutoff = parse_duration(older_than).before(datetime.now(UTC))
    except ArchiveError as exc:
        typer.echo(f"archive: --older-than: {exc}", err=True)
        raise typer.Exit(2) from exc
    t0 = time.perf_counter()
    try:
        result = asyncio.run(_archive(to.resolve(), cutoff, dry_run))
    except (ArchiveError, AppError, OSError) as exc:
        raise _fail(exc) from exc
    seconds = time.perf_counter() - t0
    typer.echo(f"cutoff {cutoff.isoformat(timespec='seconds')}: {len(result.chunks)} chunk(s) end before it")
    if dry_run:
        for c in result.chunks:
            months = ", ".join(sorted({p.file_name.split("/")[1] for p in c.periods}))
            typer.echo(
                f"  {c.domain:<18} {c.chunk.start:%Y-%m-%d %H:%M}..{c.chunk.end:%Y-%m-%d %H:%M} UTC  {months}"
            )
        typer.echo("dry run: nothing written or dropped")
        return
    typer.echo(
        f"archived {result.rows:,} rows in {len(result.files)} file(s) to {to.resolve()},"
        f" dropped {result.dropped} chunk(s) in {seconds:.1f} s"
        + "".join(f"; {step} {s:.1f} s" for step, s in result.seconds.items())
    )


@app.command("restore")
def restore_cmd(
    directory: Path = typer.Argument(..., help="An archive directory (with manifest.json)."),
    from_month: str | None = typer.Option(None, "--from", help="First month to restore, YYYY-MM."),
    to_month: str | None = typer.Option(None, "--to", help="Last month to restore, YYYY-MM."),
) -> None:
    """Insert the archived rows of the chosen months back into the series (all months by default).
    Checksums are checked first; rows already stored are skipped, so a second restore adds nothing."""
    try:
        first = parse_month(from_month, "--from") if from_month else None
        last = parse_month(to_month, "--to") if to_month else None
    except ArchiveError as exc:
        typer.echo(f"archive restore: {exc}", err=True)
        raise typer.Exit(2) from exc
    t0 = time.perf_counter()
    try:
        result = asyncio.run(_restore(directory.resolve(), first, last))
    except (ArchiveError, AppError, OSError) as exc:
        raise _fail(exc) from exc
    typer.echo(
        f"restored {result.inserted:,} rows from {result.files} file(s) ({result.skipped:,} already stored"
        f" or of deleted wrestlers) in {time.perf_counter() - t0:.1f} s"
    )
