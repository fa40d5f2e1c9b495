"""The OpenAPI document is the contract a front end generates its client from: schemathesis calls
every operation of /openapi.json against a real server on a local port (the test database, some
data, rate limits raised) as an admin and as an athlete, and every answer must be no server error, a
documented status, the documented content type and a body matching the documented schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.core.result import Ok

from core.config import Settings
from db.types import PgConn
from tests.dashboard_fixtures import World, local_noon, make_world, write
from tests.live_server import serving

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
EXAMPLES = 8  # per operation and caller
RAISED_LIMITS = {
    "rate_limit_per_minute": 1_000_000,
    "login_max_failures_per_email": 1_000_000,
    "login_max_failures_per_ip": 1_000_000,
    "signup_max_per_ip": 1_000_000,
    "database_pool_max": 10,
}


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    w = await make_world(conn, settings)
    points = [
        ("weight", local_noon(2), 80.0),
        ("body_fat", local_noon(2), 11.0),
        ("power_to_weight", local_noon(2), 1.9),
        ("sleep_quality", local_noon(1), 80.0),
        ("hrv_score", local_noon(1), 70.0),
        ("hemoglobin", local_noon(3), 15.5),
        ("adherence", local_noon(1), 90.0),
        ("bench", local_noon(4), 120.0),
        ("hr_zone1_pct", local_noon(4), 20.0),
        ("rpe", local_noon(4), 7.0),
        ("radar_back", local_noon(5), 70.0),
    ]
    await write(conn, w.wrestler, points)
    return w


@pytest.fixture
def server(settings: Settings, world: World) -> Iterator[str]:
    with serving(settings.model_copy(update=RAISED_LIMITS)) as base:
        yield base


def _with_real_ids(case: Any, world: World) -> None:
    """Most generated ids name nothing (404 is checked as well); reads and writes of the sections
    get the real wrestler and team, so their success bodies are checked against their schemas.
    Deletions keep the generated ids: the data stays for the other operations."""
    if case.method == "DELETE" or not case.path_parameters:
        return
    if "wrestlerId" in case.path_parameters:
        case.path_parameters["wrestlerId"] = str(world.wrestler)
    if "teamId" in case.path_parameters:
        case.path_parameters["teamId"] = str(world.team)


def run_every_operation(base: str, headers: dict[str, str], world: World) -> list[str]:
    """Generated cases of every operation (schemathesis' strategies, driven by hypothesis), each
    called and checked; the failures, one line each."""
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: list[str] = []
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the document has an invalid operation: {result}"
        operations.append(result.ok())
    assert len(operations) >= 64
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case: Any) -> None:
            _with_real_ids(case, world)
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

        try:
            run()
        except (
            BaseException
        ) as exc:  # every operation runs; failures (exception groups) are reported together
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures.append(f"{operation.label}: {str(exc).strip()[:1500]}")
    return failures


def test_every_operation_as_an_admin(server: str, world: World) -> None:
    failures = run_every_operation(server, world.admin, world)
    assert not failures, "\n\n".join(failures)


def test_every_operation_as_an_athlete(server: str, world: World) -> None:
    failures = run_every_operation(server, world.athlete, world)
    assert not failures, "\n\n".join(failures)


def test_the_document_describes_every_answer_with_one_error_schema(server: str) -> None:
    spec = httpx.get(f"{server}/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    ops = [(p, m, op) for p, ops in spec["paths"].items() for m, op in ops.items()]
    assert len(ops) >= 64
    ids = [op["operationId"] for _, _, op in ops]
    assert len(set(ids)) == len(ids) and all(i.isidentifier() and "_" not in i for i in ids), ids
    for path, method, op in ops:
        ok = [c for c in op["responses"] if c.startswith("2")]
        assert ok, (method, path)
        for code in ok:
            content = op["responses"][code].get("content", {})
            if path == "/metrics":  # Prometheus' text format, the one non-JSON answer
                assert list(content) == ["text/plain"]
                continue
            body = content.get("application/json", {}).get("schema", {})
            assert body and body != {"type": "string"}, f"{method} {path}: untyped {code}"
        for code, answer in op["responses"].items():
            if code[0] in "45":
                assert answer["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorResponse"
                }
