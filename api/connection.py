"""The request's database connection: reads run without a transaction, other requests in one
that commits before the response is sent.

Writes of athlete data (ingest, section forms, undo, deleting a wrestler) do not use `Conn`: they
take a `PooledConn` and the write path (ingest/) owns its transaction and what must follow the
commit (continuous-aggregate refreshes, ingest.refresh.write_transaction).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends, Request

from api.state import State
from db.types import PgConn

# Methods without side effects: no transaction (get_conn); rate limit counted while authenticating.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_pooled_conn(request: Request, state: State) -> AsyncIterator[PgConn]:
    """The request's connection, returned to the pool after the response is sent (its reset is a
    round trip nobody needs to wait for). With read replicas, a read's may be a replica's
    (api.replica_routing)."""
    if state.reads is not None:
        async with state.reads.connection(request) as routed:
            yield routed
        return
    started = time.perf_counter()
    async with state.pool.acquire() as conn:
        if state.metrics is not None:
            state.metrics.observe_pool(state.pool, time.perf_counter() - started)
        yield cast(PgConn, conn)


PooledConn = Annotated[PgConn, Depends(get_pooled_conn)]


async def get_conn(request: Request, conn: PooledConn) -> AsyncIterator[PgConn]:
    """Writes run in one transaction that commits (or rolls back) when the route returns, before
    the response is sent, so a 2xx always means committed. Reads run without BEGIN/COMMIT: two
    round trips saved on every dashboard call, and under READ COMMITTED a transaction would not give
    their statements one snapshot anyway."""
    if request.method in READ_METHODS:
        yield conn
        return
    async with conn.transaction():
        yield conn


# scope="function": the dependency's exit (the commit) runs before the response is sent.
Conn = Annotated[PgConn, Depends(get_conn, scope="function")]
