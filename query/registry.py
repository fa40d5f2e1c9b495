"""The dashboard sections declared once: wire fields of each snapshot GET/POST, the charts of each
section, and the score formulas. Endpoints, SQL key lists, POST models and score computations are
all generated from these declarations; metric keys are those of the catalog (metric_definitions.key)
and metric ids are always resolved through the catalog, never written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from core.domains import BY_SECTION

Codec = Literal["float", "int", "signed_percent", "bloodwork_status"]


@dataclass(frozen=True)
class Field:
    """One wire field of a section snapshot: its metric and how it is encoded. Its valid range is
    the catalog's (checked by the ingest validator on POST)."""

    wire: str  # the catalog's wire_name of the metric (a test checks they agree)
    key: str
    required: bool = True
    codec: Codec = "float"
    on_get: bool = True  # shown by GET …/<section> (InBody extras only by GET …/inbody)


@dataclass(frozen=True)
class StatusRule:
    """Status label of a value: scaled value ≥ good → good, ≥ warning → warning, else bad (docs/API.md §9)."""

    good: float
    warning: float
    scale: float = 1.0


@dataclass(frozen=True)
class ScoreInput:
    """One input of a section score: the driver's wire name, the metric keys it reads, its weight,
    its normalisation to 0–100 over a wide frame (one column per metric key), the value shown."""

    metric: str
    keys: tuple[str, ...]
    weight: float
    normalised: pl.Expr
    raw: pl.Expr


@dataclass(frozen=True)
class Section:
    """A dashboard section, declared once: its routes, wire fields, score formula and its share of
    the overall score all come from here."""

    path: str  # URL segment
    score_key: str  # section_scores.section_key (a domain's `section`, core.domains)
    wire: str  # its camelCase name (the overall score's drivers)
    domains_key: str  # its key in GET /scores/domains
    overall_weight: float  # its weight in the overall score
    fields: tuple[Field, ...]
    inputs: tuple[ScoreInput, ...]  # its score formula
    date_field: str | None = None  # a body date that stands for recordedAt (bloodwork lastTestDate)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    @property
    def domain(self) -> str:
        return BY_SECTION[self.score_key].key


# --- score formulas' building blocks (docs/API.md §9)
def _clip_hi(e: pl.Expr) -> pl.Expr:
    return e.clip(upper_bound=100.0)  # null stays null (min_horizontal would drop it)


def _clip_lo(e: pl.Expr) -> pl.Expr:
    return e.clip(lower_bound=0.0)


def _band(key: str, centre: float, slope: float) -> pl.Expr:
    return _clip_lo(100.0 - slope * (pl.col(key) - centre).abs())


def _plain(metric: str, key: str, weight: float, normalised: pl.Expr | None = None) -> ScoreInput:
    return ScoreInput(metric, (key,), weight, pl.col(key) if normalised is None else normalised, pl.col(key))


BLOODWORK_STATUS = {1.0: "attention", 2.0: "normal", 3.0: "optimal"}
BLOODWORK_STATUS_CODE = {v: k for k, v in BLOODWORK_STATUS.items()}

SECTIONS: dict[str, Section] = {
    s.path: s
    for s in (
        Section(
            "overview",
            "overview",
            wire="overview",
            domains_key="endurance",  # endurance uses the overview score as its proxy
            overall_weight=0.15,
            fields=(
                Field("overallScore", "overall_score"),
                Field("msi", "msi"),
                Field("mes", "mes"),
                Field("api", "api"),
                Field("vo2max", "vo2max"),
                Field("frr", "frr"),
                Field("acs", "acs"),
                Field("bos", "bos"),
            ),
            inputs=(
                _plain("overallScore", "overall_score", 0.20),
                _plain("msi", "msi", 0.15),
                _plain("mes", "mes", 0.15),
                _plain("api", "api", 0.10, _clip_hi(pl.col("api") / 10.0)),
                _plain("vo2max", "vo2max", 0.15),
                _plain("frr", "frr", 0.10),
                _plain("acs", "acs", 0.10),
                _plain("bos", "bos", 0.05, pl.col("bos") * 10.0),
            ),
        ),
        Section(
            "body-composition",
            "body_composition",
            wire="bodyComposition",
            domains_key="bodyComposition",
            overall_weight=0.20,
            fields=(
                Field("weight", "weight"),
                Field("bodyFatPercentage", "body_fat"),
                Field("muscleMass", "muscle_mass"),
                Field("bmr", "bmr"),
                Field("powerToWeight", "power_to_weight"),
                Field("intracellularWater", "intracellular_water", required=False, on_get=False),
                Field("extracellularWater", "extracellular_water", required=False, on_get=False),
                Field("visceralFatLevel", "visceral_fat_level", required=False, on_get=False),
                Field("phaseAngle", "phase_angle", required=False, on_get=False),
            ),
            inputs=(
                _plain("bodyFatPercentage", "body_fat", 0.35, _band("body_fat", 10.0, 5.0)),
                ScoreInput(
                    "muscleMass",
                    ("muscle_mass", "weight"),
                    0.40,
                    pl.when(pl.col("weight") <= 0)
                    .then(pl.lit(0.0))
                    .otherwise(_clip_hi(100.0 * pl.col("muscle_mass") / pl.col("weight"))),
                    pl.col("muscle_mass") / pl.col("weight"),
                ),
                _plain("powerToWeight", "power_to_weight", 0.25, _band("power_to_weight", 2.0, 30.0)),
            ),
        ),
        Section(
            "bloodwork",
            "bloodwork",
            wire="bloodwork",
            domains_key="bloodwork",
            overall_weight=0.15,
            fields=(
                Field("hemoglobin", "hemoglobin"),
                Field("hematocrit", "hematocrit"),
                Field("testosteroneLevel", "testosterone"),
                Field("status", "bloodwork_status", required=False, codec="bloodwork_status"),
            ),
            inputs=(
                _plain("hemoglobin", "hemoglobin", 0.35, _band("hemoglobin", 16.0, 8.0)),
                _plain("hematocrit", "hematocrit", 0.30, _band("hematocrit", 46.0, 5.0)),
                _plain("testosteroneLevel", "testosterone", 0.35, _band("testosterone", 750.0, 0.1)),
            ),
            date_field="lastTestDate",
        ),
        Section(
            "recovery",
            "recovery",
            wire="recovery",
            domains_key="recovery",
            overall_weight=0.20,
            fields=(
                Field("sleepQuality", "sleep_quality"),
                Field("hrvScore", "hrv_score"),
                Field("fatigueLevel", "fatigue_level"),
                Field("hydrationLevel", "hydration_level"),
                Field("readinessScore", "readiness_score"),
            ),
            inputs=(
                _plain("sleepQuality", "sleep_quality", 0.25),
                _plain("hrvScore", "hrv_score", 0.20, _clip_hi(pl.col("hrv_score") / 2.0)),
                _plain("fatigueLevel", "fatigue_level", 0.20, 100.0 - pl.col("fatigue_level")),
                _plain("hydrationLevel", "hydration_level", 0.15),
                _plain("readinessScore", "readiness_score", 0.20),
            ),
        ),
        Section(
            "supplements",
            "supplements",
            wire="supplements",
            domains_key="supplements",
            overall_weight=0.10,
            fields=(
                Field("adherenceRate", "adherence"),
                Field("monthlyProgress", "monthly_progress", codec="signed_percent"),
                Field("performanceCorrelation", "performance_correlation"),
                Field("totalSupplements", "total_supplements", codec="int"),
                Field("creatineDailyGrams", "creatine"),
                Field("proteinDailyGrams", "protein"),
                Field("hydrationLiters", "hydration"),
            ),
            inputs=(
                _plain("adherenceRate", "adherence", 0.60),
                _plain(
                    "performanceCorrelation",
                    "performance_correlation",
                    0.40,
                    (pl.col("performance_correlation") + 1.0) * 50.0,
                ),
            ),
        ),
        Section(
            "bodybuilding-performance",
            "bodybuilding_performance",
            wire="bodybuildingPerformance",
            domains_key="strength",
            overall_weight=0.20,
            fields=(
                Field("benchPressMax", "bench"),
                Field("squatMax", "squat"),
                Field("deadliftMax", "deadlift"),
                Field("vo2max", "vo2max"),
                Field("bodyFatPercentage", "body_fat"),
                Field("performanceScore", "performance_score"),
            ),
            inputs=(
                _plain("benchPressMax", "bench", 0.15, _clip_hi(100.0 * pl.col("bench") / 400.0)),
                _plain("squatMax", "squat", 0.20, _clip_hi(100.0 * pl.col("squat") / 500.0)),
                _plain("deadliftMax", "deadlift", 0.20, _clip_hi(100.0 * pl.col("deadlift") / 600.0)),
                _plain("vo2max", "vo2max", 0.25, _clip_hi(100.0 * pl.col("vo2max") / 60.0)),
                _plain("bodyFatPercentage", "body_fat", 0.20, _band("body_fat", 12.5, 4.0)),
            ),
        ),
    )
}

OVERVIEW_STATUS: dict[str, StatusRule] = {
    "overallScore": StatusRule(80, 60),
    "msi": StatusRule(80, 60),
    "mes": StatusRule(80, 60),
    "api": StatusRule(80, 60, 0.1),
    "vo2max": StatusRule(50, 40),
    "frr": StatusRule(80, 60),
    "acs": StatusRule(80, 60),
    "bos": StatusRule(80, 60, 10.0),
}

RADAR_KEYS = ("radar_back", "radar_chest", "radar_legs", "radar_arms", "radar_shoulders", "radar_core")
HR_ZONE_KEYS = ("hr_zone1_pct", "hr_zone2_pct", "hr_zone3_pct", "hr_zone4_pct", "hr_zone5_pct")
HR_ZONE_LABELS = ("Z1", "Z2", "Z3", "Z4", "Z5")
RPE_BUCKETS = ("6", "7", "8", "9", "10")
SYMMETRY = (("Upper", "symmetry_upper"), ("Lower", "symmetry_lower"))
ACTIVATION = (("Core", "activation_core"), ("Legs", "activation_legs"), ("Arms", "activation_arms"))
INBODY_WIRES = ("intracellularWater", "extracellularWater", "visceralFatLevel", "phaseAngle")

# Supplements-domain metrics that describe the stack rather than being one supplement of it.
SUPPLEMENT_STATS = frozenset(
    {"adherence", "monthly_progress", "performance_correlation", "total_supplements"}
)
STACK_WINDOW_DAYS = 30
STACK_DAILY_SHARE = 0.8


# --- charts: a template whose leaves name metrics. S = one Series {dates, values}; G = a group that
# shares one `dates` array between several named value arrays.
@dataclass(frozen=True)
class S:
    key: str


@dataclass(frozen=True)
class G:
    members: tuple[tuple[str, str], ...]


ChartTemplate = dict[str, "S | G | ChartTemplate"]


def chart_keys(template: ChartTemplate) -> list[str]:
    out: list[str] = []
    for leaf in template.values():
        if isinstance(leaf, S):
            out.append(leaf.key)
        elif isinstance(leaf, G):
            out.extend(k for _, k in leaf.members)
        else:
            out.extend(chart_keys(leaf))
    return out


CHARTS: dict[str, ChartTemplate] = {
    "body-composition/trends": {
        "powerToWeight": S("power_to_weight"),
        "bodyWeight": S("weight"),
        "bodyFat": S("body_fat"),
    },
    "bloodwork/charts": {
        "cbc": {k: S(k) for k in ("wbc", "rbc", "hemoglobin", "hematocrit", "platelets")},
        "lipids": {k: S(k) for k in ("ldl", "hdl", "triglycerides")},
    },
    "recovery/charts": {
        "sleep": G((("duration", "sleep_duration"), ("quality", "sleep_quality"))),
        "hrv": S("hrv"),
        "stress": S("stress"),
        "soreness": G((("upper", "soreness_upper"), ("core", "soreness_core"), ("lower", "soreness_lower"))),
    },
    "supplements/charts": {
        "creatine": S("creatine"),
        "protein": S("protein"),
        "adherence": S("adherence"),
        "hydration": S("hydration"),
        "performanceCorrelation": S("performance_correlation"),
    },
    "bodybuilding-performance/charts": {
        "strength": {"bench": S("bench"), "squat": S("squat"), "deadlift": S("deadlift")},
        "cardio": {"vo2max": S("vo2max")},
        "analytics": {"volumeLoad": S("volume_load")},
    },
}
PERFORMANCE_DAILY_EXTRA = ("rpe",)  # read with the performance chart, shown as a distribution


def score_input_keys() -> list[str]:
    return sorted({k for s in SECTIONS.values() for i in s.inputs for k in i.keys})


# Derived views, for the callers that want one aspect of every section.
OVERALL_WEIGHTS: dict[str, float] = {s.score_key: s.overall_weight for s in SECTIONS.values()}
SECTION_WIRE: dict[str, str] = {s.score_key: s.wire for s in SECTIONS.values()}
