"""The access matrix: every route of the app × every kind of caller, with the exact status.

The table below declares, for every route the app serves (AI
routes excluded), which access rule it follows. `TestEveryRouteHasARule` collects the
app's own routes, so a route added without an entry here fails; an entry whose route the app does
not serve (yet) is skipped. Each route runs in a fresh database with the world of tests.helpers
(team A: coach_a, W1 ← athlete, W2 ← athlete2; team B: coach_b, W3; a teamless coach; an admin).
Callers who are allowed must get the route's success status; the others exactly 401, 403 or 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from db.types import PgConn
from tests.conftest import base_settings
from tests.helpers import (
    PASSWORD,
    World,
    access_token,
    bearer,
    create_team,
    create_user,
    create_wrestler,
    login,
    make_world,
)

CALLERS = ("anonymous", "admin", "coach_a", "coach_b", "teamless_coach", "athlete", "athlete2")
OK = "ok"  # the route's success status

_NOBODY = dict.fromkeys(CALLERS, 403) | {"anonymous": 401}
RULES: dict[str, dict[str, Any]] = {
    "public": dict.fromkeys(CALLERS, OK),
    "authenticated": dict.fromkeys(CALLERS, OK) | {"anonymous": 401},
    "admin": _NOBODY | {"admin": OK},
    "staff": _NOBODY | {"admin": OK, "coach_a": OK, "coach_b": OK, "teamless_coach": OK},
    "staff-with-team": _NOBODY | {"admin": OK, "coach_a": OK, "coach_b": OK},
    "team-read": _NOBODY | {"admin": OK, "coach_a": OK},
    "team-admin": _NOBODY | {"admin": OK},
    "wrestler-read": _NOBODY | {"admin": OK, "coach_a": OK, "athlete": OK},
    "wrestler-write-staff": _NOBODY | {"admin": OK, "coach_a": OK},
    "wrestler-write-self-reported": _NOBODY | {"admin": OK, "coach_a": OK, "athlete": OK},
    # Anonymous signup makes an unlinked athlete; a logged-in non-admin may not create accounts.
    "signup": _NOBODY | {"anonymous": OK, "admin": OK},
    # A weigh-in named by its id: staff only; another team's (or no team's) coach is told it does not exist.
    "weigh-in-staff": dict.fromkeys(CALLERS, 403)
    | {"anonymous": 401, "admin": OK, "coach_a": OK, "coach_b": 404, "teamless_coach": 404},
    # Ingest batches: the owner (coach_a made it) or an admin; anyone else is told it does not exist.
    "batch-owner": dict.fromkeys(CALLERS, 404) | {"anonymous": 401, "admin": OK, "coach_a": OK},
}


@dataclass
class Ctx:
    conn: PgConn
    client: httpx.AsyncClient
    world: World
    ids: dict[str, str] = field(default_factory=dict)


Body = Callable[[Ctx, str], Awaitable[Any]]


@dataclass(frozen=True)
class Rule:
    rule: str
    ok: int = 200
    body: Body | None = None
    # Fresh path target per caller (the call deletes or spends it).
    destructive: bool = False
    # The allowed callers' status depends on a body this table cannot know: only check they pass.
    loose: bool = False
    content: bytes | None = None
    content_type: str | None = None
    query: str = ""


def const(value: Any) -> Body:
    async def make(ctx: Ctx, caller: str) -> Any:
        return value

    return make


async def _signup_body(ctx: Ctx, caller: str) -> Any:
    return {"email": f"new-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD, "name": "New"}


async def _login_body(ctx: Ctx, caller: str) -> Any:
    return {"email": ctx.world.admin.email, "password": PASSWORD}


async def _fresh_refresh(ctx: Ctx, caller: str) -> Any:
    return {"refreshToken": (await login(ctx.client, ctx.world.athlete2.email))["refreshToken"]}


async def _new_user_body(ctx: Ctx, caller: str) -> Any:
    return {
        "email": f"u-{uuid.uuid4().hex[:8]}@example.com",
        "password": PASSWORD,
        "name": "U",
        "role": "athlete",
    }


WRESTLER = "/api/v1/wrestlers/{wrestlerId}"
SECTION_BODIES = {
    "overview": {
        "overallScore": 80,
        "msi": 80,
        "mes": 80,
        "api": 400,
        "vo2max": 50,
        "frr": 80,
        "acs": 70,
        "bos": 5,
    },
    "body-composition": {
        "weight": 80,
        "bodyFatPercentage": 10,
        "muscleMass": 60,
        "bmr": 2000,
        "powerToWeight": 1.5,
    },
    "bloodwork": {"hemoglobin": 15, "hematocrit": 45, "testosteroneLevel": 600, "lastTestDate": "2026-01-01"},
    "recovery": {
        "sleepQuality": 80,
        "hrvScore": 70,
        "fatigueLevel": 20,
        "hydrationLevel": 80,
        "readinessScore": 85,
    },
    "supplements": {
        "adherenceRate": 90,
        "monthlyProgress": "+5%",
        "performanceCorrelation": 0.5,
        "totalSupplements": 4,
        "creatineDailyGrams": 5,
        "proteinDailyGrams": 150,
        "hydrationLiters": 3,
    },
    "bodybuilding-performance": {
        "benchPressMax": 300,
        "squatMax": 400,
        "deadliftMax": 500,
        "vo2max": 50,
        "bodyFatPercentage": 12,
        "performanceScore": 85,
    },
}
SELF_REPORTED = {"recovery", "supplements"}

TABLE: dict[tuple[str, str], Rule] = {
    # operations
    ("GET", "/health"): Rule("public"),
    ("GET", "/ready"): Rule("public"),
    ("GET", "/metrics"): Rule("public"),  # Prometheus
    # auth
    ("POST", "/api/v1/auth/signup"): Rule("signup", 201, _signup_body),
    ("POST", "/api/v1/auth/login"): Rule("public", 200, _login_body),
    ("POST", "/api/v1/auth/refresh"): Rule("public", 200, _fresh_refresh),
    ("POST", "/api/v1/auth/logout"): Rule("public", 200, _fresh_refresh),
    ("GET", "/api/v1/auth/me"): Rule("authenticated"),
    # user management
    ("GET", "/api/v1/users"): Rule("admin"),
    ("POST", "/api/v1/users"): Rule("admin", 201, _new_user_body),
    ("GET", "/api/v1/users/{userId}"): Rule("admin"),
    ("PUT", "/api/v1/users/{userId}"): Rule("admin", 200, const({"name": "Renamed"})),
    ("DELETE", "/api/v1/users/{userId}"): Rule("admin", destructive=True),
    # wrestlers
    ("GET", "/api/v1/wrestlers"): Rule("authenticated"),
    ("POST", "/api/v1/wrestlers"): Rule(
        "staff-with-team", 201, const({"nameFa": "تازه", "nameEn": "Fresh", "weightClass": 74})
    ),
    ("GET", WRESTLER): Rule("wrestler-read"),
    ("PUT", WRESTLER): Rule("wrestler-write-staff", 200, const({"nameEn": "Renamed"})),
    ("DELETE", WRESTLER): Rule("wrestler-write-staff", destructive=True),
    # sections
    ("POST", WRESTLER + "/overview/chart"): Rule(
        "wrestler-write-staff", 201, const({"labels": ["chest"], "values": [80]})
    ),
    ("GET", WRESTLER + "/overview/chart"): Rule("wrestler-read"),
    ("GET", WRESTLER + "/body-composition/trends"): Rule("wrestler-read"),
    ("GET", WRESTLER + "/body-composition/inbody"): Rule("wrestler-read"),
    ("GET", WRESTLER + "/bloodwork/charts"): Rule("wrestler-read"),
    ("GET", WRESTLER + "/recovery/charts"): Rule("wrestler-read"),
    ("GET", WRESTLER + "/supplements/charts"): Rule("wrestler-read"),
    ("GET", WRESTLER + "/bodybuilding-performance/charts"): Rule("wrestler-read"),
    # training
    ("GET", WRESTLER + "/training-program"): Rule("wrestler-read"),
    ("POST", WRESTLER + "/training-program"): Rule(
        "wrestler-write-self-reported", 200, const({"date": "2026-01-05"})
    ),
    ("GET", WRESTLER + "/calendar"): Rule("wrestler-read"),
    # scores
    ("GET", WRESTLER + "/scores/overall"): Rule("wrestler-read"),
    ("GET", WRESTLER + "/scores/domains"): Rule("wrestler-read"),
    ("GET", WRESTLER + "/scores/explanation"): Rule("wrestler-read"),
    # series, catalog, ingest
    ("GET", WRESTLER + "/series"): Rule("wrestler-read", query="?metric=weight"),
    ("GET", "/api/v1/metrics"): Rule("authenticated"),
    ("POST", "/api/v1/metrics"): Rule(
        "admin", 201, const({"key": "matrix_metric", "domain": "performance", "nameEn": "Matrix metric"})
    ),
    ("POST", "/api/v1/ingest/csv"): Rule(
        "authenticated",
        loose=True,
        content=b"wrestler_id,metric,recorded_at,value\n",
        content_type="text/csv",
    ),
    ("POST", "/api/v1/ingest/readings"): Rule(
        "authenticated", 200, const({"source": "matrix", "readings": []})
    ),
    ("GET", "/api/v1/ingest/batches"): Rule("authenticated"),
    ("GET", "/api/v1/ingest/batches/{batchId}"): Rule("batch-owner"),
    ("DELETE", "/api/v1/ingest/batches/{batchId}"): Rule("batch-owner", destructive=True),
    # teams
    ("GET", "/api/v1/teams"): Rule("staff"),
    ("POST", "/api/v1/teams"): Rule("admin", 201, const({"name": "New team"})),
    ("GET", "/api/v1/teams/{teamId}"): Rule("team-read"),
    ("PUT", "/api/v1/teams/{teamId}"): Rule("team-admin", 200, const({"name": "Renamed team"})),
    ("DELETE", "/api/v1/teams/{teamId}"): Rule("team-admin", destructive=True),
    ("GET", "/api/v1/teams/{teamId}/stats"): Rule("team-read"),
    ("GET", "/api/v1/teams/{teamId}/athletes"): Rule("team-read"),
    # weight management
    ("GET", "/api/v1/rule-sets"): Rule("authenticated"),
    ("POST", "/api/v1/rule-sets"): Rule(
        "admin",
        201,
        const({"key": "matrix", "name": "Matrix rules", "unit": "kg", "classes": {"": [60, 70]}}),
    ),
    ("GET", WRESTLER + "/weight-plan"): Rule("wrestler-read"),
    ("PUT", WRESTLER + "/weight-plan"): Rule("wrestler-write-staff", 200, const({"targetClassKg": 74})),
    ("GET", WRESTLER + "/weigh-ins"): Rule("wrestler-read"),
    ("GET", WRESTLER + "/training-load"): Rule("wrestler-read"),
    ("GET", WRESTLER + "/alerts"): Rule("wrestler-read"),
    ("GET", "/api/v1/teams/{teamId}/alerts"): Rule("team-read"),
    ("POST", WRESTLER + "/weigh-ins"): Rule(
        "wrestler-write-staff",
        201,
        const({"weighedAt": "2026-01-10T07:00:00Z", "weightKg": 80.0, "source": "scale A", "event": "Cup"}),
    ),
    ("POST", "/api/v1/weigh-ins/{weighInId}/corrections"): Rule(
        "weigh-in-staff", 201, const({"weightKg": 79.9, "reason": "misread"}), destructive=True
    ),
    ("GET", "/api/v1/teams/{teamId}/weight-board"): Rule("team-read"),
    ("GET", "/api/v1/teams/{teamId}/weight-settings"): Rule("team-read"),
    ("PUT", "/api/v1/teams/{teamId}/weight-settings"): Rule("team-read", 200, const({"rapidLossPct": 2.5})),
}
for _section, _body in SECTION_BODIES.items():
    TABLE[("GET", f"{WRESTLER}/{_section}")] = Rule("wrestler-read")
    TABLE[("GET", f"{WRESTLER}/{_section}/score")] = Rule("wrestler-read")
    TABLE[("POST", f"{WRESTLER}/{_section}")] = Rule(
        "wrestler-write-self-reported" if _section in SELF_REPORTED else "wrestler-write-staff",
        201,
        const(_body),
    )


def app_routes() -> set[tuple[str, str]]:
    """(method, full path template) of every API route the app serves, AI routes excluded."""
    from api.app import create_app

    app = create_app(base_settings())
    out: set[tuple[str, str]] = set()
    for rc in iter_route_contexts(app.routes):
        # Swagger UI's own pages (/docs) are not part of the API: they are not in the schema.
        route = rc.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and rc.path_format:
            if rc.path_format.startswith("/api/v1/ai/"):
                continue
            out |= {(m, rc.path_format) for m in (rc.methods or ()) if m != "HEAD"}
    return out


APP_ROUTES = app_routes()
CASES = sorted(TABLE)


class TestEveryRouteHasARule:
    def test_no_app_route_without_an_entry(self) -> None:
        missing = sorted(APP_ROUTES - set(TABLE))
        assert not missing, (
            f"routes without an access rule in tests/integration/test_rbac_matrix.py TABLE: {missing}"
        )


async def _batch(conn: PgConn, owner: uuid.UUID) -> str:
    bid = await conn.fetchval(
        "INSERT INTO ingest_batches (user_id, source, format) VALUES ($1, 'matrix', 'csv') RETURNING id",
        owner,
    )
    return str(bid)


async def _targets(ctx: Ctx, path: str, fresh: bool) -> dict[str, str]:
    """Path parameters: W1, team A, athlete2's user, a batch of coach_a. With `fresh`, the path's
    target is new (the athlete relinked to the new wrestler, coach_a moved to the new team)."""
    w = ctx.world
    if "batchId" not in ctx.ids:
        ctx.ids["batchId"] = await _batch(ctx.conn, w.coach_a.id)
    if "weighInId" not in ctx.ids:
        ctx.ids["weighInId"] = await _weigh_in(ctx.conn, w.w1)
    params = {"wrestlerId": str(w.w1), "teamId": str(w.team_a), "userId": str(w.athlete2.id), **ctx.ids}
    if not fresh:
        return params
    if "{wrestlerId}" in path:
        wid = await create_wrestler(ctx.conn, w.team_a)
        await ctx.conn.execute("UPDATE users SET wrestler_id = $1 WHERE id = $2", wid, w.athlete.id)
        w.athlete.access = await access_token(ctx.client, w.athlete.email)  # the relink ended its session
        params["wrestlerId"] = str(wid)
    if "{teamId}" in path:
        tid = await create_team(ctx.conn)
        await ctx.conn.execute("UPDATE users SET team_id = $1 WHERE id = $2", tid, w.coach_a.id)
        w.coach_a.access = await access_token(ctx.client, w.coach_a.email)
        params["teamId"] = str(tid)
    if "{userId}" in path:
        params["userId"] = str(await create_user(ctx.conn, "athlete"))
    if "{batchId}" in path:
        params["batchId"] = await _batch(ctx.conn, w.coach_a.id)
    if "{weighInId}" in path:
        params["weighInId"] = await _weigh_in(ctx.conn, w.w1)
    return params


async def _weigh_in(conn: PgConn, wrestler: uuid.UUID) -> str:
    wid = await conn.fetchval(
        """INSERT INTO weigh_ins (wrestler_id, weighed_at, weight_kg, source)
           VALUES ($1, now() - interval '1 day', 80.0, 'matrix') RETURNING id""",
        wrestler,
    )
    return str(wid)


def _headers(world: World, caller: str) -> dict[str, str]:
    return {} if caller == "anonymous" else bearer(getattr(world, caller).access)


async def _call(
    ctx: Ctx, method: str, path: str, route: Rule, caller: str, params: dict[str, str]
) -> httpx.Response:
    url = path.format(**params) + route.query
    headers = _headers(ctx.world, caller)
    if route.content is not None:
        return await ctx.client.request(
            method, url, content=route.content, headers={**headers, "Content-Type": route.content_type or ""}
        )
    if route.body is not None:
        return await ctx.client.request(method, url, json=await route.body(ctx, caller), headers=headers)
    return await ctx.client.request(method, url, headers=headers)


async def _unknown_ids(ctx: Ctx, method: str, path: str, route: Rule) -> list[str]:
    """A nonexistent wrestler or team is 404 for every authenticated caller, admins included
    (athletes have no team access at all, so team routes answer them 403 whatever the id)."""
    if "{wrestlerId}" not in path and "{teamId}" not in path:
        return []
    params = await _targets(ctx, path, False)
    params |= {"wrestlerId": str(uuid.uuid4()), "teamId": str(uuid.uuid4())}
    wrong: list[str] = []
    for caller in CALLERS[1:]:
        want = 403 if "{teamId}" in path and caller.startswith("athlete") else 404
        r = await _call(ctx, method, path, route, caller, params)
        if r.status_code != want or r.json()["error"] != ("FORBIDDEN" if want == 403 else "NOT_FOUND"):
            wrong.append(f"unknown id, {caller}: expected {want}, got {r.status_code} {r.text[:200]}")
    return wrong


def count_cases() -> int:
    """Caller × route checks the matrix makes for the routes the app serves."""
    served = [k for k in CASES if k in APP_ROUTES]
    scoped = [k for k in served if "{wrestlerId}" in k[1] or "{teamId}" in k[1]]
    return len(served) * len(CALLERS) + len(scoped) * (len(CALLERS) - 1)


@pytest.mark.parametrize(("method", "path"), CASES, ids=[f"{m} {p}" for m, p in CASES])
class TestAccessMatrix:
    """Per route: each of the 7 callers on the real target, then each authenticated caller on an
    unknown wrestler/team id."""

    async def test_each_caller_gets_the_exact_status(
        self, method: str, path: str, conn: PgConn, client: httpx.AsyncClient
    ) -> None:
        if (method, path) not in APP_ROUTES:
            pytest.skip("route not served by the app yet")
        route = TABLE[(method, path)]
        ctx = Ctx(conn, client, await make_world(conn, client))
        wrong: list[str] = []
        for caller in CALLERS:
            expected = RULES[route.rule][caller]
            params = await _targets(ctx, path, route.destructive)
            r = await _call(ctx, method, path, route, caller, params)
            if expected == OK and route.loose:
                if r.status_code in (401, 403, 404):
                    wrong.append(f"{caller}: expected access, got {r.status_code} {r.text[:200]}")
                continue
            want = route.ok if expected == OK else expected
            if r.status_code != want:
                wrong.append(f"{caller}: expected {want}, got {r.status_code} {r.text[:200]}")
        wrong += await _unknown_ids(ctx, method, path, route)
        assert not wrong, f"{method} {path} ({route.rule}):\n" + "\n".join(wrong)
