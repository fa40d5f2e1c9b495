"""The load test: the service on its own database, then locust (benchmarks/locustfile.py) at an
increasing number of users, a bounded time each; it reports each step's throughput, latency
percentiles and errors, and the highest step sustained with no error and p95 under the target.

    uv run --frozen python -m benchmarks.load [--steps 10,20,40] [--step-seconds 40] ...   (make load)

The server runs as in production (`wrestle serve --workers 2`, APP_ENV=production, secrets made up
for the run) on the database LOAD_DATABASE (created, migrated and given the demo federation when
empty). Its rate limits are raised out of reach (every request is still counted in Redis), since
the run's traffic comes from the demo's four accounts: the aim is the service's capacity, not the
limiter's. Locust runs on the same machine, so its CPU is taken from the server's: the table shows
how much. Results go to .benchmarks/load/<time>/ (locust's CSVs, the server's log, results.json).
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import asyncpg
import httpx
import typer
from rich.console import Console
from rich.table import Table

from core.config import Settings
from db.connection import database_url
from demo.load import ACCOUNTS

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "benchmarks" / "locustfile.py"
RESULTS = ROOT / ".benchmarks" / "load"
FLOOR_WRESTLER = "FED-0001"
UNLIMITED = str(10**9)  # requests per minute: a limit the run cannot reach
WRESTLE = (sys.executable, "-m", "cli.main")
DEMO_ACCOUNTS = json.dumps([{"email": a.email, "password": a.password, "role": a.role} for a in ACCOUNTS])
console = Console(width=None if sys.stdout.isatty() else 120)


@dataclass
class Endpoint:
    name: str
    method: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float


@dataclass
class Step:
    users: int
    seconds: float
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    locust_cpu: float  # share of one core the load generator used
    server_cpu: float  # cores the server's processes used (PostgreSQL's not included)
    server_cpu_ms: float  # server CPU per request: steadier than latency on a shared machine
    load_average: float  # the machine's 1-minute load average at the step's end (others' work included)
    passed: bool
    endpoints: list[Endpoint] = field(default_factory=list)
    failure_kinds: list[dict[str, str]] = field(default_factory=list)


def _wrestle(*args: str, env: dict[str, str]) -> None:
    subprocess.run([*WRESTLE, *args], cwd=ROOT, env=env, check=True)


async def _create_database(settings: Settings, name: str) -> None:
    conn = await asyncpg.connect(database_url(settings, "postgres"))
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
            console.print(f"created database {name}")
    finally:
        await conn.close()


async def _floor_path(dsn: str) -> str:
    """The floor's URL path: the first demo wrestler's weight."""
    conn = await asyncpg.connect(dsn)
    try:
        wrestler = await conn.fetchval("SELECT id FROM wrestlers WHERE external_id = $1", FLOOR_WRESTLER)
        metric = await conn.fetchval("SELECT id FROM metric_definitions WHERE key = 'weight'")
    finally:
        await conn.close()
    return f"{wrestler}/{metric}"


def prepare_database(name: str, env: dict[str, str]) -> tuple[str, str]:
    """The load database exists, is migrated and holds the demo federation (loaded only if empty);
    its URL, and the floor's path in it."""
    settings = Settings(pg_database=name)
    if settings.database_url:
        # The service would then serve DATABASE_URL's database, not the load run's own.
        raise typer.BadParameter("the load run uses the embedded cluster; unset DATABASE_URL")
    asyncio.run(_create_database(settings, name))
    _wrestle("db", "migrate", env=env)
    _wrestle("demo", "--if-empty", env=env)
    dsn = database_url(settings)
    return dsn, asyncio.run(_floor_path(dsn))


def server_env(base: dict[str, str], database: str, payload_cache: bool = True) -> dict[str, str]:
    return {
        **base,
        "PAYLOAD_CACHE_ENABLED": str(payload_cache).lower(),
        "PG_DATABASE": database,
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "RATE_LIMIT_PER_MINUTE": UNLIMITED,
        "AI_RATE_LIMIT_PER_MINUTE": UNLIMITED,
    }


def start_server(
    command: list[str], env: dict[str, str], port: int, ready: str, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """`command` serving on `port`, once `ready` (a path) answers 200."""
    with socket.socket() as probe:
        probe.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # as the server will: TIME_WAIT is no owner
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:  # another server would answer the run's requests
            raise RuntimeError(f"port {port} is in use; choose another with LOAD_PORT or --port") from exc
    # Its own process group, so that stopping it stops its workers too.
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}; see {log.name}")
        try:
            if httpx.get(base + ready, timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError(f"the server was not ready within 60 s; see {log.name}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """The server and its workers (its process group), even when the parent already exited."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds used so far by the live processes of a process group (the server and its
    workers), from /proc; 0 where /proc is not there."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ..., utime (12), stime (13)
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _ms(row: dict[str, str], key: str) -> float:
    value = row.get(key, "")
    return float(value) if value not in ("", "N/A") else 0.0


def read_stats(prefix: Path) -> tuple[dict[str, str], list[Endpoint], list[dict[str, str]]]:
    with open(f"{prefix}_stats.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    endpoints = [
        Endpoint(
            name=r["Name"],
            method=r["Type"],
            requests=int(r["Request Count"]),
            failures=int(r["Failure Count"]),
            rps=float(r["Requests/s"]),
            p50=_ms(r, "50%"),
            p95=_ms(r, "95%"),
            p99=_ms(r, "99%"),
            max=_ms(r, "Max Response Time"),
        )
        for r in rows
        if r["Name"] != "Aggregated"
    ]
    with open(f"{prefix}_failures.csv", newline="") as f:
        failures = list(csv.DictReader(f))
    return total, endpoints, failures


def run_step(
    base: str,
    server: int,
    users: int,
    ramp: float,
    seconds: float,
    pacing: float,
    out: Path,
    p95_target: float,
    floor: str = "",
) -> Step:
    """Locust headless with `users` users, spawned over `ramp` seconds; the stats are reset once all
    run, so the step measures `seconds` of steady load."""
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / f"users-{users:04d}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = group_cpu_seconds(server)
    started = time.monotonic()
    with open(f"{prefix}.log", "wb") as log:
        subprocess.run(
            [
                *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", base),
                *("-u", str(users), "-r", f"{max(users / ramp, 1):.2f}", "-t", f"{int(ramp + seconds)}s"),
                *("--reset-stats", "--csv", str(prefix), "--only-summary", "--stop-timeout", "10"),
                *("--exit-code-on-error", "0"),
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "LOAD_PACING": str(pacing),
                "LOAD_ACCOUNTS": DEMO_ACCOUNTS,
                "LOAD_FLOOR": floor,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    wall = time.monotonic() - started
    server_cpu = group_cpu_seconds(server) - server_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    total, endpoints, failures = read_stats(prefix)
    requests, failed, rps = (
        int(total["Request Count"]),
        int(total["Failure Count"]),
        float(total["Requests/s"]),
    )
    p95 = _ms(total, "95%")
    return Step(
        users=users,
        seconds=round(requests / rps, 1) if rps else 0.0,
        requests=requests,
        failures=failed,
        rps=rps,
        p50=_ms(total, "50%"),
        p95=p95,
        p99=_ms(total, "99%"),
        locust_cpu=cpu / wall,
        server_cpu=server_cpu / wall,
        server_cpu_ms=1000 * server_cpu / requests if requests else 0.0,
        load_average=os.getloadavg()[0],
        passed=requests > 0 and failed == 0 and p95 < p95_target,
        endpoints=endpoints,
        failure_kinds=failures,
    )


def run_floor(
    dsn: str,
    path: str,
    port: int,
    workers: int,
    users: int,
    ramp: float,
    seconds: float,
    pacing: float,
    out: Path,
    p95_target: float,
) -> Step:
    """The same users and pacing against benchmarks/floor_app.py (a minimal FastAPI + asyncpg read of
    one chart), on the same port and machine right after the steps: what the machine gives then."""
    console.print(f"floor: {users} users on benchmarks/floor_app.py, {seconds:g} s measured …")
    command = [sys.executable, "-m", "uvicorn", "benchmarks.floor_app:floor_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    env = {**os.environ, "WRESTLE_BENCH_DSN": dsn}
    with open(out / "floor-server.log", "wb") as log:
        server = start_server(command, env, port, f"/floor/{path}", log)
        try:
            return run_step(
                f"http://127.0.0.1:{port}",
                server.pid,
                users,
                ramp,
                seconds,
                pacing,
                out / "floor",
                p95_target,
                path,
            )
        finally:
            stop_server(server)


def table(steps: list[Step], p95_target: float) -> Table:
    t = Table(title=f"load steps (pass: no errors and p95 < {p95_target:g} ms)")
    columns = ["users", "req/s", "p50 ms", "p95 ms", "p99 ms", "requests", "errors", "server CPU"]
    for col in [*columns, "CPU ms/req", "locust CPU", "load avg", "pass"]:
        t.add_column(col, justify="right")
    for s in steps:
        t.add_row(
            str(s.users),
            f"{s.rps:.1f}",
            f"{s.p50:g}",
            f"{s.p95:g}",
            f"{s.p99:g}",
            f"{s.requests:,}",
            f"{s.failures:,}",
            f"{s.server_cpu:.0%}",
            f"{s.server_cpu_ms:.1f}",
            f"{s.locust_cpu:.0%}",
            f"{s.load_average:.1f}",
            "[green]yes[/]" if s.passed else "[red]no[/]",
        )
    return t


def slowest(step: Step, n: int = 6) -> Table:
    t = Table(title=f"slowest endpoints by p95 at {step.users} users")
    for col in ("endpoint", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"):
        t.add_column(col, justify="left" if col == "endpoint" else "right")
    for e in sorted(step.endpoints, key=lambda e: e.p95, reverse=True)[:n]:
        t.add_row(
            f"{e.method} {e.name}", f"{e.rps:.1f}", f"{e.p50:g}", f"{e.p95:g}", f"{e.p99:g}", str(e.failures)
        )
    return t


def main(
    steps: str = typer.Option("2,4,6,9,14,20,30,45,68,100,150", help="Users per step, increasing."),
    step_seconds: float = typer.Option(30, min=5, help="Measured seconds per step (after the ramp)."),
    ramp_seconds: float = typer.Option(5, min=1, help="Seconds to start a step's users (not measured)."),
    pacing: float = typer.Option(2.0, min=0.1, help="Seconds between the starts of one user's tasks."),
    p95_ms: float = typer.Option(200, help="A step passes with no errors and an aggregate p95 below this."),
    port: int = typer.Option(int(os.environ.get("LOAD_PORT", "8100")), help="The server's port (LOAD_PORT)."),
    workers: int = typer.Option(2, min=1, help="Server worker processes."),
    database: str = typer.Option(os.environ.get("LOAD_DATABASE", "wrestle_load"), help="(LOAD_DATABASE)"),
    warmup_seconds: float = typer.Option(20, min=0, help="Unreported load at the first step's users first."),
    stop_after: int = typer.Option(2, min=1, help="Stop after this many failing steps in a row."),
    floor_step: bool = typer.Option(
        True, "--floor/--no-floor", help="Then the same load on a minimal endpoint, for a ratio."
    ),
    ingest_seconds: float = typer.Option(
        60, min=0, help="Seconds between a team's morning-check uploads at least (0: whenever picked)."
    ),
    payload_cache: bool = typer.Option(
        True,
        "--payload-cache/--no-payload-cache",
        help="Serve with the dashboard payload cache (ETags, 304s, cached bodies) or without it.",
    ),
) -> None:
    """Load-test the service and report the highest step it sustains."""
    users = sorted({int(u) for u in steps.split(",") if u.strip()})
    if not users or users[0] < 1:
        raise typer.BadParameter("--steps: a comma-separated list of positive user counts")
    # A terminated run still stops its server (the `finally` below runs on SystemExit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    out = RESULTS / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=True)
    os.environ["LOAD_INGEST_SECONDS"] = str(ingest_seconds)  # read by the locustfile's processes
    env = {**os.environ, "PG_DATABASE": database}
    _wrestle("db", "start", env=env)
    dsn, floor_path = prepare_database(database, env)
    done: list[Step] = []
    serve = [*WRESTLE, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with open(out / "server.log", "wb") as log:
        server = start_server(serve, server_env(env, database, payload_cache), port, "/ready", log)
        try:
            base = f"http://127.0.0.1:{port}"
            if warmup_seconds:
                # Caches, pools and the AI answers of the demo's charts, as on a service in use.
                console.print(f"warm-up: {users[0]} users, {warmup_seconds:g} s (not reported)")
                run_step(
                    base, server.pid, users[0], ramp_seconds, warmup_seconds, pacing, out / "warmup", p95_ms
                )
            failed_in_a_row = 0
            for n in users:
                console.print(f"step: {n} users, {ramp_seconds:g} s ramp + {step_seconds:g} s measured …")
                step = run_step(base, server.pid, n, ramp_seconds, step_seconds, pacing, out, p95_ms)
                done.append(step)
                console.print(
                    f"  {step.rps:.1f} req/s, p50 {step.p50:g} ms, p95 {step.p95:g} ms, p99 {step.p99:g} ms,"
                    f" {step.failures} errors"
                )
                failed_in_a_row = 0 if step.passed else failed_in_a_row + 1
                if failed_in_a_row >= stop_after:
                    break
        finally:
            stop_server(server)
    best = max((s for s in done if s.passed), key=lambda s: s.rps, default=None)
    floor = None
    if floor_step and done:
        floor = run_floor(
            dsn,
            floor_path,
            port,
            workers,
            (best or done[0]).users,
            ramp_seconds,
            step_seconds,
            pacing,
            out,
            p95_ms,
        )
    console.print(table(done, p95_ms))
    if floor is not None:
        compared = best or done[0]
        p50x, p95x = compared.p50 / max(floor.p50, 1), compared.p95 / max(floor.p95, 1)
        console.print(
            f"floor at {floor.users} users: {floor.rps:.1f} req/s, p50 {floor.p50:g} ms,"
            f" p95 {floor.p95:g} ms, p99 {floor.p99:g} ms, {floor.failures} errors; the service's p50"
            f" and p95 at {compared.users} users are {p50x:.1f}x and {p95x:.1f}x the floor's"
        )
    if best is not None:
        console.print(slowest(best))
    if done and not done[-1].passed and done[-1] is not best:
        console.print(slowest(done[-1]))
        for f in done[-1].failure_kinds[:5]:
            console.print(f"  error at {done[-1].users} users: {f}")
    summary = {
        "finished": datetime.now(UTC).isoformat(),
        "settings": {
            "steps": users,
            "stepSeconds": step_seconds,
            "rampSeconds": ramp_seconds,
            "pacing": pacing,
            "p95TargetMs": p95_ms,
            "warmupSeconds": warmup_seconds,
            "stopAfter": stop_after,
            "workers": workers,
            "database": database,
            "payloadCache": payload_cache,
            "ingestSeconds": ingest_seconds,
            "cpus": os.cpu_count(),
        },
        "sustained": asdict(best) if best else None,
        "floor": asdict(floor) if floor else None,
        "steps": [asdict(s) for s in done],
    }
    (out / "results.json").write_text(json.dumps(summary, indent=2))
    if best is None:
        console.print(f"[red]no step passed[/] (results in {out.relative_to(ROOT)})")
        raise typer.Exit(1)
    console.print(
        f"[bold]sustained: {best.rps:.1f} req/s at {best.users} users[/] (p50 {best.p50:g} ms,"
        f" p95 {best.p95:g} ms, p99 {best.p99:g} ms, no errors); results in {out.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    typer.run(main)
