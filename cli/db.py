"""`wrestle db …`: the embedded cluster and Redis, and migrations."""

from __future__ import annotations

import asyncio
import os
from zoneinfo import ZoneInfo

import asyncpg
import typer

from core.config import get_settings
from db import series as series_sql
from db.cluster import ClusterError, EmbeddedCluster, EmbeddedRedis, EmbeddedReplica
from db.connection import database_name, database_url, init_connection
from db.migrate import MigrationError, migrate
from query.weight_status import fill_missing_checks

app = typer.Typer(
    help="Embedded PostgreSQL+TimescaleDB and Redis under .data/, and migrations.", no_args_is_help=True
)
replica_app = typer.Typer(
    help="A local streaming replica of the embedded cluster, for trying DATABASE_READ_URLS.",
    no_args_is_help=True,
)
app.add_typer(replica_app, name="replica")


def _embedded() -> bool:
    return get_settings().database_url is None


@app.command()
def start() -> None:
    """Start the embedded database and Redis (initialising them on first use)."""
    settings = get_settings()
    try:
        if _embedded():
            started = EmbeddedCluster(settings).start()
            typer.echo(
                f"postgres: {'started' if started else 'already running'} on 127.0.0.1:{settings.pg_port}"
            )
        if settings.redis_url is None:
            started = EmbeddedRedis(settings).start()
            typer.echo(
                f"redis: {'started' if started else 'already running'} on 127.0.0.1:{settings.redis_port}"
            )
    except ClusterError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


@app.command()
def stop() -> None:
    """Stop the embedded database and Redis."""
    settings = get_settings()
    if _embedded():
        typer.echo("postgres: " + ("stopped" if EmbeddedCluster(settings).stop() else "not running"))
    if settings.redis_url is None:
        typer.echo("redis: " + ("stopped" if EmbeddedRedis(settings).stop() else "not running"))


@app.command()
def status() -> None:
    """Say whether the embedded services run; exit 1 when one does not."""
    settings = get_settings()
    ok = True
    if _embedded():
        running = EmbeddedCluster(settings).running()
        ok &= running
        typer.echo(
            f"postgres: {'running' if running else 'stopped'} (127.0.0.1:{settings.pg_port}, "
            f"{settings.data_dir / 'pg'})"
        )
    else:
        typer.echo("postgres: external (DATABASE_URL)")
    if settings.redis_url is None:
        running = EmbeddedRedis(settings).running()
        ok &= running
        typer.echo(f"redis: {'running' if running else 'stopped'} (127.0.0.1:{settings.redis_port})")
    else:
        typer.echo("redis: external (REDIS_URL)")
    if not ok:
        raise typer.Exit(1)


async def _migrate(database: str | None) -> tuple[list[str], int]:
    """The migrations applied, and the number of stored weight checks filled for wrestlers whose history
    predates them."""
    settings = get_settings()
    conn = await asyncpg.connect(database_url(settings, database))
    try:
        await init_connection(conn)
        applied = await migrate(conn, bucket_timezone=settings.bucket_timezone)
        today, zone = await series_sql.local_clock(conn)
        return applied, await fill_missing_checks(conn, today, ZoneInfo(zone))
    finally:
        await conn.close()


@app.command("migrate")
def migrate_cmd(
    database: str | None = typer.Option(None, help="Database name (default: the configured one)."),
) -> None:
    """Apply pending migrations from db/schema/."""
    try:
        applied, filled = asyncio.run(_migrate(database))
    except MigrationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"applied {len(applied)} migration(s)" + (f": {', '.join(applied)}" if applied else ""))
    if filled:
        typer.echo(f"stored the weight checks of {filled} wrestler(s)")


async def _recreate(name: str) -> None:
    conn = await asyncpg.connect(database_url(get_settings(), "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@app.command()
def reset(yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation.")) -> None:
    """Drop and recreate the database, then migrate. Deletes all data."""
    name = database_name(get_settings())
    if not yes:
        typer.confirm(f"Delete every row in database {name!r}?", abort=True)
    asyncio.run(_recreate(name))
    migrate_cmd(None)


@app.command()
def psql() -> None:
    """Open psql on the database."""
    settings = get_settings()
    if _embedded():
        cmd, env = EmbeddedCluster(settings).psql_command()
        os.execvpe(cmd[0], cmd, env)  # noqa: S606 - replaces this process by psql
    url = database_url(settings)
    os.execvp("psql", ["psql", url])  # noqa: S606


def _replica_cluster(port: int | None) -> EmbeddedReplica:
    settings = get_settings()
    if not _embedded():
        typer.echo("the replica commands copy the embedded cluster; DATABASE_URL names another", err=True)
        raise typer.Exit(1)
    return EmbeddedReplica(settings, port if port is not None else settings.pg_port + 1)


@replica_app.command("start")
def replica_start(
    port: int | None = typer.Option(None, help="Port of the replica (default: PG_PORT + 1)."),
) -> None:
    """Copy the running embedded cluster (pg_basebackup) into .data/replica and start it as a
    streaming standby; print the URL to put in DATABASE_READ_URLS."""
    replica = _replica_cluster(port)
    try:
        started = replica.start(fresh=True)
    except ClusterError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"replica: {'started' if started else 'already running'} on 127.0.0.1:{replica.port}"
        f" ({replica.datadir}), streaming from 127.0.0.1:{replica.primary.port}"
    )
    typer.echo(f"DATABASE_READ_URLS={replica.url()}")


@replica_app.command("stop")
def replica_stop() -> None:
    """Stop the local replica and delete its copy: the primary keeps no WAL for a stopped replica
    (no replication slot, so none piles up), so the next start copies anew."""
    replica = _replica_cluster(None)
    stopped = replica.stop()
    replica.destroy()
    typer.echo("replica: " + ("stopped and removed" if stopped else "not running"))
