"""Weight management arithmetic, pure: fat-free mass and the floor weight from a valid body-fat
assessment, the descent plan line, the earliest day a weight class is reachable, and the daily check
of a wrestler's weights against the plan, the floor and the team's rapid-loss threshold, and the
scans whose ECW/TBW ratio is above InBody's healthy band.

Weights are kilograms throughout; rule sets that state classes in pounds are converted once
(KG_PER_LB). Body fat is in percent. The formulas are the rule books' (NFHS, NCAA): fat-free mass =
weight × (1 − fat fraction); floor = fat-free mass ÷ (1 − minimum fat fraction); plan line after t
days = W0 × (1 − cap)^(t/7) (compounding, continuous in time) or W0 − cap × W0 × t/7 (linear).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal

FORMULA_VERSION = "weight-1"
KG_PER_LB = 0.45359237
LOOKBACK_DAYS = 180  # an assessment older than this is not used for planning
ECW_TBW_MAX = 0.39
EPS = 1e-9  # days: 35.000000000000004 is day 35, not 36
Basis = Literal["compounding", "linear"]
Sex = Literal["male", "female"]


@dataclass(frozen=True)
class RuleSet:
    key: str
    version: int
    name: str
    min_body_fat: dict[str, float | None]  # sex -> percent; None: the rules set none
    weekly_loss_cap: float | None  # fraction of body weight per week; None: the rules set none
    basis: Basis
    usg_max: float | None  # hydration gate before an assessment; None: no gate
    unit: Literal["kg", "lb"]
    classes: dict[str, list[float]]  # style -> class limits in `unit`

    def classes_kg(self, style: str | None) -> list[float]:
        """The class limits of a style (the only list when the rule set has one), in kg."""
        lists = self.classes.get(style or "") or (
            next(iter(self.classes.values())) if len(self.classes) == 1 else []
        )
        factor = KG_PER_LB if self.unit == "lb" else 1.0
        return sorted(round(c * factor, 2) for c in lists)


def fat_free_mass(weight_kg: float, body_fat_pct: float) -> float:
    return weight_kg * (1 - body_fat_pct / 100)


def floor_weight(ffm_kg: float, min_body_fat_pct: float | None) -> float | None:
    """The weight at the minimum body fat; None when no minimum applies."""
    if min_body_fat_pct is None:
        return None
    return ffm_kg / (1 - min_body_fat_pct / 100)


def plan_weight(w0: float, days: float, cap: float | None, basis: Basis) -> float | None:
    """The lowest weight the plan allows `days` after the assessment; None without a cap."""
    if cap is None:
        return None
    if basis == "linear":
        return w0 - cap * w0 * days / 7
    return float(w0 * (1 - cap) ** (days / 7))


def earliest_day(
    w0: float, assessed_on: date, limit_kg: float, floor_kg: float | None, cap: float | None, basis: Basis
) -> date | None:
    """The first whole day on which both the plan line and the floor are at or below the class
    limit; None when the class is below the floor (never reachable)."""
    if floor_kg is not None and floor_kg > limit_kg + EPS:
        return None
    if w0 <= limit_kg or cap is None:
        return assessed_on
    if basis == "linear":
        days = (w0 - limit_kg) / (cap * w0) * 7
    else:
        days = 7 * math.log(limit_kg / w0) / math.log(1 - cap)
    return assessed_on + timedelta(days=math.ceil(days - EPS))


@dataclass(frozen=True)
class Assessment:
    """A body-fat reading that counts (db.weight picks it from the assessment read model): a weight on
    record in the 24 hours before it and, where the rule set has a hydration gate, a passing test as
    the latest one in those 24 hours."""

    at: datetime
    weight_kg: float
    body_fat_pct: float
    usg: float | None  # the hydration reading that passed the gate, if the rule set has one

    @property
    def ffm_kg(self) -> float:
        return fat_free_mass(self.weight_kg, self.body_fat_pct)


@dataclass(frozen=True)
class Flag:
    rule: Literal["below_plan", "below_floor", "rapid_loss", "ecw_tbw_high"]
    date: str
    weight_kg: float | None  # None: a flag on a scan's ratio, not on a weight
    limit_kg: float | None  # the plan line, the floor, or the weight the rapid-loss window started from
    detail: dict[str, float | str] = field(default_factory=dict)


def ecw_tbw_flags(readings: list[tuple[datetime, float]]) -> list[Flag]:
    """Each scan whose extracellular-to-total-body-water ratio is above InBody's healthy band
    (0.36-0.39; above it InBody advises seeing a physician). A flag on the scan: it does not replace
    the hydration test."""
    return [
        Flag("ecw_tbw_high", at.date().isoformat(), None, None, {"ecwTbw": ratio, "limit": ECW_TBW_MAX})
        for at, ratio in sorted(readings)
        if ratio > ECW_TBW_MAX + EPS
    ]


def check_weights(
    points: Sequence[Sequence[float]],
    assessment: Assessment | None,
    floor_kg: float | None,
    cap: float | None,
    basis: Basis,
    rapid_loss_pct: float | None,
    rapid_loss_hours: float,
    zone: tzinfo | None,
    since: float = -math.inf,
) -> list[Flag]:
    """Each weight since `since` ((epoch seconds, kg) pairs, oldest first) after the assessment against
    the plan line (losing faster than the cap) and the floor; any loss of more than `rapid_loss_pct` %
    within `rapid_loss_hours`, whose heavier weight may be before `since`. A flag's date is its local
    day in `zone`. Epoch seconds rather than datetimes: a team board checks about a thousand weights."""

    def day(t: float) -> str:
        return datetime.fromtimestamp(t, zone).date().isoformat()

    flags: list[Flag] = []
    assessed = assessment.at.timestamp() if assessment is not None else None
    for t, kg in points:
        if t < since:
            continue
        if assessment is not None and assessed is not None and t > assessed:
            plan = plan_weight(assessment.weight_kg, (t - assessed) / 86400, cap, basis)
            if plan is not None and kg < plan - EPS:
                flags.append(Flag("below_plan", day(t), kg, round(plan, 2)))
        if floor_kg is not None and kg < floor_kg - EPS:
            flags.append(Flag("below_floor", day(t), kg, round(floor_kg, 2)))
    if rapid_loss_pct is not None:
        window = rapid_loss_hours * 3600
        # The heaviest earlier weight in the window (the first of equals): a sliding-window maximum,
        # its deque's weights decreasing from the front.
        heaviest: deque[tuple[float, float]] = deque()
        for t, kg in points:
            while heaviest and t - heaviest[0][0] > window:
                heaviest.popleft()
            start = heaviest[0] if heaviest else None
            while heaviest and heaviest[-1][1] < kg:
                heaviest.pop()
            heaviest.append((t, kg))
            if start is None or t < since:
                continue
            start_t, start_kg = start
            loss = (start_kg - kg) / start_kg * 100
            if loss > rapid_loss_pct + EPS:
                flags.append(
                    Flag(
                        "rapid_loss",
                        day(t),
                        kg,
                        start_kg,
                        {"lossPct": round(loss, 2), "hours": round((t - start_t) / 3600, 1)},
                    )
                )
    return flags
