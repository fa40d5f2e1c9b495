"""A wrestler's weight status and a team's weight board: the stored weights, body-fat and hydration
readings (db.weight, scoped) put through the arithmetic of query.weight. Times are read in the bucket
time zone, so a day is the wrestler's local day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from core.access import Scope
from db import weight as weight_sql
from db.types import PgConn
from query.weight import (
    FORMULA_VERSION,
    LOOKBACK_DAYS,
    Assessment,
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


def _days(contexts: list[dict[str, Any]], today: date, zone: ZoneInfo) -> list[DayCheck]:
    """DayCheck of each context (db.weight.weight_context: with its recent weights and scans)."""
    end_of_today = datetime.combine(today, datetime.max.time(), zone)
    rule_sets: dict[Any, RuleSet | None] = {}  # a team's wrestlers share one
    out = []
    for ctx in contexts:
        if ctx["rule_set_id"] not in rule_sets:
            rule_sets[ctx["rule_set_id"]] = rule_set(ctx)
        rules = rule_sets[ctx["rule_set_id"]]
        cap = rules.weekly_loss_cap if rules else None
        basis = rules.basis if rules else "compounding"
        notes: list[str] = []
        assessment = _assessment_of(ctx, rules, zone)
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
        weights = ctx["weights"]
        flags = check_weights(
            weights,
            assessment,
            floor,
            cap,
            basis,
            ctx["rapid_loss_pct"],
            float(ctx["rapid_loss_hours"]),
            zone,
        )
        flags += ecw_tbw_flags([(datetime.fromtimestamp(t, zone), v) for t, v in ctx["scans"]])
        plan_today = (
            plan_weight(
                assessment.weight_kg, (end_of_today - assessment.at).total_seconds() / 86400, cap, basis
            )
            if assessment
            else None
        )
        last = weights[-1] if weights else (ctx["latest_at"], ctx["latest_kg"])
        latest = (datetime.fromtimestamp(last[0], zone), last[1]) if last[0] is not None else None
        out.append(
            DayCheck(
                rules,
                assessment,
                min_fat,
                floor_source,
                floor,
                flags,
                latest,
                plan_today,
                notes,
                _today_status(latest, flags, assessment),
            )
        )
    return out


def status(ctx: dict[str, Any], today: date, zone: ZoneInfo) -> dict[str, Any]:
    """The weight status of one wrestler from its context (db.weight.weight_context: with its latest
    valid assessment and its recent weights and scans)."""
    d = _days([ctx], today, zone)[0]
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


def _latest_per_rule(flags: list[Flag]) -> list[Flag]:
    """The most recent flag of each rule (a board row; the wrestler's status lists them all)."""
    latest: dict[str, Flag] = {}
    for f in flags:
        if f.rule not in latest or f.date >= latest[f.rule].date:
            latest[f.rule] = f
    return sorted(latest.values(), key=lambda f: (f.date, f.rule))


def _today_status(
    latest: tuple[datetime, float] | None, flags: list[Flag], assessment: Assessment | None
) -> str:
    if latest is None:
        return "no_weight"
    todays = {f.rule for f in flags if f.date == latest[0].date().isoformat()}
    for rule in ("below_floor", "below_plan", "rapid_loss"):
        if rule in todays:
            return rule
    return "on_plan" if assessment is not None else "no_assessment"


def _lookback(today: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(today - timedelta(days=LOOKBACK_DAYS), datetime.min.time(), zone)


def _flag_start(today: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(today - timedelta(days=FLAG_DAYS), datetime.min.time(), zone)


async def _context(
    conn: PgConn, scope: Scope, wrestler_id: UUID, today: date, zone: ZoneInfo
) -> dict[str, Any] | None:
    return await weight_sql.weight_context(
        conn, scope, wrestler_id, _lookback(today, zone), _flag_start(today, zone)
    )


async def wrestler_status(
    conn: PgConn, scope: Scope, wrestler_id: UUID, today: date, zone: ZoneInfo
) -> dict[str, Any] | None:
    ctx = await _context(conn, scope, wrestler_id, today, zone)
    return status(ctx, today, zone) if ctx else None


async def wrestler_check(
    conn: PgConn, scope: Scope, wrestler_id: UUID, today: date, zone: ZoneInfo
) -> DayCheck | None:
    ctx = await _context(conn, scope, wrestler_id, today, zone)
    return _days([ctx], today, zone)[0] if ctx else None


async def team_board(
    conn: PgConn, scope: Scope, team_id: UUID, today: date, zone: ZoneInfo
) -> dict[str, Any]:
    """Every wrestler of the team: current weight, class, floor, plan status, the most recent flag of
    each rule, days to the target date; one statement."""
    contexts = await weight_sql.team_weight_context(
        conn, scope, team_id, _lookback(today, zone), _flag_start(today, zone)
    )
    days = _days(contexts, today, zone)
    board = []
    for ctx, d in zip(contexts, days, strict=True):
        target_date = ctx.get("target_date")
        board.append(
            {
                "wrestlerId": str(ctx["id"]),
                "nameEn": ctx["name_en"],
                "nameFa": ctx["name_fa"],
                "weightKg": d.latest[1] if d.latest else None,
                "weighedAt": d.latest[0].isoformat() if d.latest else None,
                "classKg": ctx.get("target_class_kg") or ctx.get("weight_class"),
                "floorKg": round(d.floor, 2) if d.floor is not None else None,
                "planKg": round(d.plan_today, 2) if d.plan_today is not None else None,
                "status": d.status,
                "flags": [_flag(f) for f in _latest_per_rule(d.flags)],
                "daysToEvent": (target_date - today).days if target_date else None,
            }
        )
    return {
        "teamId": str(team_id),
        "date": today.isoformat(),
        "wrestlers": board,
        "formulaVersion": FORMULA_VERSION,
    }
