"""Load the lookup frames an ingest resolves names against (once per ingest, again after it creates
wrestlers or registers metrics)."""

from __future__ import annotations

from core.access import Scope
from core.domains import domain_names
from db import catalog as catalog_sql
from db.types import PgConn
from ingest.normalize import normalise_name
from ingest.validate import Lookups, wrestler_lookup


async def load(conn: PgConn, scope: Scope) -> Lookups:
    return Lookups(
        wrestlers=wrestler_lookup(await catalog_sql.wrestlers_frame(conn, scope)),
        aliases=await catalog_sql.aliases_frame(conn),
        metrics=await catalog_sql.metrics_frame(conn),
        conversions=await catalog_sql.conversions_frame(conn),
        domains={normalise_name(name): key for name, key in domain_names().items()},
    )


async def create_wrestlers(conn: PgConn, names: list[str]) -> None:
    await catalog_sql.create_wrestlers(conn, names)
