"""Loading the demo federation (demo/generate.py) through the one write path, with its demo accounts.

Everything happens in one transaction: the previous demo federation is removed, teams, wrestlers
and accounts are created, and the points go through ingest.writer.write_points under one
ingest batch, so daily aggregates, snapshots and section scores come out exactly as for a real import.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

import polars as pl

from core.security import hash_password
from db import catalog as catalog_sql
from db import demo as demo_sql
from db import ingest_batches as batches_sql
from db import teams as teams_sql
from db import users as users_sql
from db.types import PgConn
from demo.generate import EXTERNAL_PREFIX, SOURCE, TEAMS, DemoSpec, generate, to_points
from ingest.refresh import write_transaction
from ingest.writer import write_points

EMAIL_DOMAIN = "demo.wrestle"


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    role: str
    name: str
    team: int | None = None  # index into demo.generate.TEAMS (coaches)
    wrestler: str | None = None  # external id (athletes)


ACCOUNTS = (
    Account(f"admin@{EMAIL_DOMAIN}", "demo-admin-1404", "admin", "Demo Admin · مدیر"),
    Account(f"coach.tehran@{EMAIL_DOMAIN}", "demo-coach-1404", "coach", "Coach Tehran · مربی تهران", team=0),
    Account(
        f"coach.mazandaran@{EMAIL_DOMAIN}",
        "demo-coach-1404",
        "coach",
        "Coach Mazandaran · مربی مازندران",
        team=1,
    ),
    Account(
        f"athlete@{EMAIL_DOMAIN}",
        "demo-athlete-1404",
        "athlete",
        "Ali Ahmadi · علی احمدی",
        wrestler="FED-0001",
    ),
)


@dataclass
class DemoSummary:
    teams: int = 0
    wrestlers: int = 0
    removed_wrestlers: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    batch_id: int | None = None
    seconds: float = 0.0
    accounts: list[Account] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


async def remove_demo(conn: PgConn) -> int:
    return await demo_sql.remove_demo(
        conn,
        external_prefix=EXTERNAL_PREFIX,
        team_names=[t.name for t in TEAMS],
        email_domain=EMAIL_DOMAIN,
        source=SOURCE,
    )


async def demo_accounts(conn: PgConn) -> list[Account]:
    """The demo accounts that exist in the database."""
    present = await demo_sql.existing_emails(conn, [a.email for a in ACCOUNTS])
    return [a for a in ACCOUNTS if a.email.lower() in present]


async def _create_accounts(
    conn: PgConn, team_ids: list[UUID], wrestler_ids: pl.DataFrame, bcrypt_rounds: int
) -> list[Account]:
    by_external = dict(wrestler_ids.iter_rows())
    created: list[Account] = []
    hashes: dict[str, str] = {}
    for a in ACCOUNTS:
        wrestler = by_external.get(a.wrestler) if a.wrestler else None
        if a.wrestler and wrestler is None:
            continue  # a small federation without that wrestler
        if a.password not in hashes:
            hashes[a.password] = hash_password(a.password, bcrypt_rounds)
        row = await users_sql.insert_user(
            conn,
            email=a.email,
            password_hash=hashes[a.password],
            name=a.name,
            role=a.role,
            team_id=team_ids[a.team] if a.team is not None else None,
            wrestler_id=UUID(wrestler) if wrestler else None,
        )
        if row is not None:
            created.append(a)
    return created


async def load_demo(
    conn: PgConn,
    spec: DemoSpec,
    *,
    end: date,
    now: datetime | None,
    bcrypt_rounds: int,
    if_empty: bool = False,
) -> DemoSummary | None:
    """Replace the demo federation by a freshly generated one; with `if_empty`, do nothing (None)
    when any wrestler exists. `conn` must not be in a transaction (continuous aggregates are
    refreshed after commit)."""
    if if_empty and await demo_sql.any_wrestler(conn):
        return None
    started = time.perf_counter()
    fed = generate(spec, end=end, now=now)
    catalog = await catalog_sql.metrics_frame(conn)
    summary = DemoSummary(teams=len(fed.teams), wrestlers=fed.wrestlers.height)
    # Continuous aggregates refresh after the commit, and the scores with them.
    async with write_transaction(conn):
        summary.removed_wrestlers = await remove_demo(conn)
        team_ids: list[UUID] = [(await teams_sql.insert_team(conn, t.name))["id"] for t in fed.teams]
        wrestlers = fed.wrestlers.with_columns(
            team_id=pl.col("team").replace_strict(
                list(range(len(team_ids))), [str(t) for t in team_ids], return_dtype=pl.String
            )
        )
        ids = await demo_sql.insert_wrestlers(conn, wrestlers)
        points = to_points(fed.points, ids, catalog)
        batch_id = await batches_sql.create_batch(
            conn, user_id=None, source=SOURCE, filename=None, fmt="demo"
        )
        result = await write_points(conn, points, batch_id)
        summary.rows = dict(points.group_by("domain").len().sort("domain").iter_rows())
        summary.accounts = await _create_accounts(conn, team_ids, ids, bcrypt_rounds)
        await demo_sql.weight_setup(conn, team_ids, fed.competitions.rows(), end)
        bounds = points.select(
            pl.col("recorded_at").min().alias("lo"), pl.col("recorded_at").max().alias("hi")
        )
        await batches_sql.finish_batch(
            conn,
            batch_id,
            counts={
                "read": points.height,
                "inserted": result.inserted,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": 0,
            },
            first_at=bounds["lo"][0],
            last_at=bounds["hi"][0],
            duration_ms=int((time.perf_counter() - started) * 1000),
            report={
                "generator": "demo",
                "seed": spec.seed,
                "days": spec.days,
                "wrestlers": fed.wrestlers.height,
                "metrics": points.get_column("metric_id").n_unique(),
                "errorCount": 0,
                "errors": [],
            },
        )
        summary.batch_id = batch_id
    summary.seconds = time.perf_counter() - started
    return summary
