"""The demo federation: a pure, vectorised Polars generator (no I/O).

Two teams, up to 24 wrestlers across the real freestyle and Greco-Roman weight classes, and
`days` of data ending on `end` in all six domains at the cadences a federation really records:
morning weight and recovery every day, InBody scans every week, bloodwork panels every month,
training sessions on 5-6 days a week with a heart-rate sample every `hr_step_minutes` and a session
summary, supplement logs, periodic fitness tests and weekly overview indices.

The physiology is simple but coherent: each wrestler walks around 3-6 % above their class and cuts
to it over the 2-3 weeks before each team competition, then rebounds; the cut dries them out
(hydration, haematocrit, urine) and stresses them (HRV, sleep, mood); the session-RPE training
load drives morning HRV, soreness, fatigue and readiness; winter adds a little weight and sleep and
costs vitamin D; strength, VO2max and muscle mass improve slowly over the period.

Randomness is a hash of (row number, salt) with a fixed seed, so the same spec gives the same rows
on every machine running the locked Polars version; Python's `random` only draws the few
per-wrestler parameters.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

SOURCE = "demo"
EXTERNAL_PREFIX = "FED-"
TIMEZONE = "Asia/Tehran"


@dataclass(frozen=True)
class Team:
    name: str
    style: str


TEAMS = (
    Team("Tehran Freestyle · کشتی آزاد تهران", "freestyle"),
    Team("Mazandaran Greco-Roman · کشتی فرنگی مازندران", "greco"),
)

# (team index, weight class, Persian name, English transliteration); alternating teams so that a
# small federation still has both teams.
ROSTER: tuple[tuple[int, int, str, str], ...] = (
    (0, 57, "علی احمدی", "Ali Ahmadi"),
    (1, 60, "محمد کریمی", "Mohammad Karimi"),
    (0, 61, "حسین رحیمی", "Hossein Rahimi"),
    (1, 63, "رضا حسینی", "Reza Hosseini"),
    (0, 65, "امیر محمدی", "Amir Mohammadi"),
    (1, 67, "مهدی نوروزی", "Mehdi Nowruzi"),
    (0, 70, "سعید قاسمی", "Saeed Ghasemi"),
    (1, 72, "مجید رستمی", "Majid Rostami"),
    (0, 74, "حمید جعفری", "Hamid Jafari"),
    (1, 77, "کامران صادقی", "Kamran Sadeghi"),
    (0, 79, "یونس موسوی", "Younes Mousavi"),
    (1, 82, "عرفان طاهری", "Erfan Taheri"),
    (0, 86, "پژمان اکبری", "Pezhman Akbari"),
    (1, 87, "بهمن عباسی", "Bahman Abbasi"),
    (0, 92, "سجاد نجفی", "Sajjad Najafi"),
    (1, 97, "میلاد سلیمانی", "Milad Soleimani"),
    (0, 97, "آرمین زارعی", "Armin Zarei"),
    (1, 130, "کیان بابایی", "Kian Babaei"),
    (0, 125, "پویا شریفی", "Pouya Sharifi"),
    (1, 67, "داریوش هاشمی", "Dariush Hashemi"),
    (0, 65, "فرزاد کاظمی", "Farzad Kazemi"),
    (1, 77, "نیما یوسفی", "Nima Yousefi"),
    (0, 74, "امید فرهادی", "Omid Farhadi"),
    (1, 87, "بهروز مرادی", "Behrouz Moradi"),
)
MAX_WRESTLERS = len(ROSTER)
STATUSES = ("competition_ready", "normal", "attention")


@dataclass(frozen=True)
class DemoSpec:
    wrestlers: int = MAX_WRESTLERS
    days: int = 548  # 18 months
    seed: int = 1404
    hr_step_minutes: int = 1


@dataclass(frozen=True)
class Federation:
    teams: tuple[Team, ...]
    wrestlers: pl.DataFrame  # external_id, team, name_fa, name_en, weight_class, status
    points: pl.DataFrame  # external_id, key, recorded_at (UTC), value
    competitions: pl.DataFrame  # team, comp (local date)


class _Noise:
    """Deterministic pseudo-random columns: a hash of a row id column and a fresh salt per draw."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.salt = 0

    def uniform(self, col: str = "rid") -> pl.Expr:
        self.salt += 1
        h = pl.col(col).hash(self.seed * 1_000_003 + self.salt)
        return ((h % (1 << 53)).cast(pl.Float64) + 0.5) * 2.0**-53

    def normal(self, col: str = "rid") -> pl.Expr:
        u1, u2 = self.uniform(col), self.uniform(col)
        return (-2.0 * u1.log()).sqrt() * (2.0 * math.pi * u2).cos()


# -- per-wrestler parameters and competitions ---------------------------------------------------------
# Weight cuts a coach should see flagged: FED-0002 cuts 7.5 % in 12 days (faster than 1.5 % a week),
# FED-0004 is lean to begin with and cuts below a 7 % body-fat floor. The random draws stay the same.
SCENARIOS: dict[int, dict[str, float]] = {
    1: {"cut_c": 0.075, "cut_len": 12.0},
    3: {"bf_base": 6.2, "cut_c": 0.06},
}


def _wrestlers(spec: DemoSpec, rnd: random.Random) -> pl.DataFrame:
    rows = []
    for i, (team, wc, name_fa, name_en) in enumerate(ROSTER[: spec.wrestlers]):
        heavy = wc >= 125
        cut = 0.03 if heavy else rnd.uniform(0.03, 0.06)
        cut = SCENARIOS.get(i, {}).get("cut_c", cut)
        base = wc * rnd.uniform(0.94, 0.98) if heavy else (wc - rnd.uniform(0.1, 0.5)) / (1 - cut)
        rows.append(
            {
                "w": i,
                "external_id": f"{EXTERNAL_PREFIX}{i + 1:04d}",
                "team": team,
                "name_fa": name_fa,
                "name_en": name_en,
                "weight_class": wc,
                "status": rnd.choices(STATUSES, weights=(3, 6, 2))[0],
                "base_w": base,
                "cut_c": cut,
                "cut_len": SCENARIOS.get(i, {}).get("cut_len", float(rnd.randint(14, 21))),
                "height": 163 + 0.32 * (wc - 57) + rnd.gauss(0, 3),
                "bf_base": SCENARIOS.get(i, {}).get(
                    "bf_base", 8 + 0.08 * (wc - 57) + (4.0 if heavy else 0.0) + rnd.uniform(-1.5, 1.5)
                ),
                "hrv_base": rnd.uniform(60, 95) - 0.1 * (wc - 57),
                "rhr_base": rnd.uniform(44, 56) + 0.05 * (wc - 57),
                "vo2_base": 58 - 0.1 * (wc - 57) + rnd.uniform(-3, 3),
                "rel_squat": 2.2 - 0.006 * (wc - 57) + rnd.uniform(-0.15, 0.15),
                "bench_ratio": rnd.uniform(0.66, 0.78),
                "dl_ratio": rnd.uniform(1.12, 1.24),
                "age": float(rnd.randint(20, 31)),
                "sleep_base": rnd.uniform(7.2, 8.3),
                "ppk": rnd.uniform(1.7, 2.3),
                "creatine_user": rnd.random() < 0.7,
                "omega_user": rnd.random() < 0.5,
                "vitd_user": rnd.random() < 0.6,
                "hrmax": 208 - 0.7 * rnd.randint(20, 31) + rnd.gauss(0, 4),
            }
        )
    return pl.DataFrame(rows)


def _competitions(start: date, end: date, rnd: random.Random) -> pl.DataFrame:
    """A few competitions a year per team (and one just after `end`, so a cut may be under way)."""
    rows = []
    for team in range(len(TEAMS)):
        day = start + timedelta(days=rnd.randint(30, 70))
        while day <= end + timedelta(days=40):
            rows.append({"team": team, "comp": day})
            day += timedelta(days=rnd.randint(80, 130))
    return pl.DataFrame(rows, schema={"team": pl.Int64, "comp": pl.Date})


def _team_days(days: pl.Series, comps: pl.DataFrame) -> pl.DataFrame:
    """Per (team, day): days to the next competition and since the last one (null when none)."""
    grid = comps.select("team").unique().join(days.to_frame("day"), how="cross")
    pairs = grid.join(comps, on="team").with_columns(gap=(pl.col("comp") - pl.col("day")).dt.total_days())
    to_next = pairs.filter(pl.col("gap") >= 0).group_by("team", "day").agg(days_to=pl.col("gap").min())
    since = pairs.filter(pl.col("gap") <= 0).group_by("team", "day").agg(days_since=(-pl.col("gap")).min())
    return grid.join(to_next, on=["team", "day"], how="left").join(since, on=["team", "day"], how="left")


# -- the daily backbone ---------------------------------------------------------------------------------
def _daily(params: pl.DataFrame, comps: pl.DataFrame, start: date, end: date, rng: _Noise) -> pl.DataFrame:
    days = pl.date_range(start, end, "1d", eager=True)
    total = max(1, (end - start).days)
    d = (
        params.join(days.to_frame("day"), how="cross")
        .join(_team_days(days, comps), on=["team", "day"], how="left")
        .sort("w", "day")
        .with_row_index("rid")
    )
    d = d.with_columns(
        t=(pl.col("day") - start).dt.total_days() / total,
        season=(2 * math.pi * (pl.col("day").dt.ordinal_day() - 15) / 365.25).cos(),
        dow=pl.col("day").dt.weekday(),  # 1 = Monday … 5 = Friday, the Iranian weekend
        # Weight cut: accelerating towards the weigh-in on competition morning, then a rebound.
        cut=pl.max_horizontal(
            pl.col("cut_c") * ((1 - pl.col("days_to") / pl.col("cut_len")).clip(0, 1) ** 1.6).fill_null(0),
            pl.when(pl.col("days_since") >= 1)
            .then(pl.col("cut_c") * 0.85 * (-pl.col("days_since") / 1.8).exp())
            .otherwise(0.0),
        ),
        n_skip=rng.uniform(),
        n_dur=rng.normal(),
        n_rpe=rng.normal(),
        n_start=rng.normal(),
        n_slow=rng.normal(),
    )
    taper = pl.col("days_to").is_between(1, 5).fill_null(False)
    deload = ((pl.col("day") - start).dt.total_days() // 7) % 4 == 3
    d = d.with_columns(
        trained=(pl.col("dow") != 5)
        & (pl.col("days_to") != 0).fill_null(True)
        & (pl.col("days_since") != 1).fill_null(True)
        & (pl.col("n_skip") > 0.08),
        duration=(
            (88 + 12 * pl.col("n_dur")) * pl.when(taper).then(0.6).when(deload).then(0.8).otherwise(1.0)
        )
        .round(0)
        .clip(40, 130),
        rpe=(6.8 + pl.col("n_rpe") - pl.when(taper).then(2.0).when(deload).then(1.5).otherwise(0.0))
        .round(0)
        .clip(2, 10),
        start_min=(16.5 * 60 + 25 * pl.col("n_start")).round(0),
        # Slowly varying individual state (a few weeks' memory), unit variance.
        slow=pl.col("n_slow").ewm_mean(alpha=0.1, adjust=False).over("w") * math.sqrt(1.9 / 0.1),
    )
    d = d.with_columns(load=pl.when("trained").then(pl.col("duration") * pl.col("rpe")).otherwise(0.0))
    d = d.with_columns(
        acute=pl.col("load").ewm_mean(alpha=2 / 8, adjust=False).over("w"),
        chronic=pl.col("load").ewm_mean(alpha=2 / 29, adjust=False).over("w"),
        load_prev=pl.col("load").shift(1).over("w").fill_null(0) / 650,
    )
    return d.with_columns(
        f=((pl.col("acute") / pl.col("chronic")).shift(1).over("w").fill_null(1).fill_nan(1) - 1).clip(
            -0.4, 0.8
        ),
        strength=pl.col("base_w") * pl.col("rel_squat") * (1 + 0.07 * pl.col("t")),
        weight=(
            pl.col("base_w")
            * (1 - pl.col("cut"))
            * (1 + 0.006 * pl.col("season") + 0.004 * pl.col("slow"))
            * (1 + 0.003 * rng.normal())
        ),
        cut_water=pl.when(pl.col("days_to") <= 2).then(pl.col("cut")).otherwise(0.0).fill_null(0.0),
    )


def _local(day: str, minutes: pl.Expr | int) -> pl.Expr:
    """A local wall-clock time on `day` as a UTC instant."""
    return (
        (pl.col(day).cast(pl.Datetime("us")) + pl.duration(minutes=minutes))
        .dt.replace_time_zone(TIMEZONE, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )


def _long(frame: pl.DataFrame, metrics: dict[str, pl.Expr]) -> pl.DataFrame:
    """Wide metric expressions over `frame` (which has external_id and recorded_at) → long points."""
    wide = frame.select("external_id", "recorded_at", **metrics)
    return wide.unpivot(
        index=["external_id", "recorded_at"], on=list(metrics), variable_name="key", value_name="value"
    ).drop_nulls()


# -- the domains ------------------------------------------------------------------------------------------
def _morning(d: pl.DataFrame, rng: _Noise) -> pl.DataFrame:
    """Morning weigh-in and recovery questionnaire/wearable summary, every day around 07:00."""
    d = d.with_columns(recorded_at=_local("day", (7 * 60 + 40 * rng.uniform()).round(0)))
    d = d.with_columns(
        hrv=(
            pl.col("hrv_base")
            * (1 - 0.22 * pl.col("f"))
            * (1 - 2.5 * pl.col("cut"))
            * (1 + 0.03 * pl.col("season"))
            * (0.08 * pl.col("slow") + 0.09 * rng.normal()).exp()
        ).clip(0.5 * pl.col("hrv_base"), 1.6 * pl.col("hrv_base")),
        sleep_duration=(
            pl.col("sleep_base")
            + 0.25 * pl.col("season")
            - 0.35 * (pl.col("load_prev") - 1).clip(0, None)
            - 6 * pl.col("cut")
            + 0.5 * rng.normal()
        ).clip(4, 10.5),
        sleep_efficiency=(90 - 60 * pl.col("cut") - 3 * pl.col("f") + 2.5 * rng.normal()).clip(70, 99),
        fatigue_level=(25 + 30 * pl.col("load_prev") + 25 * pl.col("f") + 6 * rng.normal()).clip(0, 100),
        stress=(28 + 600 * pl.col("cut") + 12 * pl.col("f") + 6 * rng.normal()).clip(0, 100),
    )
    d = d.with_columns(
        hrv_score=100 * pl.col("hrv") / pl.col("hrv_base"),
        deep_sleep=pl.col("sleep_duration") * (0.19 + 0.02 * rng.normal()),
        rem_sleep=pl.col("sleep_duration") * (0.22 + 0.02 * rng.normal()),
        sleep_quality=(
            72
            + 9 * (pl.col("sleep_duration") - 7.5)
            + 0.6 * (pl.col("sleep_efficiency") - 90)
            - 10 * pl.col("f")
            + 5 * rng.normal()
        ).clip(0, 100),
    )
    readiness = (
        72
        + 0.4 * (pl.col("hrv_score") - 100)
        + 4 * (pl.col("sleep_duration") - 7.5)
        - 0.3 * (pl.col("fatigue_level") - 40)
        - 0.2 * (pl.col("stress") - 30)
        + 4 * rng.normal()
    )
    return _long(
        d,
        {
            "weight": pl.col("weight").round(1),
            "sleep_duration": pl.col("sleep_duration").round(2),
            "sleep_efficiency": pl.col("sleep_efficiency").round(1),
            "deep_sleep": pl.col("deep_sleep").round(2),
            "rem_sleep": pl.col("rem_sleep").round(2),
            "light_sleep": (
                pl.col("sleep_duration") * pl.col("sleep_efficiency") / 100
                - pl.col("deep_sleep")
                - pl.col("rem_sleep")
            ).round(2),
            "sleep_latency": (10 * (0.5 * rng.normal()).exp() + 200 * pl.col("cut")).round(0),
            "sleep_quality": pl.col("sleep_quality").round(0),
            "hrv": pl.col("hrv").round(1),
            "hrv_score": pl.col("hrv_score").round(0),
            "resting_hr": (
                pl.col("rhr_base") * (1 + 0.12 * pl.col("f") + 1.2 * pl.col("cut")) + 1.5 * rng.normal()
            ).round(0),
            "stress": pl.col("stress").round(0),
            "soreness_upper": (1.5 + 3 * pl.col("load_prev") + 1.5 * pl.col("f") + 0.8 * rng.normal())
            .clip(0, 10)
            .round(1),
            "soreness_core": (1.2 + 2.5 * pl.col("load_prev") + 1.2 * pl.col("f") + 0.8 * rng.normal())
            .clip(0, 10)
            .round(1),
            "soreness_lower": (1.8 + 3.4 * pl.col("load_prev") + 1.5 * pl.col("f") + 0.9 * rng.normal())
            .clip(0, 10)
            .round(1),
            "fatigue_level": pl.col("fatigue_level").round(0),
            "hydration_level": (
                62 - 150 * pl.col("cut_water") - 40 * pl.col("cut") + 1.5 * rng.normal()
            ).round(1),
            "readiness_score": readiness.clip(0, 100).round(0),
            "respiratory_rate": (14 + 2 * pl.col("f") + 0.8 * rng.normal()).round(1),
            "spo2": (97.5 + 0.8 * rng.normal()).clip(90, 100).round(0),
            "mood": (7 - 1.5 * pl.col("f") - 20 * pl.col("cut") + 0.8 * rng.normal()).clip(1, 10).round(0),
        },
    )


def _inbody(d: pl.DataFrame, rng: _Noise) -> pl.DataFrame:
    """Weekly InBody scan, Saturday morning (the first day of the Iranian week)."""
    s = d.filter(pl.col("dow") == 6).with_columns(recorded_at=_local("day", 8 * 60 + 30))
    s = s.with_columns(
        w_scan=pl.col("weight") + 0.3 + 0.1 * rng.normal(),
        bf=(
            pl.col("bf_base")
            + 0.8 * pl.col("season")
            - 30 * pl.col("cut")
            - 1.0 * pl.col("t")
            + 0.35 * rng.normal()
        ),
        ecw_ratio=0.378 + 0.004 * rng.normal() + 0.01 * pl.col("f").clip(0, None),
    )
    s = s.with_columns(fat=pl.col("w_scan") * pl.col("bf") / 100)
    s = s.with_columns(lean=pl.col("w_scan") - pl.col("fat"))
    s = s.with_columns(
        tbw=pl.col("lean") * 0.73,
        smm=pl.col("lean") * 0.565 * (1 + 0.015 * pl.col("t")),
        protein=pl.col("lean") * 0.196,
        mineral=pl.col("lean") * 0.068,
        h2=(pl.col("height") / 100) ** 2,
    )
    s = s.with_columns(ecw=pl.col("tbw") * pl.col("ecw_ratio"))
    s = s.with_columns(icw=pl.col("tbw") - pl.col("ecw"))
    whr = 0.83 + 0.004 * (pl.col("bf") - 10) + 0.01 * rng.normal()
    waist = 45 + 0.45 * pl.col("w_scan") + 0.5 * (pl.col("bf") - 10) + 0.5 * rng.normal()
    lean, fat = pl.col("lean"), pl.col("fat")
    return _long(
        s,
        {
            "weight": pl.col("w_scan").round(1),
            "height": pl.col("height").round(1),
            "body_fat": pl.col("bf").round(1),
            "fat_mass": fat.round(1),
            "lean_body_mass": lean.round(1),
            "muscle_mass": pl.col("smm").round(1),
            "soft_lean_mass": (pl.col("tbw") + pl.col("protein")).round(1),
            "total_body_water": pl.col("tbw").round(1),
            "intracellular_water": pl.col("icw").round(1),
            "extracellular_water": pl.col("ecw").round(1),
            "ecw_tbw_ratio": pl.col("ecw_ratio").round(3),
            "protein_mass": pl.col("protein").round(1),
            "mineral_mass": pl.col("mineral").round(2),
            "bone_mineral_content": (pl.col("mineral") * 0.82).round(2),
            "body_cell_mass": (pl.col("icw") + pl.col("protein")).round(1),
            "bmr": (370 + 21.6 * lean).round(0),
            "power_to_weight": (pl.col("strength") / pl.col("w_scan")).round(2),
            "visceral_fat_level": (pl.col("bf") / 2.2 + 0.5 * rng.normal()).round(0).clip(1, 20),
            "visceral_fat_area": (pl.col("bf") * 4.5 + 5 * rng.normal()).round(1),
            "phase_angle": (
                8.2 + 0.3 * pl.col("slow") + 0.01 * (pl.col("weight_class") - 57) - 8 * pl.col("cut")
            ).round(1),
            "bmi": (pl.col("w_scan") / pl.col("h2")).round(1),
            "skeletal_muscle_index": (pl.col("smm") * 0.78 / pl.col("h2")).round(1),
            "waist_hip_ratio": whr.round(2),
            "waist_circumference": waist.round(1),
            "hip_circumference": (waist / whr).round(1),
            "inbody_score": (
                78
                + 0.5 * (pl.col("smm") / pl.col("w_scan") * 100 - 50)
                - 0.8 * (pl.col("bf") - 10)
                + 1.5 * rng.normal()
            ).round(0),
            "lean_right_arm": (lean * 0.058).round(2),
            "lean_left_arm": (lean * 0.0565).round(2),
            "lean_trunk": (lean * 0.455).round(1),
            "lean_right_leg": (lean * 0.165).round(2),
            "lean_left_leg": (lean * 0.163).round(2),
            "fat_right_arm": (fat * 0.065).round(2),
            "fat_left_arm": (fat * 0.066).round(2),
            "fat_trunk": (fat * 0.48).round(1),
            "fat_right_leg": (fat * 0.15).round(2),
            "fat_left_leg": (fat * 0.151).round(2),
        },
    )


# (key, population centre, between-wrestler CV, within-wrestler CV, decimals)
_MARKERS: tuple[tuple[str, float, float, float, int], ...] = (
    ("hemoglobin", 15.3, 0.05, 0.03, 1),
    ("wbc", 6.5, 0.15, 0.12, 1),
    ("platelets", 250, 0.15, 0.08, 0),
    ("rdw", 12.8, 0.04, 0.03, 1),
    ("neutrophils", 55, 0.08, 0.08, 0),
    ("monocytes", 6, 0.15, 0.15, 1),
    ("eosinophils", 2.5, 0.3, 0.2, 1),
    ("basophils", 0.5, 0.3, 0.2, 1),
    ("ldl", 95, 0.2, 0.07, 0),
    ("hdl", 52, 0.15, 0.06, 0),
    ("triglycerides", 90, 0.25, 0.15, 0),
    ("testosterone", 620, 0.2, 0.1, 0),
    ("cortisol", 14, 0.15, 0.15, 1),
    ("tsh", 1.8, 0.3, 0.1, 2),
    ("free_t4", 1.25, 0.1, 0.06, 2),
    ("ferritin", 95, 0.4, 0.1, 0),
    ("iron", 100, 0.2, 0.15, 0),
    ("transferrin_saturation", 32, 0.2, 0.15, 0),
    ("vitamin_d", 34, 0.25, 0.08, 1),
    ("vitamin_b12", 480, 0.25, 0.07, 0),
    ("creatine_kinase", 280, 0.3, 0.3, 0),
    ("glucose", 88, 0.06, 0.05, 0),
    ("hba1c", 5.2, 0.04, 0.02, 1),
    ("urea", 35, 0.15, 0.12, 0),
    ("creatinine", 1.05, 0.1, 0.05, 2),
    ("uric_acid", 5.6, 0.15, 0.1, 1),
    ("alt", 25, 0.3, 0.15, 0),
    ("ast", 28, 0.25, 0.2, 0),
    ("alp", 75, 0.2, 0.06, 0),
    ("ggt", 20, 0.3, 0.1, 0),
    ("crp", 1.0, 0.5, 0.5, 2),
    ("esr", 6, 0.4, 0.3, 0),
    ("sodium", 140, 0.01, 0.008, 0),
    ("potassium", 4.3, 0.05, 0.05, 1),
    ("magnesium", 2.05, 0.06, 0.05, 2),
    ("calcium", 9.6, 0.03, 0.02, 1),
    ("urine_ph", 6.0, 0.05, 0.07, 1),
)


def _hydration(d: pl.DataFrame, rng: _Noise) -> pl.DataFrame:
    """Urine specific gravity before each InBody scan (07:50, the scan is at 08:30): well hydrated
    most weeks, concentrated while cutting, so some assessments fail a 1.025 gate."""
    s = d.filter(pl.col("dow") == 6).with_columns(recorded_at=_local("day", 7 * 60 + 50))
    usg = (1.013 + 0.004 * rng.normal() + 0.25 * pl.col("cut")).clip(1.002, 1.035).round(3)
    return _long(s, {"urine_specific_gravity": usg})


def _bloodwork(d: pl.DataFrame, rng: _Noise) -> pl.DataFrame:
    """Monthly fasting panel on the 5th at 08:00: CBC, lipids, hormones, iron, vitamins, chemistry, urine."""
    b = d.filter(pl.col("day").dt.day() == 5).with_columns(recorded_at=_local("day", 8 * 60))
    # Training stress, dehydration and winter move the markers that really respond to them.
    effects = {
        "hemoglobin": 1 + 1.5 * pl.col("cut"),
        "testosterone": 1 - 0.15 * pl.col("f") - 2 * pl.col("cut"),
        "cortisol": 1 + 0.3 * pl.col("f") + 3 * pl.col("cut"),
        "vitamin_d": 1 - 0.25 * pl.col("season"),
        "creatine_kinase": 1 + 0.8 * pl.col("load_prev") + pl.col("f"),
        "urea": 1 + 3 * pl.col("cut"),
        "creatinine": 1 + 2 * pl.col("cut"),
        "ast": 1 + 0.3 * pl.col("f"),
        "crp": 1 + pl.col("f").clip(0, None),
        "sodium": 1 + 0.2 * pl.col("cut"),
    }
    b = b.with_columns(
        **{
            key: centre
            * (1 + between * rng.normal("w")).clip(0.4, None)
            * (1 + within * rng.normal()).clip(0.3, None)
            * effects.get(key, pl.lit(1.0))
            for key, centre, between, within, _ in _MARKERS
        }
    )
    b = b.with_columns(
        hematocrit=pl.col("hemoglobin") * 2.95 * (1 + 0.01 * rng.normal()),
        rbc=pl.col("hemoglobin") / 2.94 * (1 + 0.02 * rng.normal()),
    )
    out_of_band = (
        pl.sum_horizontal(
            ~pl.col("hemoglobin").is_between(14, 18),
            ~pl.col("testosterone").is_between(400, 1000),
            ~pl.col("ferritin").is_between(30, 300),
            pl.col("vitamin_d") < 30,
            pl.col("cortisol") > 23,
            pl.col("creatine_kinase") > 600,
        )
    ).cast(pl.Int32)
    metrics: dict[str, pl.Expr] = {key: pl.col(key).round(dec) for key, _, _, _, dec in _MARKERS}
    metrics["urine_ph"] = pl.col("urine_ph").clip(4.5, 8.0).round(1)
    metrics |= {
        "hematocrit": pl.col("hematocrit").round(1),
        "rbc": pl.col("rbc").round(2),
        "mcv": (pl.col("hematocrit") / pl.col("rbc") * 10).round(1),
        "mch": (pl.col("hemoglobin") / pl.col("rbc") * 10).round(1),
        "mchc": (pl.col("hemoglobin") / pl.col("hematocrit") * 100).round(1),
        "lymphocytes": (
            100 - pl.col("neutrophils") - pl.col("monocytes") - pl.col("eosinophils") - pl.col("basophils")
        ).round(0),
        "total_cholesterol": (pl.col("ldl") + pl.col("hdl") + pl.col("triglycerides") / 5).round(0),
        "free_testosterone": (pl.col("testosterone") * 0.2 * (1 + 0.08 * rng.normal())).round(1),
        "bun": (pl.col("urea") / 2.14).round(1),
        "urine_specific_gravity": (1.012 + 0.003 * rng.normal() + 0.3 * pl.col("cut"))
        .clip(1.002, 1.035)
        .round(3),
        "urine_color_scale": (3 + 30 * pl.col("cut") + 0.7 * rng.normal()).round(0).clip(1, 8),
        "urine_osmolality": (550 + 6000 * pl.col("cut") + 120 * rng.normal()).round(0),
        "bloodwork_status": pl.when(out_of_band == 0)
        .then(3.0)
        .when(out_of_band <= 2)
        .then(2.0)
        .otherwise(1.0),
    }
    return _long(b, metrics)


def _zone_pct(zone: int) -> pl.Expr:
    return (100 * (pl.col("zone") == zone).sum() / pl.len()).round(1).alias(f"hr_zone{zone}_pct")


def _sessions(d: pl.DataFrame, rng: _Noise, step: int) -> pl.DataFrame:
    """Training sessions: a heart-rate sample (`hr_avg`, the mean over the sample window) every
    `step` minutes, and the session summary at its end (duration, RPE, loads, HR max/min, zones,
    calories by Keytel's formula over the samples)."""
    s = d.filter("trained").with_columns(start=_local("day", pl.col("start_min")))
    samples = (
        s.select("external_id", "w", "start", "duration", "rpe", "hrmax", "weight", "age")
        .with_columns(m=pl.int_ranges(0, pl.col("duration").cast(pl.Int64), step))
        .explode("m")
        .with_row_index("rid")
    )
    main = ((pl.col("m") - 15) % 8) < 6  # 6-minute live bouts, 2 minutes' rest between them
    fraction = (
        pl.when(pl.col("m") < 15)
        .then(0.55 + 0.15 * pl.col("m") / 15)
        .when(pl.col("m") >= pl.col("duration") - 10)
        .then(0.62)
        .when(main)
        .then(0.85 + 0.015 * (pl.col("rpe") - 6))
        .otherwise(0.68)
    ) + 0.04 * pl.col("m") / pl.col("duration")  # cardiac drift
    samples = samples.with_columns(
        recorded_at=pl.col("start") + pl.duration(minutes=pl.col("m")),
        hr=(pl.col("hrmax") * fraction + 3 * rng.normal()).round(0).clip(60, 215),
    ).with_columns(
        zone=(pl.col("hr") / pl.col("hrmax") * 10 - 4).floor().clip(1, 5).cast(pl.Int32),
        kcal=(
            step
            * (-55.0969 + 0.6309 * pl.col("hr") + 0.1988 * pl.col("weight") + 0.2017 * pl.col("age"))
            / 4.184
        ).clip(0, None),
    )
    hr_points = samples.select(
        "external_id", "recorded_at", pl.lit("hr_avg").alias("key"), pl.col("hr").alias("value")
    )
    summary = samples.group_by("external_id", "start").agg(
        pl.col("hr").max().alias("hr_max_s"),
        pl.col("hr").min().alias("hr_min"),
        pl.col("kcal").sum().round(0).alias("calories"),
        *(_zone_pct(z) for z in range(1, 6)),
    )
    s = s.join(summary, on=["external_id", "start"]).sort("external_id", "start").with_row_index("srid")
    s = s.with_columns(recorded_at=pl.col("start") + pl.duration(minutes=pl.col("duration")))
    summary_points = _long(
        s,
        {
            "session_duration": pl.col("duration") * 60,
            "rpe": pl.col("rpe"),
            "training_load": pl.col("load"),
            "volume_load": (
                pl.col("weight")
                * (110 + 20 * rng.normal("srid"))
                * pl.col("duration")
                / 90
                * pl.col("rpe")
                / 70
            ).round(0)
            * 10,
            "hr_max": pl.col("hr_max_s") + (4 * rng.uniform("srid")).round(0),
            "hr_min": pl.col("hr_min"),
            "calories": pl.col("calories"),
            **{f"hr_zone{z}_pct": pl.col(f"hr_zone{z}_pct") for z in range(1, 6)},
        },
    )
    return pl.concat([hr_points, summary_points], how="vertical_relaxed")


def _supplements(d: pl.DataFrame, rng: _Noise) -> pl.DataFrame:
    """Evening nutrition and supplement log (daily), with weekly and monthly summaries."""
    e = d.with_columns(recorded_at=_local("day", 21 * 60 + 30))
    in_cut = (pl.col("days_to") <= 7).fill_null(False)
    e = e.with_columns(
        protein=pl.col("weight") * pl.col("ppk") * (1 + 0.08 * rng.normal()) * (1 - 3 * pl.col("cut")),
        energy=pl.col("weight") * 44 * (1 + 0.07 * rng.normal()) * (1 - 6 * pl.col("cut")),
    )
    daily = _long(
        e,
        {
            "creatine": pl.when(pl.col("creatine_user") & ~in_cut)
            .then((5 + 0.2 * rng.normal()).round(1))
            .otherwise(None),
            "protein": pl.col("protein").round(0),
            "protein_per_kg": (pl.col("protein") / pl.col("weight")).round(2),
            "energy_intake": (pl.col("energy") / 10).round(0) * 10,
            "carbohydrate_intake": (pl.col("energy") * 0.5 / 4).round(0),
            "fat_intake": (pl.col("energy") * 0.25 / 9).round(0),
            "hydration": (
                (3.2 - 0.9 * pl.col("season") + 0.5 * pl.col("load_prev") + 0.3 * rng.normal())
                * pl.when(pl.col("cut_water") > 0).then(0.4).otherwise(1.0)
            ).round(1),
            "caffeine": (
                150 + 60 * rng.normal() + 80 * (pl.col("days_to") <= 1).fill_null(False).cast(pl.Float64)
            )
            .clip(0, None)
            .round(0),
            "omega3": pl.when("omega_user").then((2 + 0.2 * rng.normal()).round(1)).otherwise(None),
            "vitamin_d_dose": pl.when("vitd_user")
            .then(pl.when(pl.col("season") > 0).then(2000.0).otherwise(1000.0))
            .otherwise(None),
            "adherence": (88 + 6 * rng.normal() - 10 * (pl.col("f") > 0.4).cast(pl.Float64))
            .clip(0, 100)
            .round(0),
        },
    )
    weekly = _long(
        e.filter(pl.col("dow") == 6),
        {
            "total_supplements": (
                2
                + pl.col("creatine_user").cast(pl.Float64)
                + pl.col("omega_user").cast(pl.Float64)
                + pl.col("vitd_user").cast(pl.Float64)
                + (2 * rng.uniform()).floor()
            ),
            "performance_correlation": (0.35 + 0.15 * pl.col("slow") + 0.1 * rng.normal())
            .clip(-1, 1)
            .round(2),
        },
    )
    monthly = _long(
        e.filter(pl.col("day").dt.day() == 1),
        {"monthly_progress": (2 + 3 * rng.normal() - 20 * pl.col("cut")).round(1)},
    )
    return pl.concat([daily, weekly, monthly])


def _fitness(d: pl.DataFrame, rng: _Noise) -> pl.DataFrame:
    """Monthly test day (the 12th, 10:00): strength 1RMs, jumps, sprints, field tests, symmetry."""
    x = d.filter(pl.col("day").dt.day() == 12).with_columns(
        recorded_at=_local("day", 10 * 60),
        wc=pl.col("weight_class").cast(pl.Float64) - 57,
        form=(1 - pl.col("cut")) * (1 + 0.02 * rng.normal()),
        peak=pl.col("weight") * (13 - 0.02 * (pl.col("weight_class") - 57)) * (1 + 0.05 * pl.col("t")),
    )
    sq = pl.col("strength") * pl.col("form")
    return _long(
        x,
        {
            "squat": (sq / 2.5).round(0) * 2.5,
            "bench": (sq * pl.col("bench_ratio") / 2.5).round(0) * 2.5,
            "deadlift": (sq * pl.col("dl_ratio") / 2.5).round(0) * 2.5,
            "vo2max": (pl.col("vo2_base") * (1 + 0.04 * pl.col("t")) + rng.normal()).round(1),
            "vertical_jump": (55 - 0.1 * pl.col("wc") + 4 * pl.col("t") + 2 * rng.normal()).round(0),
            "standing_long_jump": (240 - 0.4 * pl.col("wc") + 8 * pl.col("t") + 6 * rng.normal()).round(0),
            "sprint_10m": (1.75 + 0.002 * pl.col("wc") + 0.03 * rng.normal()).round(2),
            "sprint_30m": (4.3 + 0.006 * pl.col("wc") + 0.06 * rng.normal()).round(2),
            "pull_ups": (22 - 0.12 * pl.col("wc") + 2 * rng.normal()).round(0).clip(1, None),
            "push_ups": (55 - 0.15 * pl.col("wc") + 4 * rng.normal()).round(0),
            "sit_ups": (50 + 3 * rng.normal()).round(0),
            "grip_strength_left": (45 + 0.25 * pl.col("wc") + 2 * rng.normal()).round(1),
            "grip_strength_right": (47 + 0.25 * pl.col("wc") + 2 * rng.normal()).round(1),
            "yo_yo_ir1": ((1600 - 4 * pl.col("wc") + 100 * pl.col("t") + 120 * rng.normal()) / 40).round(0)
            * 40,
            "beep_test_level": (12 - 0.03 * pl.col("wc") + 0.5 * rng.normal()).round(1),
            "flexibility_sit_reach": (10 + 5 * rng.normal("w") + rng.normal()).round(0),
            "anaerobic_peak_power": pl.col("peak").round(0),
            "anaerobic_mean_power": (pl.col("peak") * (0.75 + 0.02 * rng.normal())).round(0),
            "anaerobic_peak_power_rel": (pl.col("peak") / pl.col("weight")).round(1),
            "fatigue_index": (35 + 4 * rng.normal()).round(1),
            "agility_t_test": (9.5 + 0.01 * pl.col("wc") + 0.2 * rng.normal()).round(2),
            "blood_lactate": (11 + 1.5 * rng.normal()).round(1),
            "symmetry_upper": (92 + 2 * rng.normal()).clip(0, 100).round(1),
            "symmetry_lower": (91 + 2 * rng.normal()).clip(0, 100).round(1),
            "activation_core": (75 + 5 * rng.normal()).clip(0, 100).round(0),
            "activation_legs": (78 + 5 * rng.normal()).clip(0, 100).round(0),
            "activation_arms": (74 + 5 * rng.normal()).clip(0, 100).round(0),
        },
    )


def _overview(d: pl.DataFrame, rng: _Noise) -> pl.DataFrame:
    """Weekly indices (Thursday evening) and the monthly body radar (the 20th)."""
    o = d.filter(pl.col("dow") == 4).with_columns(
        recorded_at=_local("day", 20 * 60),
        rel=pl.col("rel_squat") * (1 + 0.07 * pl.col("t")) * (1 - pl.col("cut")),
        bf=pl.col("bf_base") + 0.8 * pl.col("season") - 30 * pl.col("cut") - pl.col("t"),
    )
    o = o.with_columns(
        msi=(50 + 60 * (pl.col("rel") - 1.7) + 2 * rng.normal()).clip(0, 100),
        mes=(60 + 0.6 * (pl.col("vo2_base") - 50) + 8 * pl.col("t") + 3 * rng.normal()).clip(0, 100),
        frr=(72 - 15 * pl.col("f") - 200 * pl.col("cut") + 3 * rng.normal()).clip(0, 100),
    )
    o = o.with_columns(acs=(0.5 * pl.col("mes") + 0.5 * pl.col("frr") + 2 * rng.normal()).clip(0, 100))
    weekly = _long(
        o,
        {
            "msi": pl.col("msi").round(1),
            "mes": pl.col("mes").round(1),
            "api": (600 + 150 * (pl.col("rel") - 2) + 100 * pl.col("t") + 25 * rng.normal()).round(0),
            "frr": pl.col("frr").round(1),
            "acs": pl.col("acs").round(1),
            "bos": (10 - 0.35 * (pl.col("bf") - 8) + 0.3 * rng.normal()).clip(0, 10).round(1),
            "overall_score": (
                (pl.col("msi") + pl.col("mes") + pl.col("frr") + pl.col("acs")) / 4 + 2 * rng.normal()
            )
            .clip(0, 100)
            .round(1),
        },
    )
    r = d.filter(pl.col("day").dt.day() == 20).with_columns(recorded_at=_local("day", 20 * 60 + 30))
    radar = _long(
        r,
        {
            f"radar_{part}": (base + 6 * rng.normal("w") + 10 * pl.col("t") + 3 * rng.normal())
            .clip(0, 100)
            .round(0)
            for part, base in (
                ("back", 68),
                ("chest", 64),
                ("legs", 72),
                ("arms", 66),
                ("shoulders", 65),
                ("core", 70),
            )
        },
    )
    return pl.concat([weekly, radar])


def generate(spec: DemoSpec, *, end: date, now: datetime | None = None) -> Federation:
    """The demo federation: `spec.days` days ending on `end` (local), nothing later than `now`."""
    if not 1 <= spec.wrestlers <= MAX_WRESTLERS:
        raise ValueError(f"wrestlers must be between 1 and {MAX_WRESTLERS}, not {spec.wrestlers}")
    if spec.days < 1 or spec.hr_step_minutes < 1:
        raise ValueError("days and hr_step_minutes must be at least 1")
    rnd = random.Random(spec.seed)  # noqa: S311 - reproducible demo data, not secrets
    rng = _Noise(spec.seed)
    start = end - timedelta(days=spec.days - 1)
    params = _wrestlers(spec, rnd)
    comps = _competitions(start, end, rnd)
    d = _daily(params, comps, start, end, rng)
    points = pl.concat(
        [
            _morning(d, rng),
            _inbody(d, rng),
            _bloodwork(d, rng),
            _sessions(d, rng, spec.hr_step_minutes),
            _supplements(d, rng),
            _fitness(d, rng),
            _overview(d, rng),
            _hydration(d, rng),  # last: the other generators' draws stay as they were
        ],
        how="vertical_relaxed",
    ).with_columns(pl.col("value").cast(pl.Float64), pl.col("recorded_at").dt.cast_time_unit("us"))
    points = points.drop_nulls()
    if now is not None:
        points = points.filter(pl.col("recorded_at") <= now)
    wrestlers = params.select("external_id", "team", "name_fa", "name_en", "weight_class", "status")
    return Federation(teams=TEAMS, wrestlers=wrestlers, points=points, competitions=comps)


def to_points(points: pl.DataFrame, wrestler_ids: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """Generated points → the write path's frame (ingest.writer.POINT_SCHEMA), ids resolved and every
    value clamped into the catalog's [min_value, max_value].

    wrestler_ids: external_id, wrestler_id; catalog: db.catalog.metrics_frame (metric_id, key,
    domain, min_value, max_value)."""
    keys = set(points.get_column("key").unique().to_list())
    missing = sorted(keys - set(catalog.get_column("key").to_list()))
    if missing:
        raise ValueError(f"demo metrics missing from metric_definitions: {', '.join(missing)}")
    cat = catalog.select(
        "key",
        "metric_id",
        "domain",
        pl.col("min_value").fill_null(float("-inf")),
        pl.col("max_value").fill_null(float("inf")),
    )
    return (
        points.join(cat, on="key")
        .join(wrestler_ids, on="external_id")
        .select(
            pl.col("wrestler_id").cast(pl.String),
            pl.col("metric_id").cast(pl.Int32),
            "domain",
            pl.col("recorded_at").dt.convert_time_zone("UTC"),
            pl.col("value").clip(pl.col("min_value"), pl.col("max_value")),
            pl.lit(SOURCE).alias("source"),
        )
    )
