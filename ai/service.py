"""The three AI answers, end to end: sanitise the question, hash it, then Redis → the database
(ai_chart_insights) → generate, storing a generated answer in both (ARCHITECTURE: cache flow).

The hash covers the sanitised question, the locale, the provider, the model and the prompt version;
for advanced insights and training programs also the stored data the answer is computed from, so a
new measurement gives a new answer. Reads of the wrestler's data go through db/ under the caller's
scope. The answers are returned as JSON bytes, as stored: a cache hit is served without decoding.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
from pydantic import BaseModel, ValidationError
from redis.asyncio import Redis

from ai import analyst
from ai.adapter import LLMAdapter
from ai.answers import AdvancedInsight, ChartInsight, Evidence, TrainingProgram
from ai.cache import AnswerCache
from ai.metrics import AIMetrics
from ai.sanitize import Sanitizer
from core.access import Scope
from core.config import Settings
from core.errors import AIError, ValidationFailed
from core.logging import get_logger
from db import ai_insights as insights_sql
from db import alerts as alerts_sql
from db import series_reads, snapshots, training
from db.types import PgConn
from query.load_report import training_load_report
from query.weight_status import wrestler_check

NAMES_TTL_SECONDS = 60.0  # how long the known names behind the sanitiser are reused
HISTORY_DAYS = 365  # the athlete's own history an anomaly is judged against
RPE_DAYS = 14  # recent sessions a training program takes into account
TRAINING_KEYS = {
    "weight": "weight",
    "readiness": "readiness_score",
    "fatigue": "fatigue_level",
    "sleep": "sleep_quality",
}

log = get_logger("wrestle.ai")


@dataclass(frozen=True)
class Kind:
    prefix: str  # of the cache keys, and the prompt's name
    answer: type[BaseModel]


KINDS = {
    "chart": Kind("chart_insight", ChartInsight),
    "advanced": Kind("advanced_insight", AdvancedInsight),
    "training": Kind("training_program", TrainingProgram),
}
_CHART_SUFFIX = re.compile(r"[-_ ](trend|trends|chart|charts|history|series)$")


def _normalised(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _metric_names(name: str) -> list[str]:
    base = _CHART_SUFFIX.sub("", name.strip())
    return sorted({name, base, _normalised(name), _normalised(base)})


def with_alerts(answer: AdvancedInsight, alerts: list[dict[str, Any]], locale: str) -> AdvancedInsight:
    """An advanced insight with the stored baseline alerts of its days: one pattern and one evidence
    entry each (the rule and its numbers), whichever provider wrote the rest."""
    for a in alerts:
        z = a["z"] if a["z"] is not None else a["robustZ"]
        text = (
            f"هشدار خط پایه ({a['level']}) برای {a['metric']} در {a['date']}: {a['value']} (z {z})."
            if locale == "fa-IR"
            else f"Baseline alert ({a['level']}) for {a['metric']} on {a['date']}: {a['value']} (z {z})."
        )
        if len(answer.patterns) < 20:
            answer.patterns.append(text)
        answer.evidence.append(
            Evidence(
                metric=a["metric"],
                date=a["date"],
                value=a["value"],
                rule=f"baseline_alert:{a['level']}:z={z}",
            )
        )
    return answer


class AIService:
    """Created once in the app's lifespan; shared by every request of the process."""

    def __init__(
        self, settings: Settings, redis: Redis, adapter: LLMAdapter, metrics: AIMetrics, bucket_timezone: str
    ) -> None:
        self.adapter = adapter
        self.metrics = metrics
        self.zone = ZoneInfo(bucket_timezone)
        # A generation may take the provider's timeout times its attempts; the lock outlives it.
        lock = settings.openai_timeout_seconds * (settings.openai_max_retries + 1) * 2 + 5
        self.cache = AnswerCache(
            redis, settings.ai_cache_ttl_hours * 3600, settings.ai_memory_cache_entries, lock
        )
        self._sanitizer: tuple[float, Sanitizer] | None = None

    async def sanitizer(self, conn: PgConn) -> Sanitizer:
        if self._sanitizer is None or self._sanitizer[0] < time.monotonic():
            names = await insights_sql.known_names(conn)
            self._sanitizer = (time.monotonic() + NAMES_TTL_SECONDS, Sanitizer(names))
        return self._sanitizer[1]

    def _hash(self, kind: str, wrestler_id: UUID, question: dict[str, Any], locale: str) -> str:
        material = {
            "kind": kind,
            "wrestler": str(wrestler_id),
            "question": question,
            "locale": locale,
            "provider": self.adapter.provider,
            "model": self.adapter.model,
            "prompt": self.adapter.prompt_version(KINDS[kind].prefix),
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=True).encode()).hexdigest()

    async def _answer(
        self,
        conn: PgConn,
        scope: Scope,
        *,
        kind: str,
        wrestler_id: UUID,
        chart_id: str,
        question: dict[str, Any],
        locale: str,
        user_id: UUID | None,
        generate: Any,
    ) -> tuple[str, bytes]:
        """(hash, answer JSON): Redis (or memory), then the database, then one generation."""
        input_hash = self._hash(kind, wrestler_id, question, locale)
        key = f"{KINDS[kind].prefix}:{input_hash}"
        hit = await self.cache.get(key)
        if hit is None:

            async def produce() -> tuple[str, bytes]:
                stored = await insights_sql.live_answer(conn, scope, wrestler_id, chart_id, input_hash)
                if stored is not None:
                    # jsonb keeps no key order: the answer's model gives the stored row the bytes a
                    # generation gives, so every caller of one question reads the same answer.
                    try:
                        return "db", orjson.dumps(
                            KINDS[kind].answer.model_validate(stored).model_dump(mode="json")
                        )
                    except ValidationError:
                        log.warning("ai_stored_answer_unreadable", kind=kind, input_hash=input_hash)
                answer = await self._generate(kind, generate)
                body = answer.model_dump(mode="json")
                await insights_sql.store_answer(
                    conn,
                    scope,
                    wrestler_id=wrestler_id,
                    chart_id=chart_id,
                    input_hash=input_hash,
                    kind=kind,
                    locale=locale,
                    provider=self.adapter.provider,
                    model=self.adapter.model,
                    prompt_version=self.adapter.prompt_version(KINDS[kind].prefix),
                    answer=body,
                    created_by=user_id,
                )
                return "generated", orjson.dumps(body)

            hit = await self.cache.once(key, produce)
        layer, value = hit
        if layer == "generated":
            self.metrics.misses.labels(kind).inc()
        else:
            self.metrics.hits.labels(layer, kind).inc()
        return input_hash, value

    async def _generate(self, kind: str, generate: Any) -> BaseModel:
        provider = self.adapter.provider
        started = time.perf_counter()
        before = getattr(self.adapter, "dropped_statements", 0)
        try:
            answer: BaseModel = await generate()
        except AIError:
            self.metrics.errors.labels(provider, kind).inc()
            raise
        self.metrics.latency.labels(provider, kind).observe(time.perf_counter() - started)
        self.metrics.generations.labels(provider, kind).inc()
        dropped = getattr(self.adapter, "dropped_statements", 0) - before
        if dropped:
            self.metrics.dropped.labels(provider).inc(dropped)
        return answer

    # --- the three answers
    async def chart_insight(
        self,
        conn: PgConn,
        scope: Scope,
        user_id: UUID | None,
        wrestler_id: UUID,
        chart_id: str,
        labels: list[str] | None,
        values: list[float | None] | None,
        locale: str,
    ) -> bytes:
        clean = await self.sanitizer(conn)
        labels_out = [clean.text(str(label)) for label in labels or []]
        values_out = list(values or [])
        chart = clean.text(chart_id)
        data = {"labels": labels_out, "values": values_out}
        question: dict[str, Any] = {"chartId": chart, "chartData": data}

        async def generate() -> BaseModel:
            # The catalog band matters to a generation only: a cache hit skips this lookup.
            band = (await self._bands(conn, [chart_id])).get(chart_id)
            points = [
                (labels_out[i] if i < len(labels_out) else str(i + 1), v) for i, v in enumerate(values_out)
            ]
            inp = analyst.ChartIn(
                chart_id=chart,
                series=analyst.SeriesIn(
                    name=band[0] if band else chart,
                    points=points,
                    low=band[1] if band else None,
                    high=band[2] if band else None,
                ),
            )
            return await self.adapter.generate_chart_insight(inp, question, locale)

        _, body = await self._answer(
            conn,
            scope,
            kind="chart",
            wrestler_id=wrestler_id,
            chart_id=chart_id,
            question=question,
            locale=locale,
            user_id=user_id,
            generate=generate,
        )
        return body

    async def advanced_insight(
        self,
        conn: PgConn,
        scope: Scope,
        user_id: UUID | None,
        wrestler_id: UUID,
        section: str,
        chart_id: str,
        chart_data: dict[str, Any],
        context: dict[str, Any],
        locale: str,
    ) -> bytes:
        clean = await self.sanitizer(conn)
        series_in = chart_data.get("series") or []
        names = [str(s.get("name") or f"series {i + 1}") for i, s in enumerate(series_in)]
        question = {
            "section": clean.text(section),
            "chartId": clean.text(chart_id),
            "chartData": clean.value(chart_data, keep_keys=frozenset({"name"})),
            "context": clean.value(context),
        }
        for s in question["chartData"].get("series", []):
            if isinstance(s.get("name"), str):
                s["name"] = clean.series_name(s["name"])
        bands = await self._bands(conn, names)
        history = await self._history(conn, scope, wrestler_id, [b[0] for b in bands.values()])
        series: list[analyst.SeriesIn] = []
        for raw, name in zip(question["chartData"].get("series", []), names, strict=False):
            points = [(str(p.get("date")), p.get("value")) for p in raw.get("points", [])]
            band = bands.get(name)
            first = min((d for d, _ in points), default="")
            past = [(d, v) for d, v in history.get(band[0], [])] if band else []
            series.append(
                analyst.SeriesIn(
                    name=str(raw.get("name") or name),
                    points=points,
                    low=band[1] if band else None,
                    high=band[2] if band else None,
                    history=[(d, v) for d, v in past if d < first],
                )
            )
        baseline = context.get("baseline")
        inp = analyst.AdvancedIn(
            section=question["section"],
            chart_id=question["chartId"],
            series=series,
            baseline=(float(baseline["value"]), clean.text(str(baseline.get("label", ""))))
            if baseline
            else None,
            thresholds=[
                analyst.Threshold(clean.text(str(t.get("label", ""))), float(t["value"]))
                for t in context.get("thresholds") or []
            ],
        )
        alerts = await self._alerts(conn, scope, wrestler_id, bands, series)
        if alerts:  # the baseline alerts of these days are facts the provider may cite
            question["baselineAlerts"] = alerts
        stored = {"history": {s.name: s.history for s in series}}

        async def generate() -> BaseModel:
            answer = await self.adapter.generate_advanced_insight(inp, question, locale)
            return with_alerts(answer, alerts, locale)

        _, body = await self._answer(
            conn,
            scope,
            kind="advanced",
            wrestler_id=wrestler_id,
            chart_id=f"{section}:{chart_id}",
            question={**question, "stored": stored},
            locale=locale,
            user_id=user_id,
            generate=generate,
        )
        return body

    async def _alerts(
        self,
        conn: PgConn,
        scope: Scope,
        wrestler_id: UUID,
        bands: dict[str, tuple[str, float | None, float | None]],
        series: list[analyst.SeriesIn],
    ) -> list[dict[str, Any]]:
        """The stored baseline alerts of the charted metrics on the charted days."""
        days = [d for s in series for d, _ in s.points if len(d) >= 10]
        keys = sorted({b[0] for b in bands.values()})
        if not days or not keys:
            return []
        try:
            first, last = date.fromisoformat(min(days)[:10]), date.fromisoformat(max(days)[:10])
        except ValueError:
            return []
        rows = await alerts_sql.alerts_for(conn, scope, wrestler_id, keys, first, last)
        return [
            {
                "metric": r["metric"],
                "date": r["day"].isoformat(),
                "value": r["evidence"]["value"],
                "level": r["level"],
                "z": r["evidence"].get("z"),
                "robustZ": r["evidence"].get("robustZ"),
                "realChange": r["real_change"],
            }
            for r in rows
        ]

    async def training_program(
        self,
        conn: PgConn,
        scope: Scope,
        user_id: UUID | None,
        wrestler: Any,
        goal: str,
        day: str,
        locale: str,
        save: bool,
    ) -> bytes:
        clean = await self.sanitizer(conn)
        saved_on: date | None = None
        if save:
            try:
                saved_on = date.fromisoformat(day)
            except ValueError as exc:
                raise ValidationFailed(
                    "Invalid date format", {"body.date": ["Date must be in YYYY-MM-DD format to save"]}
                ) from exc
        wrestler_id: UUID = wrestler["id"]
        snap = await snapshots.snapshots(conn, scope, wrestler_id, list(TRAINING_KEYS.values()))
        latest: dict[str, tuple[str, float]] = {}
        for row in snap.iter_rows(named=True):
            if row["value"] is not None and row["day"] is not None:
                latest[row["key"]] = (
                    (date(1970, 1, 1) + timedelta(days=row["day"])).isoformat(),
                    row["value"],
                )
        rpe = await self._recent(conn, scope, wrestler_id, "rpe", RPE_DAYS)
        weight_facts, load_facts = await self._weight_and_load(conn, scope, wrestler_id)
        inp = analyst.TrainingIn(
            date=clean.text(day),
            goal=clean.text(goal),
            weight_class=float(wrestler["weight_class"]) if wrestler["weight_class"] is not None else None,
            weight=latest.get(TRAINING_KEYS["weight"]),
            readiness=latest.get(TRAINING_KEYS["readiness"]),
            fatigue=latest.get(TRAINING_KEYS["fatigue"]),
            sleep=latest.get(TRAINING_KEYS["sleep"]),
            rpe=rpe,
            weight_status=weight_facts,
            load=load_facts,
        )
        question = {"goal": inp.goal, "date": inp.date}
        _, body = await self._answer(
            conn,
            scope,
            kind="training",
            wrestler_id=wrestler_id,
            chart_id=f"training-program:{inp.date}"[:200],
            question={**question, "stored": asdict(inp)},
            locale=locale,
            user_id=user_id,
            generate=lambda: self.adapter.generate_training_program(inp, question, locale),
        )
        if saved_on is not None:
            await training.save_generated_program(
                conn, scope, wrestler_id, saved_on, orjson.loads(body)["program"]
            )
        return body

    # --- the wrestler's stored data, under the caller's scope
    async def _weight_and_load(
        self, conn: PgConn, scope: Scope, wrestler_id: UUID
    ) -> tuple[analyst.WeightFacts | None, analyst.LoadFacts | None]:
        """Today's weight check (the flags of the latest weight's day, and the latest ECW/TBW flag)
        and today's training-load figures, where there is data for them."""
        today = datetime.now(self.zone).date()
        check = await wrestler_check(conn, scope, wrestler_id, today, self.zone)
        weight: analyst.WeightFacts | None = None
        if check is not None and check.latest is not None:
            day = check.latest[0].date().isoformat()
            flags = [f for f in check.flags if f.date == day and f.rule != "ecw_tbw_high"]
            flags += [f for f in check.flags if f.rule == "ecw_tbw_high"][-1:]
            weight = analyst.WeightFacts(
                date=day,
                status=check.status,
                weight_kg=check.latest[1],
                plan_kg=round(check.plan_today, 2) if check.plan_today is not None else None,
                floor_kg=round(check.floor, 2) if check.floor is not None else None,
                rule_set=check.rules.name if check.rules else None,
                flags=flags,
            )
        latest = (await training_load_report(conn, scope, wrestler_id, today, today, self.zone))["latest"]
        week, coupled = latest["week"], latest["acwrCoupled"]
        load = None
        if week["status"] == "ok" or coupled["status"] == "ok":
            load = analyst.LoadFacts(
                date=latest["date"],
                acute=coupled["acute"],
                chronic=coupled["chronic"],
                ratio=coupled["ratio"],
                weekly=week.get("weeklyLoad"),
                monotony=week.get("monotony"),
                strain=week.get("strain"),
            )
        return weight, load

    async def _bands(
        self, conn: PgConn, names: list[str]
    ) -> dict[str, tuple[str, float | None, float | None]]:
        """chart or series name → (metric key, reference band) for names the catalog knows."""
        variants = {v: name for name in names for v in _metric_names(name)}
        rows = await insights_sql.metric_bands(conn, list(variants))
        out: dict[str, tuple[str, float | None, float | None]] = {}
        for r in rows:
            out.setdefault(variants[r["name"]], (r["key"], r["low"], r["high"]))
        return out

    async def _history(
        self, conn: PgConn, scope: Scope, wrestler_id: UUID, keys: list[str], days: int = HISTORY_DAYS
    ) -> dict[str, list[tuple[str, float]]]:
        """Daily means of the last `days` days per metric key, oldest first."""
        if not keys:
            return {}
        end = datetime.now(UTC)
        frame = await series_reads.series_points(
            conn, scope, wrestler_id, keys, end - timedelta(days=days), end, "day", "avg"
        )
        out: dict[str, list[tuple[str, float]]] = {}
        for row in frame.iter_rows(named=True):
            if row["t"] is not None and row["value"] is not None:
                day = datetime.fromtimestamp(row["t"], self.zone).date().isoformat()
                out.setdefault(row["key"], []).append((day, float(row["value"])))
        return out

    async def _recent(
        self, conn: PgConn, scope: Scope, wrestler_id: UUID, key: str, days: int
    ) -> list[tuple[str, float]]:
        return (await self._history(conn, scope, wrestler_id, [key], days)).get(key, [])

    # --- history and review
    async def review(
        self, conn: PgConn, scope: Scope, insight_id: UUID, status: str, note: str | None, reviewer: UUID
    ) -> dict[str, Any] | None:
        row = await insights_sql.review(conn, scope, insight_id, status, note, reviewer)
        if row is None:
            return None
        if status == "rejected":
            await self.cache.forget(f"{KINDS[row['kind']].prefix}:{row['input_hash']}")
        return dict(row)
