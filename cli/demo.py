"""`wrestle demo`: load the demo federation (18 months, 24 wrestlers, > 1 M series rows)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import typer

from core.config import get_settings
from db.connection import connect
from demo.generate import MAX_WRESTLERS, DemoSpec
from demo.load import Account, DemoSummary, demo_accounts, load_demo


def _print_accounts(accounts: list[Account]) -> None:
    if not accounts:
        return
    typer.echo("demo accounts (email / password / role):")
    for a in accounts:
        typer.echo(f"  {a.email:<32} {a.password:<20} {a.role}")


def _print_summary(s: DemoSummary) -> None:
    typer.echo(
        f"demo federation loaded: {s.teams} teams, {s.wrestlers} wrestlers, {s.total_rows:,} series rows"
        f" in {s.seconds:.1f} s (batch {s.batch_id}"
        + (f"; replaced {s.removed_wrestlers} demo wrestlers" if s.removed_wrestlers else "")
        + ")"
    )
    for domain, n in s.rows.items():
        typer.echo(f"  {domain:<18} {n:>10,}")


async def _run(spec: DemoSpec, if_empty: bool) -> tuple[DemoSummary | None, list[Account]]:
    settings = get_settings()
    conn = await connect(settings)
    try:
        now = datetime.now(UTC)
        end = now.astimezone(ZoneInfo(settings.bucket_timezone)).date()
        summary = await load_demo(
            conn, spec, end=end, now=now, bcrypt_rounds=settings.bcrypt_rounds, if_empty=if_empty
        )
        return summary, summary.accounts if summary else await demo_accounts(conn)
    finally:
        await conn.close()


def demo(
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when any wrestler exists."),
    seed: int = typer.Option(DemoSpec.seed, "--seed", help="Random seed (same seed, same data)."),
    wrestlers: int = typer.Option(MAX_WRESTLERS, "--wrestlers", min=1, max=MAX_WRESTLERS),
    days: int = typer.Option(DemoSpec.days, "--days", min=1, help="Days of history ending today."),
) -> None:
    """Load the demo federation, replacing a previous one (wrestlers FED-…, demo teams and accounts).
    Refused with APP_ENV=production: its accounts have passwords published in the README."""
    if get_settings().app_env == "production":
        typer.echo(
            "demo: refused with APP_ENV=production (its accounts have published passwords);"
            " create real accounts with `wrestle users create`",
            err=True,
        )
        raise typer.Exit(2)
    spec = DemoSpec(wrestlers=wrestlers, days=days, seed=seed)
    summary, accounts = asyncio.run(_run(spec, if_empty))
    if summary is None:
        typer.echo("demo: the database already has wrestlers; nothing loaded (run `wrestle demo` to replace)")
    else:
        _print_summary(summary)
    _print_accounts(accounts)
