"""Several workers and instances of one deployment share the database and Redis: a revocation, a rate
limit and a write made through one are in force on the others at once, and the workers of one
`wrestle serve --workers N` answer /metrics with the sum over all of them."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from core.config import Settings
from db.types import PgConn
from tests.conftest import cli_env
from tests.helpers import API, bearer, create_user, login
from tests.live_server import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 12


@pytest.fixture
async def pair(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two instances, each a real uvicorn server with its own process state."""
    shared = settings.model_copy(update={"rate_limit_per_minute": LIMIT})
    with serving(shared) as a, serving(shared) as b:
        async with httpx.AsyncClient(base_url=a) as ca, httpx.AsyncClient(base_url=b) as cb:
            yield ca, cb


async def test_a_logout_on_one_instance_is_refused_on_the_other(
    pair: tuple[httpx.AsyncClient, httpx.AsyncClient], conn: PgConn
) -> None:
    a, b = pair
    await create_user(conn, "coach", email="coach@example.com")
    tokens = await login(a, "coach@example.com")
    assert (await b.get(f"{API}/auth/me", headers=bearer(tokens["accessToken"]))).status_code == 200
    out = await a.post(
        f"{API}/auth/logout",
        json={"refreshToken": tokens["refreshToken"]},
        headers=bearer(tokens["accessToken"]),
    )
    assert out.status_code == 200
    assert (await b.get(f"{API}/auth/me", headers=bearer(tokens["accessToken"]))).status_code == 401
    r = await b.post(f"{API}/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert r.status_code == 401


async def test_a_rate_limit_counts_the_requests_of_both_instances(
    pair: tuple[httpx.AsyncClient, httpx.AsyncClient], conn: PgConn
) -> None:
    a, b = pair
    await create_user(conn, "admin", email="admin@example.com")
    headers = bearer((await login(a, "admin@example.com"))["accessToken"])
    answers = [await (a if i % 2 else b).get(f"{API}/metrics", headers=headers) for i in range(LIMIT + 2)]
    codes = [r.status_code for r in answers]
    # Each instance alone saw at most LIMIT/2 + 1 requests: only a shared count refuses.
    assert codes[:LIMIT] == [200] * LIMIT and codes[LIMIT:] == [429, 429], codes
    assert answers[-1].headers["X-RateLimit-Remaining"] == "0"


async def test_a_write_on_one_instance_is_read_on_the_other(
    pair: tuple[httpx.AsyncClient, httpx.AsyncClient], conn: PgConn
) -> None:
    a, b = pair
    await create_user(conn, "admin", email="admin@example.com")
    headers = bearer((await login(a, "admin@example.com"))["accessToken"])
    team = await conn.fetchval("INSERT INTO teams (name) VALUES ('Team A') RETURNING id")
    wrestler = await conn.fetchval(
        """INSERT INTO wrestlers (team_id, name_fa, name_en, weight_class)
           VALUES ($1, 'ع', 'A', 74) RETURNING id""",
        team,
    )
    series = f"{API}/wrestlers/{wrestler}/series?metric=weight&bucket=raw"
    assert (await b.get(series, headers=headers)).json()["series"][0]["points"] == []
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    csv = f"wrestler,metric,recorded_at,value\n{wrestler},weight,{yesterday},80.5\n"
    r = await a.post(f"{API}/ingest/csv", headers={**headers, "Content-Type": "text/csv"}, content=csv)
    assert r.status_code == 200, r.text
    points = (await b.get(series, headers=headers)).json()["series"][0]["points"]
    assert [p["value"] for p in points] == [80.5]


def _sample(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    assert match, f"{name} not in the scrape"
    return float(match.group(1))


async def test_the_workers_of_one_instance_answer_metrics_with_their_sum(settings: Settings) -> None:
    port = free_port()
    env = {k: v for k, v in cli_env(settings).items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        "serve",
        "--workers",
        "2",
        "--port",
        str(port),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as probe:
            for _ in range(900):  # three minutes at most, on a loaded machine
                try:
                    if (await probe.get("/metrics")).text.count("wrestle_workers 2.0"):
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("two workers did not come up")

        async def one() -> int:
            # A connection per request, so that both workers take some.
            async with httpx.AsyncClient(base_url=base) as c:
                return (await c.get("/health")).status_code

        assert await asyncio.gather(*[one() for _ in range(40)]) == [200] * 40
        for _ in range(4):  # whichever worker answers the scrape
            async with httpx.AsyncClient(base_url=base) as c:
                text = (await c.get("/metrics")).text
            assert _sample(text, "wrestle_workers") == 2.0
            total = 'wrestle_http_requests_total{method="GET",route="/health",status="200"}'
            assert _sample(text, total) == 40.0
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 30)
