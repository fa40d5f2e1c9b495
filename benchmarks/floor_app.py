"""The benchmark's floor: a minimal FastAPI + asyncpg app returning the 365 latest daily rows of one
metric of one wrestler from the daily aggregate, no auth (run by benchmarks/test_http_benchmark.py).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

SQL = """SELECT to_char(bucket AT TIME ZONE 'Asia/Tehran', 'YYYY-MM-DD') AS date, last_value AS value
           FROM body_composition_daily
          WHERE wrestler_id = $1::uuid AND metric_id = $2
          ORDER BY bucket DESC LIMIT 365"""


def floor_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(os.environ["WRESTLE_BENCH_DSN"], min_size=1, max_size=4)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/floor/{wrestler_id}/{metric_id}")
    async def floor(request: Request, wrestler_id: str, metric_id: int) -> Response:
        rows = await request.app.state.pool.fetch(SQL, wrestler_id, metric_id)
        body: list[dict[str, Any]] = [{"date": r["date"], "value": r["value"]} for r in reversed(rows)]
        return Response(orjson.dumps(body), media_type="application/json")

    return app
