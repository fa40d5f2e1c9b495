"""The load test's traffic: coaches and athletes browsing the dashboard, coaches uploading a morning
check CSV and asking for AI insights, and sessions that log in, refresh and log out.

Each page view issues the GETs the front end makes for that page; every request is named by its
route template, so the stats group them by endpoint. Run by `benchmarks/load.py` (`make load`), or
by hand against a server with the demo federation loaded:

    uv run --frozen locust -f benchmarks/locustfile.py --headless -u 20 -r 5 -t 60s \
        --host http://127.0.0.1:8000

Users share one access token per demo account (logged in once per locust process, before the
users start), so a run does not turn into a bcrypt benchmark; the SignIn users pay for their own
logins, as real sign-ins do.
`LOAD_PACING` is the seconds between the starts of one user's tasks (its think time included);
`LOAD_ACCOUNTS` (JSON: email, password, role) names the accounts, by default the demo's.
"""

from __future__ import annotations

import json
import os
import random
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

import gevent  # type: ignore[import-untyped]
from locust import between, constant_pacing, events, task
from locust.contrib.fasthttp import FastHttpUser

from benchmarks.load_pages import (
    ADVANCED_INSIGHT,
    CHART_INSIGHT,
    INGEST_CSV,
    LOGIN,
    LOGOUT,
    ME,
    MORNING_CHECK,
    RECOVERY_CHARTS,
    REFRESH,
    ROSTER,
    TEAM_PAGE,
    WEIGHT_CHART,
    WRESTLER_PAGES,
)

PACING = float(os.environ.get("LOAD_PACING", "2"))
# A team's data changes a few times a day, not with every reader: each team's morning check is
# uploaded at most once every LOAD_INGEST_SECONDS (whatever the number of users; 0: whenever a coach
# picks the task, so that the writes grow with the readers).
INGEST_SECONDS = float(os.environ.get("LOAD_INGEST_SECONDS", "60"))
_last_upload: dict[str, float] = {}
# The charts whose values a user reads (to ask the AI about them): their bodies are kept with their tags.
READ_BODIES = frozenset({WEIGHT_CHART, RECOVERY_CHARTS})
FLOOR = os.environ.get("LOAD_FLOOR", "")


@dataclass(frozen=True)
class Held:
    """A page drawn from the browser's cache after a 304: the body it held."""

    status_code: int
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    role: str


def accounts() -> list[Account]:
    """The driver passes the demo's accounts in LOAD_ACCOUNTS; importing demo.load (Polars and the
    write path) would cost each locust process seconds of start-up."""
    given = os.environ.get("LOAD_ACCOUNTS")
    if given:
        return [Account(a["email"], a["password"], a["role"]) for a in json.loads(given)]
    from demo.load import ACCOUNTS

    return [Account(a.email, a.password, a.role) for a in ACCOUNTS]


ACCOUNTS = accounts()

COACHES = [a for a in ACCOUNTS if a.role == "coach"]
ATHLETES = [a for a in ACCOUNTS if a.role == "athlete"]


@dataclass
class Session:
    """One account's tokens and what its pages need (its team, the wrestlers it may see)."""

    access: str
    team: str | None
    wrestlers: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


_sessions: dict[str, Session] = {}


def _call(host: str, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
    request = urllib.request.Request(  # noqa: S310 - the run's own server
        host + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.loads(response.read())


def sign_in_the_dashboard_accounts(environment: Any, **_: Any) -> None:
    """Before any user starts (and outside the stats): one login per dashboard account, and the
    wrestlers it may see. An account that cannot log in stops the run here."""
    host = environment.host.rstrip("/")
    for account in (*COACHES, *ATHLETES):
        body = _call(host, LOGIN, {"email": account.email, "password": account.password})
        s = Session(access=body["accessToken"], team=body["user"]["teamId"])
        s.wrestlers = [w["id"] for w in _call(host, f"{ROSTER}?limit=100", token=s.access)["wrestlers"]]
        _sessions[account.email] = s


class Dashboard(FastHttpUser):
    """A signed-in dashboard user; subclasses choose the account and the tasks."""

    abstract = True
    wait_time = constant_pacing(PACING)
    accounts: ClassVar[list[Account]] = []
    session: Session

    def on_start(self) -> None:
        self.session = _sessions[random.choice(self.accounts).email]
        # This user's browser cache: the tag of each URL it was sent (and the body, for the charts
        # whose values it reads), revalidated on every view as `Cache-Control: no-cache` asks.
        self.held: dict[str, tuple[str, bytes | None]] = {}

    def get(self, template: str, wrestler: str | None = None, **params: Any) -> Any:
        path = template.replace("{wrestlerId}", wrestler or "").replace("{teamId}", self.session.team or "")
        url = path + ("?" + urlencode(sorted(params.items())) if params else "")
        held = self.held.get(url)
        headers = self.session.headers if held is None else {**self.session.headers, "If-None-Match": held[0]}
        response = self.client.get(url, headers=headers, name=template)
        if response.status_code == 304 and held is not None:
            return Held(200, held[1] or b"")
        tag = response.headers.get("etag") if response.status_code == 200 and response.headers else None
        if isinstance(tag, str):
            self.held[url] = (tag, response.content if template in READ_BODIES else None)
        return response

    def post(self, template: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.post(
            template, headers={**self.session.headers, **(headers or {})}, name=template, **kwargs
        )

    def wrestler_page(self, wrestler: str) -> None:
        for template in WRESTLER_PAGES[random.choice(list(WRESTLER_PAGES))]:
            self.get(template, wrestler)

    def weight_insight(self, wrestler: str) -> None:
        """The weight chart, then the AI panel's question about what it shows."""
        trends = self.get(WEIGHT_CHART, wrestler, limit=90)
        if trends.status_code != 200:
            return
        weight = trends.json()["bodyWeight"]
        self.post(
            CHART_INSIGHT,
            json={
                "wrestlerId": wrestler,
                "chartId": "weight-trend",
                "chartData": {"labels": weight["dates"], "values": weight["values"]},
                "locale": random.choice(("fa-IR", "en-US")),
            },
        )

    def recovery_insight(self, wrestler: str) -> None:
        """The recovery charts, then an advanced insight over the HRV and stress series."""
        charts = self.get(RECOVERY_CHARTS, wrestler, limit=60)
        if charts.status_code != 200:
            return
        body = charts.json()
        series = [
            {
                "name": name,
                "points": [{"date": d, "value": v} for d, v in zip(s["dates"], s["values"], strict=True)],
            }
            for name, s in (("hrv", body["hrv"]), ("stress", body["stress"]))
        ]
        self.post(
            ADVANCED_INSIGHT,
            json={
                "wrestlerId": wrestler,
                "section": "recovery",
                "chartId": "recovery-hrv",
                "chartData": {"series": series},
            },
        )


class Coach(Dashboard):
    """A coach: the team page, the pages of the team's wrestlers, AI insights, the morning CSV."""

    weight = 6
    accounts = COACHES

    @task(10)
    def team_page(self) -> None:
        for template in TEAM_PAGE:
            self.get(template)

    @task(40)
    def athlete_page(self) -> None:
        self.wrestler_page(random.choice(self.session.wrestlers))

    @task(4)
    def ai_chart_insight(self) -> None:
        self.weight_insight(random.choice(self.session.wrestlers))

    @task(2)
    def ai_advanced_insight(self) -> None:
        self.recovery_insight(random.choice(self.session.wrestlers))

    @task(1)
    def morning_csv(self) -> None:
        """This morning's check of the whole team as one CSV upload (new points at a random minute);
        a page view instead when the team's last upload is less than INGEST_SECONDS old."""
        team, now = self.session.team or "", time.monotonic()
        if INGEST_SECONDS and now - _last_upload.get(team, -INGEST_SECONDS) < INGEST_SECONDS:
            self.athlete_page()
            return
        _last_upload[team] = now
        at = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=random.randrange(600))
        lines = ["wrestler,metric,recorded_at,value"]
        for w in self.session.wrestlers:
            for metric, (low, high) in MORNING_CHECK.items():
                lines.append(f"{w},{metric},{at.isoformat()},{random.uniform(low, high):.1f}")
        # strict: a rejected row answers 422, so the run counts it as an error.
        self.post(
            INGEST_CSV,
            data="\n".join(lines) + "\n",
            headers={"Content-Type": "text/csv"},
            params={"strict": "true"},
        )


class Athlete(Dashboard):
    """An athlete: their own pages, now and then an AI insight on their weight."""

    weight = 3
    accounts = ATHLETES

    @task(10)
    def own_page(self) -> None:
        self.wrestler_page(self.session.wrestlers[0])

    @task(1)
    def ai_chart_insight(self) -> None:
        self.weight_insight(self.session.wrestlers[0])


class SignIn(FastHttpUser):
    """Someone opening the dashboard: log in, who am I, a token refresh later on, and log out."""

    weight = 1
    wait_time = between(PACING * 3, PACING * 5)

    @task
    def sign_in(self) -> None:
        account = random.choice(ACCOUNTS)
        r = self.client.post(LOGIN, json={"email": account.email, "password": account.password})
        if r.status_code != 200:
            return
        tokens = r.json()
        self.client.get(ME, headers={"Authorization": f"Bearer {tokens['accessToken']}"})
        r = self.client.post(REFRESH, json={"refreshToken": tokens["refreshToken"]})
        if r.status_code != 200:
            return
        tokens = r.json()
        self.client.post(
            LOGOUT,
            json={"refreshToken": tokens["refreshToken"]},
            headers={"Authorization": f"Bearer {tokens['accessToken']}"},
        )


class Floor(FastHttpUser):
    """The floor of the same run (LOAD_FLOOR=<wrestler uuid>/<metric id>): a minimal FastAPI + asyncpg
    endpoint (benchmarks/floor_app.py), four reads a task like a page view, at the same pacing."""

    wait_time = constant_pacing(PACING)

    @task
    def floor_page(self) -> None:
        for _ in range(4):
            self.client.get(f"/floor/{FLOOR}", name="/floor/{wrestlerId}/{metricId}")


if FLOOR:  # the floor's run has only the floor's users
    del Coach, Athlete, SignIn
else:
    del Floor
    events.test_start.add_listener(sign_in_the_dashboard_accounts)  # type: ignore[no-untyped-call]  # locust

# The event loop's clock was read before this file's imports; refreshed, --run-time counts from now
# (stale, it ended runs early by the seconds the imports took).
gevent.get_hub().loop.update_now()
