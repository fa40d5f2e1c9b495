"""What the load test's users request, by route template: the dashboard's pages (each the set of GETs
the front end makes to draw it) and the writes and AI questions beside them. Kept apart from the
locustfile (importing locust patches the process with gevent), so that a test can check every
template against the app's routes."""

from __future__ import annotations

API = "/api/v1"
W = f"{API}/wrestlers/{{wrestlerId}}"
T = f"{API}/teams/{{teamId}}"

WRESTLER_PAGES: dict[str, tuple[str, ...]] = {
    "overview": (
        W,
        f"{W}/overview",
        f"{W}/overview/score",
        f"{W}/overview/chart",
        f"{W}/scores/overall",
        f"{W}/scores/domains",
        f"{W}/scores/explanation",
    ),
    "body-composition": (
        f"{W}/body-composition",
        f"{W}/body-composition/score",
        f"{W}/body-composition/trends",
        f"{W}/body-composition/inbody",
    ),
    "bloodwork": (f"{W}/bloodwork", f"{W}/bloodwork/score", f"{W}/bloodwork/charts"),
    "recovery": (f"{W}/recovery", f"{W}/recovery/score", f"{W}/recovery/charts"),
    "supplements": (f"{W}/supplements", f"{W}/supplements/score", f"{W}/supplements/charts"),
    "performance": (
        f"{W}/bodybuilding-performance",
        f"{W}/bodybuilding-performance/score",
        f"{W}/bodybuilding-performance/charts",
    ),
    "training": (f"{W}/training-program", f"{W}/calendar", f"{W}/training-load"),
    "weight": (f"{W}/weight-plan", f"{W}/weigh-ins", f"{W}/alerts"),
}
TEAM_PAGE = (T, f"{T}/stats", f"{T}/athletes", f"{T}/alerts", f"{T}/weight-board")

LOGIN = f"{API}/auth/login"
ME = f"{API}/auth/me"
REFRESH = f"{API}/auth/refresh"
LOGOUT = f"{API}/auth/logout"
ROSTER = f"{API}/wrestlers"
WEIGHT_CHART = f"{W}/body-composition/trends"
RECOVERY_CHARTS = f"{W}/recovery/charts"
CHART_INSIGHT = f"{API}/ai/chart-insight"
ADVANCED_INSIGHT = f"{API}/ai/chart-insight/advanced"
INGEST_CSV = f"{API}/ingest/csv"

# (method, template) of every request the locustfile makes.
OPERATIONS: frozenset[tuple[str, str]] = frozenset(
    {("GET", t) for page in WRESTLER_PAGES.values() for t in page}
    | {("GET", t) for t in (*TEAM_PAGE, ME, ROSTER, WEIGHT_CHART, RECOVERY_CHARTS)}
    | {("POST", t) for t in (LOGIN, REFRESH, LOGOUT, CHART_INSIGHT, ADVANCED_INSIGHT, INGEST_CSV)}
)

# A coach's morning check of the team, one row per wrestler and metric (the long CSV format), each
# value drawn from its range.
MORNING_CHECK: dict[str, tuple[float, float]] = {
    "weight": (60.0, 100.0),
    "sleep_quality": (55.0, 95.0),
    "sleep_duration": (6.0, 9.0),
    "fatigue_level": (10.0, 70.0),
    "readiness_score": (50.0, 95.0),
}
