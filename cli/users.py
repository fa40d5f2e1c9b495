"""`wrestle users …`: accounts from the shell (how the first admin of a production install is made)."""

from __future__ import annotations

import asyncio
from typing import Literal

import asyncpg
import typer

from accounts.users import create_account
from core.config import Settings, get_settings
from core.errors import AppError
from core.security import password_problem
from db import users as users_sql
from db.connection import database_url, init_connection

app = typer.Typer(help="Create and list user accounts.", no_args_is_help=True)

Role = Literal["admin", "coach", "athlete"]


async def create_user(
    settings: Settings,
    *,
    email: str,
    password: str,
    role: str,
    name: str | None = None,
    team: str | None = None,
    wrestler: str | None = None,
) -> asyncpg.Record:
    problem = password_problem(password)
    if problem:
        raise typer.BadParameter(problem, param_hint="--password")
    conn = await asyncpg.connect(database_url(settings))
    await init_connection(conn)
    try:
        async with conn.transaction():
            return await create_account(
                conn,
                email=email,
                password=password,
                bcrypt_rounds=settings.bcrypt_rounds,
                name=name or email.split("@", 1)[0],
                role=role,
                team_id=team,
                wrestler_id=wrestler,
            )
    finally:
        await conn.close()


async def list_users(settings: Settings, limit: int) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url(settings))
    try:
        rows, _ = await users_sql.list_users(conn, limit, 0)
        return rows
    finally:
        await conn.close()


@app.command("create")
def create(
    email: str = typer.Option(..., "--email", help="Login email (unique, case-insensitive)."),
    password: str = typer.Option(..., "--password", help="8 to 72 bytes.", prompt=True, hide_input=True),
    role: Role = typer.Option(..., "--role", help="admin, coach or athlete."),
    name: str | None = typer.Option(None, "--name", help="Display name (default: the email's local part)."),
    team: str | None = typer.Option(None, "--team", help="Team id (coaches)."),
    wrestler: str | None = typer.Option(None, "--wrestler", help="Wrestler id (athletes)."),
) -> None:
    """Create a user with any role and link."""
    try:
        row = asyncio.run(
            create_user(
                get_settings(),
                email=email,
                password=password,
                role=role,
                name=name,
                team=team,
                wrestler=wrestler,
            )
        )
    except AppError as exc:
        details = "; ".join(
            f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in exc.details.items()
        )
        typer.echo(f"error: {exc.message}" + (f" ({details})" if details else ""), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"created {row['role']} {row['email']} id={row['id']}")


@app.command("list")
def list_cmd(limit: int = typer.Option(100, "--limit", min=1, max=10000, help="At most this many.")) -> None:
    """List users: id, email, role, team, wrestler, disabled."""
    for r in asyncio.run(list_users(get_settings(), limit)):
        typer.echo(
            "\t".join(
                [
                    str(r["id"]),
                    r["email"],
                    r["role"],
                    str(r["team_id"] or "-"),
                    str(r["wrestler_id"] or "-"),
                    "disabled" if r["disabled"] else "active",
                ]
            )
        )
