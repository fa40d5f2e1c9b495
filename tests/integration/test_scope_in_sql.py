"""Scope in SQL, defence in depth: every function of db/ that reads or writes
athlete data takes the caller's scope and applies it in its statement. The functions are discovered:
a new one on athlete data without a `scope` parameter fails the first test until it has one (or is
listed below with the reason it holds no athlete data); every scoped one is called here with scopes
that cannot see the wrestler and must return nothing and write nothing."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest

import db
from core.access import Scope
from core.config import Settings
from core.errors import AppError
from db import training as training_sql
from db.types import PgConn
from tests.dashboard_fixtures import World, local_noon, make_world, write

# Coroutine functions of db/ that hold no athlete data, or are not called on a caller's behalf.
UNSCOPED: dict[str, str] = {
    "aggregates.aggregate_mode": "database setting",
    "aggregates.refresh_pending": "maintenance: is the refresh queue empty",
    "aggregates.drain_refresh_queue": "maintenance after a commit (system)",
    "archive.old_chunks": "operator's archive (wrestle archive): whole chunks, every wrestler",
    "archive.period_totals": "operator's archive: whole chunks",
    "archive.export_period": "operator's archive: whole chunks",
    "archive.lock_series": "operator's archive: whole chunks",
    "archive.record_files": "operator's archive: bookkeeping",
    "archive.drop_old_chunks": "operator's archive: whole chunks",
    "archive.restore_rows": "operator's restore: whole archived periods",
    "archive.copy_rows": "operator's restore: whole archived periods",
    "archive.period_is_empty": "operator's restore: whole archived periods",
    "archive.missing_wrestlers": "operator's restore: existence only",
    "archive.forget_file": "operator's restore: bookkeeping",
    "archive.any_archived": "write path: is anything archived",
    "archive.archived_between": "write path (batch undo): archived periods in a time range",
    "archive.changed_in_archive": "write path: the keys a transaction changed",
    "archive.locked_ranges": "maintenance after a commit (system)",
    "catalog.metrics_frame": "catalog",
    "catalog.aliases_frame": "catalog",
    "catalog.conversions_frame": "catalog",
    "catalog.create_custom_metric": "catalog (admins)",
    "catalog.register_custom_metric": "catalog (admins' registerMetrics)",
    "catalog.add_aliases": "catalog",
    "catalog.taken_names": "catalog",
    "catalog.metric_keys": "catalog",
    "catalog.create_wrestlers": "admins' createMissingWrestlers only (ingest.pipeline.check_options)",
    "charts.metric_refs": "catalog",
    "catalog.metric_catalog": "catalog",
    "ai_insights.known_names": "names the sanitiser removes; never leave the process",
    "ai_insights.metric_bands": "catalog",
    "weight.rule_sets": "rule sets are shared data",
    "alerts.daily_values": "write path (ingest.alerts): the keys a transaction changed",
    "alerts.thresholds": "write path (ingest.alerts)",
    "alerts.replace_alerts": "write path (ingest.alerts)",
    "alerts.recent_keys": "write path after a continuous-aggregate refresh (system)",
    "series.changed_keys": "write path",
    "data_versions.touch_wrestlers": "write path: moves the versions of the wrestlers a write changed",
    "data_versions.versions": "version counters only (a replica's check), after the route's access rule",
    "weight.refresh_assessments": "write path (ingest.refresh): the keys a transaction changed",
    "training_load.store_latest": "write path (ingest.training_load)",
    "weight.insert_rule_set": "rule sets (admins)",
    "weight.rule_set_exists": "rule sets are shared data",
    "demo.any_wrestler": "existence only (demo loader)",
    "demo.remove_demo": "demo loader (system)",
    "demo.insert_wrestlers": "demo loader (system)",
    "demo.existing_emails": "demo loader (system)",
    "demo.weight_setup": "demo loader (system)",
    "ingest_batches.create_batch": "batches are scoped by their owner (user_id)",
    "ingest_batches.finish_batch": "batches are scoped by their owner (user_id)",
    "ingest_batches.get_batch": "scoped by owner in SQL (user_id)",
    "ingest_batches.list_batches": "scoped by owner in SQL (user_id)",
    "ingest_batches.mark_undone": "batches are scoped by their owner (user_id)",
    "scores.lock_wrestlers": "write path (ingest.refresh): locks only",
    "scores.score_inputs": "write path (ingest.refresh): recomputation of what was written",
    "scores.latest_scores": "write path (ingest.refresh)",
    "scores.insert_scores": "write path (ingest.refresh)",
    "scores.delete_sections": "write path (ingest.refresh)",
    "series.create_stage": "write path: points validated and scoped by ingest.validate",
    "series.bucket_timezone": "database setting",
    "series.local_clock": "database setting",
    "weight.changed_check_wrestlers": "write path (ingest.refresh): the keys a transaction changed",
    "weight.save_checks": "write path (query.weight_status.refresh_checks, system)",
    "weight.team_wrestler_ids": "after a scoped change of the team's settings (system)",
    "weight.unchecked_wrestlers": "after a migration (wrestle db migrate, system)",
    "series.may_conflict": "write path",
    "series.insert_new": "write path",
    "series.record_changed_days": "write path",
    "series.copy_to_stage": "write path",
    "series.upsert_stage": "write path",
    "series.delete_batch_points": "write path (undo of the caller's own batch)",
    "series.refresh_changed": "write path",
    "teams.insert_team": "team administration (admins)",
    "teams.team_exists": "existence only: tells 404 from 403",
    "teams.rename_team": "team administration (admins)",
    "teams.delete_team": "team administration (admins)",
    "tokens.insert_revocation": "accounts",
    "tokens.any_revoked": "accounts",
    "tokens.user_with_revocation": "authentication; its wrestler row is checked by api.access",
    "tokens.purge_expired": "accounts",
    "training.insert_blocks": "writes under a program id that the scoped replace_program returned",
    "users.get_user": "accounts (admins, the caller themself)",
    "users.get_user_by_email": "accounts",
    "users.email_taken": "accounts",
    "users.insert_user": "accounts",
    "users.list_users": "accounts (admins)",
    "users.update_user": "accounts (admins)",
    "users.delete_user": "accounts (admins)",
    "users.count_active_admins": "accounts",
    "wrestlers.wrestler_exists": "existence only: tells 404 from 403",
    "legacy.measurement_rows": "the legacy database being imported (system)",
    "legacy.athletes": "the legacy database being imported (system)",
    "legacy.upsert_wrestlers": "legacy import (system)",
    "migrate.applied_versions": "schema",
    "migrate.migrate": "schema",
    "replicas.current_lsn": "the primary's WAL position (no athlete data)",
}
WRITES = {
    "wrestlers.insert_wrestler",
    "wrestlers.update_wrestler",
    "wrestlers.delete_wrestler",
    "training.replace_program",
    "training.save_generated_program",
    "ai_insights.store_answer",
    "ai_insights.review",
    "weight.set_plan",
    "weight.insert_weigh_in",
    "weight.update_team_settings",
}
SKIP_MODULES = {"db.cluster", "db.connection", "db.literals", "db.types", "db.scope", "db.columnar"}
KEYS = ["weight", "sleep_quality", "hrv_score", "adherence", "creatine"]
INSIGHT_HASH = "0" * 64


def db_functions() -> dict[str, Callable[..., Any]]:
    out: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.iter_modules(db.__path__):
        module = importlib.import_module(f"db.{info.name}")
        if module.__name__ in SKIP_MODULES:
            continue
        for name, fn in vars(module).items():
            if (
                name.startswith("_")
                or not inspect.iscoroutinefunction(fn)
                or fn.__module__ != module.__name__
            ):
                continue
            out[f"{info.name}.{name}"] = fn
    return out


FUNCTIONS = db_functions()
SCOPED = sorted(k for k, fn in FUNCTIONS.items() if "scope" in inspect.signature(fn).parameters)


def test_every_db_function_on_athlete_data_takes_a_scope() -> None:
    unlisted = sorted(set(FUNCTIONS) - set(SCOPED) - set(UNSCOPED))
    assert not unlisted, (
        f"db functions without a scope parameter (give them one, or list why in UNSCOPED): {unlisted}"
    )
    assert not sorted(set(UNSCOPED) - set(FUNCTIONS)), "UNSCOPED names functions that no longer exist"
    assert not sorted(set(UNSCOPED) & set(SCOPED)), "a scoped function is listed as unscoped"


def arguments(
    fn: Callable[..., Any], conn: PgConn, scope: Scope, world: World
) -> tuple[list[Any], dict[str, Any]]:
    """Arguments by parameter name (and type): a new parameter needs a sample here."""
    hints = typing.get_type_hints(fn)
    today = local_noon(0).date()
    samples: dict[str, Any] = {
        "conn": conn,
        "scope": scope,
        "wrestler_id": world.wrestler,
        "team_id": world.team,
        "keys": KEYS,
        "limit": 30,
        "offset": 0,
        "n": 5,
        "tz": "Asia/Tehran",
        "latest": (),
        "bucket": "day",
        "agg": "avg",
        "section": "recovery",
        "exclude": [],
        "window_days": 28,
        "window_weeks": 4,
        "day": today,
        "fields": {"readiness": 3},
        "changes": {"nameEn": "Changed"},
        "name_fa": "نام",
        "name_en": "New",
        "weight_class": 74,
        "chart_id": "weight-trend",
        "input_hash": INSIGHT_HASH,
        "kind": "chart",
        "locale": "en-US",
        "provider": "analyst",
        "model": "analyst",
        "prompt_version": "analyst-1",
        "answer": {"summary": "s", "patterns": [], "recommendations": [], "warnings": []},
        "created_by": None,
        "insight_id": world.insight,
        "status": "flagged",
        "note": None,
        "reviewer": None,
        "program": {"title": "T", "focus": "F", "blocks": [{"name": "Squat", "sets": 3, "reps": "5"}]},
        "wrestler_ids": [world.wrestler],
        "target_kg": 74.0,
        "target_date": today,
        "user_id": None,
        "weigh_in_id": world.weigh_in,
        "weighed_at": local_noon(1),
        "weight_kg": 80.0,
        "source": "scale",
        "event": None,
        "recorded_by": None,
        "batch_id": 1,
        "supersedes": None,
        "rule_set_id": None,
        "body_fat_floor_override": 8.0,
        "rapid_loss_pct": 3.0,
        "rapid_loss_hours": 24,
        "first": local_noon(40).date(),
        "last": today + timedelta(days=1),
    }
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, param in inspect.signature(fn).parameters.items():
        if name in ("start", "end", "since", "recent_since"):
            when = local_noon(-1) if name == "end" else local_noon(40 if name != "recent_since" else 14)
            value: Any = when.date() if hints[name] is date else when
        elif name in samples:
            value = samples[name]
        elif param.default is not inspect.Parameter.empty:
            continue
        else:
            raise AssertionError(f"no sample for parameter {name!r} of {fn.__qualname__}: add one")
        if param.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return args, kwargs


def is_nothing(result: Any) -> bool:
    if result is None or result is False or (type(result) is int and result == 0):
        return True
    if isinstance(result, pl.LazyFrame):
        return result.collect().height == 0
    if isinstance(result, pl.DataFrame):
        return result.height == 0
    if isinstance(result, tuple):
        return all(is_nothing(r) for r in result)
    if isinstance(result, list):
        return len(result) == 0
    return False


def values(result: Any) -> list[str]:
    """Every value in a result, as text (records, frames, tuples and lists walked through)."""
    if isinstance(result, pl.LazyFrame):
        result = result.collect()
    if isinstance(result, pl.DataFrame):
        return [str(v) for row in result.rows() for v in row]
    if isinstance(result, tuple | list):
        return [v for item in result for v in values(item)]
    if hasattr(result, "values") and callable(result.values):
        return [str(v) for v in result.values()]
    return [str(result)]


def leaks_the_target(fn: Callable[..., Any], result: Any, world: World) -> bool:
    """A read about one wrestler or team must return nothing at all; a listing must not name the
    wrestler or its team."""
    params = inspect.signature(fn).parameters
    if "wrestler_id" in params or "team_id" in params:
        return not is_nothing(result)
    seen = set(values(result))
    return bool({str(world.wrestler), str(world.team), "Hassan", "حسن"} & seen)


async def fingerprint(conn: PgConn) -> tuple[Any, ...]:
    row = await conn.fetchrow("""
        SELECT (SELECT md5(string_agg(w::text, ',' ORDER BY w.id)) FROM wrestlers w),
               (SELECT md5(coalesce(string_agg(p::text, ',' ORDER BY p.id), '')) FROM training_programs p),
               (SELECT md5(coalesce(string_agg(i::text, ',' ORDER BY i.id), '')) FROM ai_chart_insights i),
               (SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM weigh_ins x),
               (SELECT md5(coalesce(string_agg(p::text, ',' ORDER BY p.wrestler_id), ''))
                  FROM weight_plans p),
               (SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM teams t)""")
    assert row is not None
    return tuple(row)


@pytest.fixture
async def world(conn: PgConn, settings: Settings) -> World:
    w = await make_world(conn, settings)
    points = [
        ("weight", local_noon(3), 80.0),
        ("sleep_quality", local_noon(2), 80.0),
        ("hrv_score", local_noon(2), 70.0),
        ("fatigue_level", local_noon(2), 20.0),
        ("hydration_level", local_noon(2), 85.0),
        ("readiness_score", local_noon(2), 88.0),
        ("adherence", local_noon(1), 90.0),
        ("creatine", local_noon(1), 5.0),
        ("rpe", local_noon(1), 7.0),
    ]
    await write(conn, w.wrestler, points)
    await write(conn, w.wrestler, [(k, t + timedelta(days=-1), v + 1) for k, t, v in points])
    await training_sql.replace_program(conn, Scope("all"), w.wrestler, local_noon(0).date(), {"readiness": 4})
    w.insight = await conn.fetchval(
        """INSERT INTO ai_chart_insights (wrestler_id, chart_id, input_hash, summary, payload)
           VALUES ($1, 'weight-trend', $2, 's', '{"summary": "s"}') RETURNING id""",
        w.wrestler,
        INSIGHT_HASH,
    )
    await conn.execute(
        """INSERT INTO alerts (wrestler_id, metric_id, day, level, real_change, evidence)
           SELECT $1, id, current_date, 'red', true, '{}' FROM metric_definitions WHERE key = 'weight'""",
        w.wrestler,
    )
    w.weigh_in = await conn.fetchval(
        """INSERT INTO weigh_ins (wrestler_id, weighed_at, weight_kg, source)
           VALUES ($1, now(), 80, 's') RETURNING id""",
        w.wrestler,
    )
    return w


def out_of_scope(world: World) -> dict[str, Scope]:
    return {
        "other team's coach": Scope("team", team_id=world.other_team),
        "another athlete": Scope("wrestler", wrestler_id=world.other),
        "teamless coach": Scope("none"),
    }


async def test_out_of_scope_callers_get_nothing_and_change_nothing(conn: PgConn, world: World) -> None:
    assert len(SCOPED) >= 20, SCOPED
    before = await fingerprint(conn)
    leaks: list[str] = []
    for name in SCOPED:
        fn = FUNCTIONS[name]
        for who, scope in out_of_scope(world).items():
            args, kwargs = arguments(fn, conn, scope, world)
            try:
                result = await fn(*args, **kwargs)
            except AppError:
                continue  # refused outright (require_wrestler: 403)
            if leaks_the_target(fn, result, world):
                leaks.append(f"{name} as {who}: {result!r}"[:300])
    assert not leaks, "\n".join(leaks)
    assert await fingerprint(conn) == before, "an out-of-scope write changed something"


@pytest.mark.parametrize("name", sorted(set(SCOPED) - WRITES))
async def test_in_scope_callers_do_get_the_data(conn: PgConn, world: World, name: str) -> None:
    """The other side: the same calls with the wrestler's own team in scope find what exists, so
    the test above cannot pass for want of data."""
    fn = FUNCTIONS[name]
    args, kwargs = arguments(fn, conn, Scope("team", team_id=world.team), world)
    assert not is_nothing(await fn(*args, **kwargs)), name
