"""The AI endpoints against a real local server speaking OpenAI's protocol (tests/fake_openai.py):
the cache flow (Redis → database → one generation), single flight, what leaves the process (no
personal data, no key in errors), answer validation and the number check, the rate limit, access,
reviews, saving a program; and the built-in analyst when no provider is configured."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr
from structlog.testing import capture_logs

from api.app import create_app
from core.config import Settings
from db.types import PgConn
from tests.dashboard_fixtures import World, local_date, local_noon, make_world, write
from tests.fake_openai import KEY, FakeProvider, Reply, fake_provider

CHART = "/api/v1/ai/chart-insight"
ADVANCED = "/api/v1/ai/chart-insight/advanced"
TRAINING = "/api/v1/ai/training-program"
GOOD_CHART = json.dumps(
    {
        "summary": "Body weight rose from 80.0 to 82.0 kg over the window.",
        "patterns": ["Upward trend of 0.5 kg per day.", "The highest value was 82.0 kg."],
        "recommendations": [{"text": "Keep monitoring the daily weigh-ins.", "priority": "medium"}],
        "warnings": [],
    }
)
GOOD_ADVANCED = json.dumps(
    {
        "summary": "Weight is stable.",
        "patterns": ["No clear change."],
        "recommendations": [{"text": "Keep monitoring.", "priority": "low"}],
    }
)


def chart_body(wrestler: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "wrestlerId": str(wrestler),
        "chartId": "weight-trend",
        "chartData": {
            "labels": [local_date(4), local_date(3), local_date(2), local_date(1), local_date(0)],
            "values": [80.0, 80.5, 81.0, 81.5, 82.0],
        },
        "locale": "en-US",
    }
    return body | overrides


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with fake_provider() as p:
        p.default = Reply(content=GOOD_CHART)
        yield p


def provider_settings(settings: Settings, provider: FakeProvider, **more: Any) -> Settings:
    return settings.model_copy(
        update={
            "openai_api_key": SecretStr(KEY),
            "openai_base_url": provider.base_url,
            "openai_max_retries": 0,
            "openai_timeout_seconds": 5.0,
            "rate_limit_per_minute": 10_000,
            "ai_rate_limit_per_minute": 10_000,
            **more,
        }
    )


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as c:
            yield c


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    return await make_world(conn, settings)


async def test_a_repeated_question_reaches_the_provider_once(
    settings: Settings, world: World, provider: FakeProvider
) -> None:
    async with serving(provider_settings(settings, provider)) as c:
        first = await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
        again = await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
        other_locale = await c.post(
            CHART, json=chart_body(world.wrestler, locale="fa-IR"), headers=world.coach
        )
    assert first.status_code == 200, first.text
    assert again.json() == first.json()
    assert set(first.json()) == {"summary", "patterns", "recommendations", "warnings", "evidence"}
    assert other_locale.status_code == 200
    assert len(provider.requests) == 2  # the locale is part of the question
    assert provider.requests[0]["_authorization"] == f"Bearer {KEY}"


async def test_the_cache_layers_answer_in_turn(
    settings: Settings, conn: PgConn, world: World, provider: FakeProvider
) -> None:
    live = provider_settings(settings, provider)
    async with serving(live) as c:
        first = (await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)).text
    assert len(provider.requests) == 1
    assert await conn.fetchval("SELECT count(*) FROM ai_chart_insights") == 1

    # Redis unreachable: the database row answers, byte for byte as the generation did (jsonb keeps
    # no key order; two workers answering one question from different layers must agree).
    no_redis = live.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    async with serving(no_redis) as c:
        r = await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
    assert r.status_code == 200 and r.text == first
    assert len(provider.requests) == 1

    # Database row gone: Redis answers.
    await conn.execute("DELETE FROM ai_chart_insights")
    async with serving(live) as c:
        r = await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
        metrics = (await c.get("/metrics")).text
    assert r.text == first
    assert len(provider.requests) == 1
    assert 'wrestle_ai_cache_hits_total{kind="chart",layer="redis"} 1.0' in metrics

    # Both gone: exactly one new generation, stored in both again.
    keys = aioredis.from_url(str(settings.redis_url))
    await keys.delete(*[k async for k in keys.scan_iter("chart_insight:*")])
    async with serving(live) as c:
        r = await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
        await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
        metrics = (await c.get("/metrics")).text
    assert r.status_code == 200
    assert len(provider.requests) == 2
    assert 'wrestle_ai_cache_misses_total{kind="chart"} 1.0' in metrics
    assert 'wrestle_ai_cache_hits_total{kind="chart",layer="redis"} 1.0' in metrics
    assert await conn.fetchval("SELECT count(*) FROM ai_chart_insights") == 1
    assert len([k async for k in keys.scan_iter("chart_insight:*")]) == 1
    await keys.aclose()


async def test_concurrent_identical_questions_cause_one_generation(
    settings: Settings, world: World, provider: FakeProvider
) -> None:
    provider.default = Reply(content=GOOD_CHART, delay=0.5)
    live = provider_settings(settings, provider)
    # Two app instances (two workers) sharing Redis and the database, five requests each.
    async with serving(live) as a, serving(live) as b:
        answers = await asyncio.gather(
            *[
                client.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
                for client in (a, b)
                for _ in range(5)
            ]
        )
    assert [r.status_code for r in answers] == [200] * 10
    assert len({r.text for r in answers}) == 1
    assert len(provider.requests) == 1


async def test_nothing_personal_leaves_the_process(
    settings: Settings, conn: PgConn, world: World, provider: FakeProvider
) -> None:
    await conn.execute("UPDATE users SET name = 'Maryam Karimi' WHERE email = 'coach@x.io'")
    personal = [
        "hassan@example.com",
        "Hassan",
        "حسن",
        "Maryam Karimi",
        "Reza",
        "+98 912 345 6789",
        "۰۹۱۲۳۴۵۶۷۸۹",
        "021-8888-7777",
        "خیابان ولیعصر، کوچه ۱۲، پلاک ۵",
        "221 Baker Street",
    ]
    note = "Call Hassan at ۰۹۱۲۳۴۵۶۷۸۹ or +98 912 345 6789, hassan@example.com, 021-8888-7777; " + (
        "lives at خیابان ولیعصر، کوچه ۱۲، پلاک ۵ / 221 Baker Street, with Maryam Karimi and Reza"
    )
    provider.script = [Reply(content=GOOD_ADVANCED)]  # then the default: a chart insight
    body = {
        "wrestlerId": str(world.wrestler),
        "section": "body_composition",
        "chartId": "weight-trend",
        "chartData": {
            "series": [
                {
                    "name": "weight",
                    "points": [{"date": local_date(d), "value": 80.0 + d / 10} for d in range(5)],
                    "email": "hassan@example.com",
                    "nameEn": "Hassan",
                },
                {"name": "Hassan weight", "points": [{"date": local_date(1), "value": 81.0}]},
            ],
        },
        "context": {
            "baseline": {"value": 80.0, "label": f"before camp ({note})"},
            "thresholds": [{"label": "max for Maryam Karimi", "value": 86.0}],
            "recentNotes": [note, "phone: +1 (555) 123-4567"],
        },
        "locale": "en-US",
    }
    async with serving(provider_settings(settings, provider)) as c:
        r = await c.post(ADVANCED, json=body, headers=world.coach)
        chart = chart_body(world.wrestler, chartData={"labels": [note, "b"], "values": [1.0, 2.0]})
        r2 = await c.post(CHART, json=chart, headers=world.coach)
    assert r.status_code == 200, r.text
    assert r2.status_code == 200, r2.text
    sent = provider.prompts()
    assert len(provider.requests) == 2
    for item in [*personal, "555) 123-4567"]:
        assert item not in sent, item
    user = json.loads(provider.requests[0]["messages"][1]["content"])
    assert [s["name"] for s in user["chart"]["chartData"]["series"]] == ["weight", "[redacted] weight"]


async def test_a_failing_provider_is_ai_error_without_its_key_or_text(
    settings: Settings, world: World, provider: FakeProvider
) -> None:
    provider.default = Reply(status=500)
    async with serving(provider_settings(settings, provider)) as c:
        r = await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
    assert r.status_code == 501
    assert r.json()["error"] == "AI_ERROR"
    assert KEY not in r.text and "upstream exploded" not in r.text


async def test_a_malformed_answer_is_asked_for_once_more(
    settings: Settings, world: World, provider: FakeProvider
) -> None:
    provider.script = [Reply(content="not json"), Reply(content=GOOD_CHART)]
    async with serving(provider_settings(settings, provider)) as c:
        ok = await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
        assert ok.status_code == 200 and len(provider.requests) == 2
        provider.script = [Reply(content='{"summary": 1}'), Reply(content=GOOD_CHART, finish_reason="length")]
        bad = await c.post(
            CHART, json=chart_body(world.wrestler, chartId="body-fat-trend"), headers=world.coach
        )
    assert bad.status_code == 501 and bad.json()["error"] == "AI_ERROR"
    assert len(provider.requests) == 4


async def test_a_number_that_is_not_among_the_facts_is_dropped(
    settings: Settings, world: World, provider: FakeProvider
) -> None:
    provider.default = Reply(
        content=json.dumps(
            {
                "summary": "Weight rose to 82.0 kg. It will reach 91.3 kg next month.",
                "patterns": ["The highest value was 82.0 kg.", "Body fat is 17.4 %."],
                "recommendations": [
                    {"text": "Aim for 77.7 kg.", "priority": "high"},
                    {"text": "Keep monitoring.", "priority": "low"},
                ],
                "warnings": ["Hydration at 33 % is low."],
            }
        )
    )
    async with serving(provider_settings(settings, provider)) as c:
        r = await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
        metrics = (await c.get("/metrics")).text
    answer = r.json()
    text = json.dumps(answer)
    for invented in ("91.3", "17.4", "77.7", "33 %"):
        assert invented not in text, invented
    assert answer["summary"] == "Weight rose to 82.0 kg."
    assert answer["patterns"] == ["The highest value was 82.0 kg."]
    assert [x["text"] for x in answer["recommendations"]] == ["Keep monitoring."]
    assert answer["warnings"] == []
    assert answer["evidence"], "the analyst's evidence comes with the answer"
    assert 'wrestle_ai_uncited_statements_total{provider="openai"} 4.0' in metrics


async def test_the_eleventh_call_in_a_minute_is_429_cache_hits_included(
    settings: Settings, world: World, provider: FakeProvider
) -> None:
    async with serving(provider_settings(settings, provider, ai_rate_limit_per_minute=10)) as c:
        codes = [
            (await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)).status_code
            for _ in range(11)
        ]
    assert codes == [200] * 10 + [429]
    assert len(provider.requests) == 1


async def test_an_athlete_asking_about_another_wrestler_gets_nothing(
    settings: Settings, world: World, provider: FakeProvider
) -> None:
    async with serving(provider_settings(settings, provider)) as c:
        other = await c.post(CHART, json=chart_body(world.other), headers=world.athlete)
        unknown = await c.post(
            CHART, json=chart_body("00000000-0000-4000-8000-000000000000"), headers=world.athlete
        )
        coach_b = await c.post(
            TRAINING,
            json={"wrestlerId": str(world.wrestler), "goal": "x", "date": "d"},
            headers=world.other_coach,
        )
        own = await c.post(CHART, json=chart_body(world.wrestler), headers=world.athlete)
    assert other.status_code == 403 and unknown.status_code == 404 and coach_b.status_code == 403
    assert own.status_code == 200
    assert len(provider.requests) == 1


async def test_a_rejected_insight_is_answered_anew_and_reviews_are_listed(
    settings: Settings, world: World, provider: FakeProvider
) -> None:
    async with serving(provider_settings(settings, provider)) as c:
        await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
        listed = await c.get(
            "/api/v1/ai/insights", params={"wrestlerId": str(world.wrestler)}, headers=world.coach
        )
        assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
        insight = listed.json()["insights"][0]
        assert insight["chartId"] == "weight-trend" and insight["provider"] == "openai"
        by_athlete = await c.post(
            f"/api/v1/ai/insights/{insight['id']}/review", json={"status": "rejected"}, headers=world.athlete
        )
        by_other_coach = await c.post(
            f"/api/v1/ai/insights/{insight['id']}/review",
            json={"status": "rejected"},
            headers=world.other_coach,
        )
        reviewed = await c.post(
            f"/api/v1/ai/insights/{insight['id']}/review",
            json={"status": "rejected", "note": "wrong unit"},
            headers=world.coach,
        )
        assert by_athlete.status_code == 403 and by_other_coach.status_code == 404
        assert reviewed.status_code == 200 and reviewed.json()["review"]["status"] == "rejected"
        again = await c.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
        assert again.status_code == 200
        history = await c.get(
            "/api/v1/ai/insights", params={"wrestlerId": str(world.wrestler)}, headers=world.admin
        )
    assert len(provider.requests) == 2
    assert [i["review"] and i["review"]["status"] for i in history.json()["insights"]] == [None, "rejected"]


async def test_without_a_provider_the_analyst_answers_and_a_program_can_be_saved(
    client: httpx.AsyncClient, conn: PgConn, world: World
) -> None:
    await write(
        conn,
        world.wrestler,
        [
            ("weight", local_noon(1), 88.5),
            ("readiness_score", local_noon(1), 45.0),
            ("rpe", local_noon(2), 9.0),
        ],
    )
    chart = await client.post(CHART, json=chart_body(world.wrestler), headers=world.coach)
    assert chart.status_code == 200, chart.text
    assert chart.json()["evidence"] and "82" in json.dumps(chart.json())
    day = local_date(0)
    body = {
        "wrestlerId": str(world.wrestler),
        "goal": "strength",
        "date": day,
        "locale": "en-US",
        "save": True,
    }
    program = await client.post(TRAINING, json=body, headers=world.coach)
    assert program.status_code == 200, program.text
    got = program.json()
    assert set(got) == {"program", "evidence"} and got["program"]["date"] == day
    assert any(e["metric"] in {"weight", "readiness_score"} for e in got["evidence"])
    year, month = int(day[:4]), int(day[5:7])
    calendar = await client.get(
        f"/api/v1/wrestlers/{world.wrestler}/calendar",
        params={"year": year, "month": month},
        headers=world.coach,
    )
    assert got["program"]["title"] in json.dumps(calendar.json(), ensure_ascii=False)
    bad_date = await client.post(TRAINING, json=body | {"date": "soon"}, headers=world.coach)
    assert bad_date.status_code == 422


async def test_a_program_cites_the_weight_check_and_the_training_load(
    client: httpx.AsyncClient, conn: PgConn, world: World
) -> None:
    sets = (await client.get("/api/v1/rule-sets", headers=world.coach)).json()["ruleSets"]
    nfhs = next(r for r in sets if r["key"] == "nfhs")
    r = await client.put(
        f"/api/v1/teams/{world.team}/weight-settings", json={"ruleSetId": nfhs["id"]}, headers=world.coach
    )
    assert r.status_code == 200, r.text
    await client.put(f"/api/v1/wrestlers/{world.wrestler}", json={"sex": "male"}, headers=world.coach)
    sessions = [
        p
        for i in range(1, 29)
        for p in (("rpe", local_noon(i), 5.0), ("session_duration", local_noon(i), 3600.0))
    ]
    await write(
        conn,
        world.wrestler,
        [
            ("urine_specific_gravity", local_noon(10), 1.012),
            ("weight", local_noon(10), 80.0),
            ("body_fat", local_noon(10), 14.0),  # floor at NFHS's 7 %: 73.98 kg
            ("weight", local_noon(2), 75.2),
            ("weight", local_noon(1), 73.5),  # below the floor, 2.26 % down in 24 hours
            *sessions,
        ],
    )
    body = {"wrestlerId": str(world.wrestler), "goal": "cut weight", "date": local_date(0), "locale": "en-US"}
    got = (await client.post(TRAINING, json=body, headers=world.coach)).json()
    cited = {e["metric"]: e for e in got["evidence"]}
    assert (
        cited["weight_below_floor"]["value"] == 73.5
        and cited["weight_below_floor"]["rule"] == "below_floor:73.98"
    )
    assert cited["weight_rapid_loss"]["date"] == local_date(1)
    assert cited["acute_load"]["value"] == 300.0 and cited["chronic_load"]["value"] == 300.0
    assert cited["acwr_coupled"] == {
        "metric": "acwr_coupled",
        "date": local_date(0),
        "value": 1.0,
        "rule": "descriptive",
    }
    program = got["program"]
    assert "(lighter)" in program["title"] and "no cutting" in program["nutrition"]
    assert any("below the floor of 73.98 kg" in n for n in program["aiRecommendations"])
    assert any("not an injury prediction" in n for n in program["aiRecommendations"])


async def test_log_lines_hold_neither_prompts_nor_health_values(
    settings: Settings, world: World, provider: FakeProvider
) -> None:
    provider.script = [Reply(content="not json"), Reply(content="still not json"), Reply(status=500)]
    question = chart_body(
        world.wrestler, chartData={"labels": ["2026-01-01", "2026-01-02"], "values": [93.17, 94.29]}
    )
    async with serving(provider_settings(settings, provider)) as c:
        with capture_logs() as logs:  # after the app configured logging
            invalid = await c.post(CHART, json=question, headers=world.coach)
            failed = await c.post(CHART, json=question | {"locale": "fa-IR"}, headers=world.coach)
            provider.default = Reply(content=GOOD_CHART)
            ok = await c.post(CHART, json=question | {"chartId": "hrv-trend"}, headers=world.coach)
    assert (invalid.status_code, failed.status_code, ok.status_code) == (501, 501, 200)
    events = {e["event"] for e in logs}
    assert {"ai_invalid_answer", "ai_provider_error", "request"} <= events
    text = repr(logs)
    for secret in (
        "93.17",
        "94.29",
        "sports-science assistant",
        "Body weight rose",
        KEY,
        "upstream exploded",
    ):
        assert secret not in text, secret
