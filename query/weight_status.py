"""A wrestler's weight status and a team's weight board: the stored weights, body-fat and hydration
readings (db.weight, scoped) put through the arithmetic of query.weight. Times are read in the bucket
time zone, so a day is the wrestler's local day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson

from core.access import Scope
from db import weight as weight_sql
from db.types import PgConn
from query.weight import (
    FORMULA_VERSION,
    LOOKBACK_DAYS,
    Assessment,
    Basis,
    Flag,
    RuleSet,
    check_weights,
    earliest_day,
    ecw_tbw_flags,
    floor_weight,
    plan_weight,
)

FLAG_DAYS = 14  # the daily check looks back this far


def rule_set(ctx: dict[str, Any]) -> RuleSet | None:
    if ctx.get("rule_set_id") is None:
        return None
    return RuleSet(
        key=ctx["key"],
        version=ctx["version"],
        name=ctx["name"],
        min_body_fat={"male": ctx["min_body_fat_male"], "female": ctx["min_body_fat_female"]},
        weekly_loss_cap=ctx["weekly_loss_cap"],
        basis=ctx["cap_basis"],
        usg_max=ctx["usg_max"],
        unit=ctx["unit"],
        classes=ctx["classes"],
    )


def _min_body_fat(ctx: dict[str, Any], rules: RuleSet | None) -> tuple[float | None, str | None, str | None]:
    """(percent, where it comes from, why there is none)."""
    if ctx.get("body_fat_floor_override") is not None:
        return float(ctx["body_fat_floor_override"]), "team", None
    if rules is None:
        return None, None, "the team has no rule set"
    floors = {k: v for k, v in rules.min_body_fat.items() if v is not None}
    if not floors:
        return None, None, f"{rules.name} sets no minimum body fat"
    sex = ctx.get("sex")
    if sex in floors:
        return float(floors[sex]), "rule_set", None
    if len(set(floors.values())) == 1:
        return float(next(iter(floors.values()))), "rule_set", None
    return None, None, "the wrestler's sex is needed for the rule set's minimum body fat"


@dataclass(frozen=True)
class DayCheck:
    """A wrestler's weight check of a day, what the board, the full status and the AI's training
    programs share: the assessment, the floor, the flags of the last FLAG_DAYS days, the latest weight
    (local time, kg), today's point of the plan line and today's status."""

    rules: RuleSet | None
    assessment: Assessment | None
    min_fat: float | None
    floor_source: str | None
    floor: float | None
    flags: list[Flag]
    latest: tuple[datetime, float] | None
    plan_today: float | None
    notes: list[str]
    status: str


def _assessment_of(ctx: dict[str, Any], rules: RuleSet | None, zone: ZoneInfo) -> Assessment | None:
    if ctx.get("assessed_at") is None:
        return None
    return Assessment(
        at=ctx["assessed_at"].astimezone(zone),
        weight_kg=ctx["assessed_weight"],
        body_fat_pct=ctx["assessed_body_fat"],
        usg=ctx["assessed_usg"] if rules is not None and rules.usg_max is not None else None,
    )


@dataclass(frozen=True)
class _Basis:
    """What a wrestler's flags are checked against, and what the board shows of it; `inputs` names it
    (stored with a check, migration 0025: a stored check counts only while its inputs are current)."""

    rules: RuleSet | None
    assessment: Assessment | None
    min_fat: float | None
    floor_source: str | None
    floor: float | None
    cap: float | None
    basis: Basis
    plan_today: float | None
    notes: list[str]
    inputs: str


@dataclass(frozen=True)
class _Clock:
    """The times a day's checks are read against, worked out once per request."""

    zone: ZoneInfo
    lookback: datetime  # the oldest assessment that counts
    flag_start: datetime  # the first moment of the flag window
    cutoff: str  # its local day
    end_of_today: float  # epoch seconds

    @classmethod
    def of(cls, today: date, zone: ZoneInfo) -> _Clock:
        first = today - timedelta(days=FLAG_DAYS)
        return cls(
            zone,
            datetime.combine(today - timedelta(days=LOOKBACK_DAYS), datetime.min.time(), zone),
            datetime.combine(first, datetime.min.time(), zone),
            first.isoformat(),
            datetime.combine(today, datetime.max.time(), zone).timestamp(),
        )


def _basis_of(ctx: dict[str, Any], rules: RuleSet | None, clock: _Clock) -> _Basis:
    cap = rules.weekly_loss_cap if rules else None
    basis: Basis = rules.basis if rules else "compounding"
    notes: list[str] = []
    assessment = _assessment_of(ctx, rules, clock.zone)
    if assessment is None:
        notes.append(
            "no valid body-fat assessment (a body-fat reading with a weight"
            + (" and a passing hydration test" if rules and rules.usg_max else "")
            + " in the 24 hours before it)"
        )
    min_fat, floor_source, why = _min_body_fat(ctx, rules)
    if why:
        notes.append(why)
    floor = floor_weight(assessment.ffm_kg, min_fat) if assessment else None
    plan_today = (
        plan_weight(
            assessment.weight_kg, (clock.end_of_today - assessment.at.timestamp()) / 86400, cap, basis
        )
        if assessment
        else None
    )
    inputs = (
        FORMULA_VERSION,
        clock.zone.key,
        assessment.at.timestamp() if assessment else None,
        assessment.weight_kg if assessment else None,
        floor,
        cap,
        basis,
        ctx["rapid_loss_pct"],
        float(ctx["rapid_loss_hours"]),
    )
    return _Basis(
        rules, assessment, min_fat, floor_source, floor, cap, basis, plan_today, notes, repr(inputs)
    )


def _flags_of(ctx: dict[str, Any], b: _Basis, clock: _Clock) -> list[Flag]:
    """The flags of a context's weights and scans (db.weight.weight_context) in the flag window."""
    flags = check_weights(
        ctx["weights"],
        b.assessment,
        b.floor,
        b.cap,
        b.basis,
        ctx["rapid_loss_pct"],
        float(ctx["rapid_loss_hours"]),
        clock.zone,
        since=clock.flag_start.timestamp(),
    )
    return flags + ecw_tbw_flags([(datetime.fromtimestamp(t, clock.zone), v) for t, v in ctx["scans"]])


def _day_check(b: _Basis, flags: list[Flag], latest: list[float] | None, zone: ZoneInfo) -> DayCheck:
    last = (datetime.fromtimestamp(latest[0], zone), latest[1]) if latest else None
    day = last[0].date().isoformat() if last else None
    return DayCheck(
        b.rules,
        b.assessment,
        b.min_fat,
        b.floor_source,
        b.floor,
        flags,
        last,
        b.plan_today,
        b.notes,
        _status(day, {f.rule for f in flags if f.date == day}, b.assessment is not None),
    )


class _RuleSets(dict[Any, RuleSet | None]):
    """RuleSet of each context's rule set, built once (a team's wrestlers share one)."""

    def of(self, ctx: dict[str, Any]) -> RuleSet | None:
        key = ctx["rule_set_id"]
        if key not in self:
            self[key] = rule_set(ctx)
        return self[key]


def _days(contexts: list[dict[str, Any]], clock: _Clock) -> list[DayCheck]:
    """DayCheck of each context (db.weight.weight_context: with its recent weights and scans)."""
    rules = _RuleSets()
    out = []
    for ctx in contexts:
        b = _basis_of(ctx, rules.of(ctx), clock)
        out.append(_day_check(b, _flags_of(ctx, b, clock), ctx["latest"], clock.zone))
    return out


def status(ctx: dict[str, Any], today: date, zone: ZoneInfo) -> dict[str, Any]:
    """The weight status of one wrestler from its context (db.weight.weight_context: with its latest
    valid assessment and its recent weights and scans)."""
    d = _days([ctx], _Clock.of(today, zone))[0]
    rules, assessment, floor = d.rules, d.assessment, d.floor
    cap = rules.weekly_loss_cap if rules else None
    basis = rules.basis if rules else "compounding"
    classes = []
    if rules is not None:
        for limit in rules.classes_kg(ctx.get("style")):
            day = (
                earliest_day(assessment.weight_kg, assessment.at.date(), limit, floor, cap, basis)
                if assessment
                else None
            )
            classes.append(
                {
                    "limitKg": limit,
                    "reachable": None if assessment is None else day is not None,
                    "earliestDate": day.isoformat() if day else None,
                }
            )
    target = ctx.get("target_class_kg")
    plan: dict[str, Any] | None = None
    if target is not None:
        earliest = (
            earliest_day(assessment.weight_kg, assessment.at.date(), target, floor, cap, basis)
            if assessment
            else None
        )
        plan = {
            "targetClassKg": target,
            "targetDate": ctx["target_date"].isoformat() if ctx.get("target_date") else None,
            "basis": basis,
            "weeklyLossCap": cap,
            "earliestDate": earliest.isoformat() if earliest else None,
            "reachable": None if assessment is None else earliest is not None,
            "onTimeForTargetDate": (
                None
                if assessment is None or ctx.get("target_date") is None
                else earliest is not None and earliest <= ctx["target_date"]
            ),
            "line": _line(assessment, target, cap, basis) if assessment else [],
        }
    return {
        "wrestlerId": str(ctx["id"]),
        "ruleSet": None
        if rules is None
        else {"id": ctx["rule_set_id"], "key": rules.key, "version": rules.version, "name": rules.name},
        "sex": ctx.get("sex"),
        "style": ctx.get("style"),
        "assessment": _assessment(assessment),
        "floor": None
        if floor is None
        else {"minBodyFatPct": d.min_fat, "weightKg": round(floor, 2), "source": d.floor_source},
        "plan": plan,
        "classes": classes,
        "today": _today(d, today),
        "flags": [_flag(f) for f in d.flags],
        "notes": d.notes,
        "formulaVersion": FORMULA_VERSION,
    }


def _today(d: DayCheck, today: date) -> dict[str, Any]:
    return {
        "date": today.isoformat(),
        "weightKg": d.latest[1] if d.latest else None,
        "weighedAt": d.latest[0].isoformat() if d.latest else None,
        "planKg": round(d.plan_today, 2) if d.plan_today is not None else None,
        "status": d.status,
    }


def _line(a: Assessment, target: float, cap: float | None, basis: Any) -> list[dict[str, Any]]:
    """The plan line week by week from the assessment until it is at or below the target (at most a
    year)."""
    out = []
    for week in range(53):
        kg = plan_weight(a.weight_kg, 7 * week, cap, basis)
        if kg is None:
            break
        out.append({"date": (a.at.date() + timedelta(days=7 * week)).isoformat(), "weightKg": round(kg, 2)})
        if kg <= target:
            break
    return out


def _assessment(a: Assessment | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "at": a.at.isoformat(),
        "weightKg": a.weight_kg,
        "bodyFatPct": a.body_fat_pct,
        "usg": a.usg,
        "fatFreeMassKg": round(a.ffm_kg, 2),
    }


def _flag(f: Flag) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "date": f.date,
        "weightKg": f.weight_kg,
        "limitKg": f.limit_kg,
        "detail": f.detail,
    }


def _latest_per_rule(flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The most recent of each rule's flags (wire-shaped: a board row; the wrestler's status lists them
    all)."""
    latest: dict[str, dict[str, Any]] = {}
    for f in flags:
        if f["rule"] not in latest or f["date"] >= latest[f["rule"]]["date"]:
            latest[f["rule"]] = f
    return sorted(latest.values(), key=lambda f: (f["date"], f["rule"]))


def _status(latest_day: str | None, rules_that_day: set[str], assessed: bool) -> str:
    """Today's status: the gravest rule flagged on the latest weight's day."""
    if latest_day is None:
        return "no_weight"
    for rule in ("below_floor", "below_plan", "rapid_loss"):
        if rule in rules_that_day:
            return rule
    return "on_plan" if assessed else "no_assessment"


async def _context(conn: PgConn, scope: Scope, wrestler_id: UUID, clock: _Clock) -> dict[str, Any] | None:
    return await weight_sql.weight_context(conn, scope, wrestler_id, clock.lookback, clock.flag_start)


async def wrestler_status(
    conn: PgConn, scope: Scope, wrestler_id: UUID, today: date, zone: ZoneInfo
) -> dict[str, Any] | None:
    ctx = await _context(conn, scope, wrestler_id, _Clock.of(today, zone))
    return status(ctx, today, zone) if ctx else None


async def wrestler_check(
    conn: PgConn, scope: Scope, wrestler_id: UUID, today: date, zone: ZoneInfo
) -> DayCheck | None:
    clock = _Clock.of(today, zone)
    ctx = await _context(conn, scope, wrestler_id, clock)
    return _days([ctx], clock)[0] if ctx else None


async def team_board(
    conn: PgConn, scope: Scope, team_id: UUID, today: date, zone: ZoneInfo
) -> dict[str, Any]:
    """Every wrestler of the team: current weight, class, floor, plan status, the most recent flag of
    each rule, days to the target date. The flags come from each wrestler's stored check (kept by the
    write path) while what it was computed from is current; a wrestler whose check is missing or
    outdated (a changed rule set or threshold, an aged-out assessment) is checked afresh, in one more
    statement for all of them."""
    clock = _Clock.of(today, zone)
    contexts = await weight_sql.team_checked_contexts(conn, scope, team_id, clock.lookback)
    rules = _RuleSets()
    bases = {ctx["id"]: _basis_of(ctx, rules.of(ctx), clock) for ctx in contexts}
    checks: dict[Any, tuple[list[float] | None, list[dict[str, Any]]]] = {}  # latest weight, flags
    for ctx in contexts:
        if ctx["checked_inputs"] == bases[ctx["id"]].inputs and ctx["checked_on"] <= today:
            flags = [f for f in ctx["checked_flags"] if f["date"] >= clock.cutoff]
            checks[ctx["id"]] = (ctx["checked_latest"], flags)
    stale = [ctx["id"] for ctx in contexts if ctx["id"] not in checks]
    if stale:
        for fresh in await weight_sql.weight_contexts(conn, scope, stale, clock.lookback, clock.flag_start):
            flags = [_flag(f) for f in _flags_of(fresh, bases[fresh["id"]], clock)]
            checks[fresh["id"]] = (fresh["latest"], flags)
    board = []
    for ctx in contexts:
        if ctx["id"] not in checks:  # left the team or the scope between the two statements
            continue
        b = bases[ctx["id"]]
        latest, flags = checks[ctx["id"]]
        weighed = datetime.fromtimestamp(latest[0], zone) if latest else None
        day = weighed.date().isoformat() if weighed else None
        target_date = ctx.get("target_date")
        board.append(
            {
                "wrestlerId": str(ctx["id"]),
                "nameEn": ctx["name_en"],
                "nameFa": ctx["name_fa"],
                "weightKg": latest[1] if latest else None,
                "weighedAt": weighed.isoformat() if weighed else None,
                "classKg": ctx.get("target_class_kg") or ctx.get("weight_class"),
                "floorKg": round(b.floor, 2) if b.floor is not None else None,
                "planKg": round(b.plan_today, 2) if b.plan_today is not None else None,
                "status": _status(
                    day, {f["rule"] for f in flags if f["date"] == day}, b.assessment is not None
                ),
                "flags": _latest_per_rule(flags),
                "daysToEvent": (target_date - today).days if target_date else None,
            }
        )
    return {
        "teamId": str(team_id),
        "date": today.isoformat(),
        "wrestlers": board,
        "formulaVersion": FORMULA_VERSION,
    }


async def refresh_checks(conn: PgConn, wrestler_ids: list[UUID], today: date, zone: ZoneInfo) -> None:
    """Store the daily check of some wrestlers as of a day (migration 0025): the write path's, after
    their weights, scans, body fat or hydration changed, and after a change to what the checks are
    computed from (a team's settings)."""
    if not wrestler_ids:
        return
    clock = _Clock.of(today, zone)
    contexts = await weight_sql.weight_contexts(
        conn, Scope("all"), wrestler_ids, clock.lookback, clock.flag_start
    )
    rules = _RuleSets()
    rows = []
    for ctx in contexts:
        b = _basis_of(ctx, rules.of(ctx), clock)
        rows.append(
            {
                "wrestler_id": ctx["id"],
                "day": today,
                "inputs": b.inputs,
                "latest": ctx["latest"],
                "flags": orjson.dumps([_flag(f) for f in _flags_of(ctx, b, clock)]).decode(),
            }
        )
    await weight_sql.save_checks(conn, rows)


async def change_team_settings(
    conn: PgConn,
    scope: Scope,
    team_id: UUID,
    rule_set_id: int | None,
    body_fat_floor_override: float | None,
    rapid_loss_pct: float,
    rapid_loss_hours: int,
    today: date,
    zone: ZoneInfo,
) -> Any:
    """A team's new weight settings (None when the team is out of scope) and, in the same transaction,
    its wrestlers' stored checks recomputed under them."""
    async with conn.transaction():
        row = await weight_sql.update_team_settings(
            conn, scope, team_id, rule_set_id, body_fat_floor_override, rapid_loss_pct, rapid_loss_hours
        )
        if row is not None:
            await refresh_checks(conn, await weight_sql.team_wrestler_ids(conn, team_id), today, zone)
    return row


async def fill_missing_checks(conn: PgConn, today: date, zone: ZoneInfo, batch: int = 500) -> int:
    """Store the daily check of every wrestler that has weights or scans but no stored check (a database
    migrated to 0025 with its history); the number filled. The board is right without them (it checks
    such wrestlers afresh), only slower."""
    filled = 0
    while ids := await weight_sql.unchecked_wrestlers(conn, batch):
        await refresh_checks(conn, ids, today, zone)
        filled += len(ids)
    return filled
