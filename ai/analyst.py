"""The built-in analyst: chart insights, advanced insights and a training program from the numbers alone.

It answers a coach's "what does this chart say?" deterministically, with no network and no model, so
that the AI endpoints still answer when no provider is configured. Every statement rests on named data
points (the `evidence` of each answer), nothing is diagnosed, too little data is said plainly, and the
text is Persian for `fa-IR` and English for any other locale.

Each generator returns `(answer, facts)`. `facts` is a JSON-able dict of every number computed (all
rounded to `DECIMALS`, exactly as the text prints them); when a language model writes the answer
instead, it is given those facts as the only numbers it may cite, and `cited_numbers(facts)` is what
its text is checked against.

No I/O here and no import from the project: plain dataclasses in, plain dicts out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import polars as pl

from query.weight import Flag

# ---------------------------------------------------------------------------------------------------
# Rules. Each is a named constant so that the answers can be explained (and tested) against them.
# ---------------------------------------------------------------------------------------------------

# Two points always lie on a straight line, so their "trend" is just their difference; three is the
# least number of points that can disagree with a line.
MIN_TREND_POINTS = 3
# A fitted change over the whole window under 1% of the mean (under 0.9 kg on 86 kg) is within
# day-to-day measurement noise for body metrics; calling it a trend would overstate the data.
FLAT_SHARE_OF_MEAN = 0.01
# With a mean of 0 the share above is 0 too: then only floating-point noise counts as flat.
FLAT_ABS_WHEN_MEAN_ZERO = 1e-9
# Iglewicz & Hoaglin's modified z-score, 0.6745·(x − median)/MAD, an outlier beyond 3.5. The median
# and MAD are not pulled by the very outliers looked for (a mean and standard deviation are), and
# 0.6745 scales the MAD to a standard deviation for normal data.
ROBUST_Z_SCALE = 0.6745
ROBUST_Z_LIMIT = 3.5
# With fewer reference values (history + the series) the median and MAD are too unstable to call any
# value unusual; then no anomaly detection is done and the facts say why.
MIN_REFERENCE_VALUES = 8
# Everything is rounded to 2 decimals once, in the facts, and printed from the rounded number, so
# that every number in a text is found among the facts (the check a model's text goes through).
DECIMALS = 2
# Advanced confidence grows with the number of non-null values: 0.3 with a minimal series, 1.0 from
# 30 values (a month of daily data) on. Under MIN_TREND_POINTS no trend can be read at all, so it is
# 0.1 per value (0, 0.1, 0.2), at most the floor.
CONFIDENCE_FLOOR = 0.3
CONFIDENCE_FULL_AT = 30
CONFIDENCE_PER_POINT_UNDER_MIN = 0.1
# A sentence names at most this many points (the evidence lists all of them): a long list of dates
# is unreadable and adds nothing the first few do not say.
MAX_LISTED = 5
# The answer models (ai/answers.py) cap lists at 20 items, a summary at 2000 characters, a
# recommendation at 1000 and a title at 255; labels may be 255 characters long, so the analyst clips
# to these limits rather than produce an answer that fails validation. Texts are cut at a space, so
# that no number is cut in two (a cut "70.25" would cite 70.2).
MAX_ITEMS = 20
MAX_SUMMARY_CHARS = 2000
MAX_TEXT_CHARS = 1000
MAX_TITLE_CHARS = 255

# A threshold's direction comes from its label: one that names an upper bound ("max", "upper limit",
# "حداکثر") is crossed by values above it, one that names a lower bound ("min", "حداقل") by values
# below it. Words are matched at the start of a word, case-insensitively, so "maximum" and "Highest"
# count but "below" or "vo2max" do not. A label naming both or neither says nothing about which side
# is wrong, so only crossing it upwards is reported (rule "above_threshold:<label>"): a chart's
# threshold line is most often a limit or a target to reach, and reporting both sides of it would
# flag every point of the chart.
UPPER_WORDS = ("max", "upper", "high", "ceiling", "حداکثر", "بیشینه")
LOWER_WORDS = ("min", "lower", "low", "floor", "حداقل", "کمینه")

# Training program. Readiness, fatigue and sleep are 0-100 scores; 60 is where the project's score
# grades turn from "warning" to "bad" (query/scores.py), so the same line marks a day as not fit for
# a full session. Fatigue is the inverse scale (higher = more tired), hence "over".
READINESS_LOW = 60.0
FATIGUE_HIGH = 60.0
SLEEP_LOW = 60.0
# An RPE of 8 or more is "very hard" on the 1-10 session scale; a mean that high over the last
# sessions means the athlete has had no easy day recently.
RPE_HIGH_MEAN = 8.0
# The latest sessions by date (the input may come in any order): about a week of training reflects the
# current load, older sessions would dilute it.
RPE_RECENT_SESSIONS = 5

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_UPPER_RE = re.compile(r"(?<!\w)(?:" + "|".join(UPPER_WORDS) + ")", re.IGNORECASE)
_LOWER_RE = re.compile(r"(?<!\w)(?:" + "|".join(LOWER_WORDS) + ")", re.IGNORECASE)

Loc = Literal["fa", "en"]
Direction = Literal["up", "down", "flat", "unknown"]
Priority = Literal["high", "medium", "low"]
_PRIORITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}


# ---------------------------------------------------------------------------------------------------
# Inputs and the per-series facts
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesIn:
    name: str  # series name as the chart shows it (e.g. "weight")
    points: list[tuple[str, float | None]]  # (label, value); label is usually a YYYY-MM-DD date
    low: float | None = None  # the metric's valid/normal range from the catalog, if known
    high: float | None = None
    # the athlete's own stored daily values (older days), the reference for anomalies
    history: list[tuple[str, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Threshold:
    label: str
    value: float


@dataclass(frozen=True)
class ChartIn:
    chart_id: str
    series: SeriesIn  # chart-insight has one series: labels + values


@dataclass(frozen=True)
class AdvancedIn:
    section: str
    chart_id: str
    series: list[SeriesIn]
    baseline: tuple[float, str] | None = None  # (value, label)
    thresholds: list[Threshold] = field(default_factory=list)


@dataclass(frozen=True)
class TrainingIn:
    date: str  # the program's date, as given
    goal: str
    weight_class: float | None  # kg
    weight: tuple[str, float] | None  # latest body weight (date, kg)
    readiness: tuple[str, float] | None  # latest readiness score 0-100 (date, value)
    fatigue: tuple[str, float] | None  # latest fatigue level 0-100 (higher = more tired)
    sleep: tuple[str, float] | None  # latest sleep quality 0-100
    rpe: list[tuple[str, float]]  # recent session RPE values (date, 1-10), any order
    weight_status: WeightFacts | None = None  # today's check against the plan and the floor
    load: LoadFacts | None = None  # today's training-load figures (descriptive)


@dataclass(frozen=True)
class WeightFacts:
    """query.weight_status's verdict of the day (its latest weight's day) and that day's flags."""

    date: str
    status: str
    weight_kg: float | None
    plan_kg: float | None
    floor_kg: float | None
    rule_set: str | None
    flags: list[Flag]  # query.weight's flags of that day, and the latest ECW/TBW flag


@dataclass(frozen=True)
class LoadFacts:
    """query.training_load's figures of a day, where their coverage suffices (else None)."""

    date: str
    acute: float | None  # mean daily load of the last 7 days (AU)
    chronic: float | None  # of the last 28 days (coupled)
    ratio: float | None
    weekly: float | None
    monotony: float | None
    strain: float | None


@dataclass(frozen=True)
class SeriesFacts:
    """One series' numbers, rounded to DECIMALS (as printed). Labels are the chart's, verbatim."""

    metric: str
    n: int  # non-null points
    first: tuple[str, float] | None
    last: tuple[str, float] | None
    change: float | None  # last - first
    change_pct: float | None  # 100*(last-first)/|first|, None if first == 0
    slope_per_day: float | None  # least-squares slope per day (dates) or per step (categories); None if n < 2
    direction: str  # "up" | "down" | "flat" | "unknown"
    minimum: tuple[str, float] | None
    maximum: tuple[str, float] | None
    mean: float | None
    out_of_range: list[dict[str, Any]]  # evidence dicts: below_range, above_range, *_threshold:<label>
    anomalies: list[dict[str, Any]]  # evidence dicts, rule "robust_z=<z>"


@dataclass(frozen=True)
class _Hit:
    """A point beyond a bound: the catalog range or a threshold."""

    rule: str  # below_range | above_range | below_threshold:<label> | above_threshold:<label>
    label: str
    value: float
    bound: float
    bound_label: str | None  # the threshold's label; None for the catalog range


@dataclass(frozen=True)
class _Anomaly:
    label: str
    value: float
    z: float


@dataclass(frozen=True)
class _Analysis:
    """Everything computed for one series; SeriesFacts is its public part."""

    facts: SeriesFacts
    time: bool  # labels are dates (else categories, in chart order)
    span: int | None  # days (or steps) between the first and the last point
    fitted_change: float | None  # slope × span: the change along the fitted line over the window
    low: float | None
    high: float | None
    thresholds: list[Threshold]
    hits: list[_Hit]
    anomalies: list[_Anomaly]
    anomaly_check: dict[str, Any]
    values: list[tuple[str, float]]  # the non-null points in analysis order, rounded
    raw_last: float | None  # the last value unrounded, for the baseline difference


def _r(x: float) -> float:
    # "+ 0.0" turns -0.0 into 0.0, which would otherwise print as "-0"
    return round(float(x), DECIMALS) + 0.0


def _fmt(x: float) -> str:
    """A number as the text prints it: at most DECIMALS decimals, no trailing zeros, no exponent."""
    s = f"{_r(x):.{DECIMALS}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def _signed(x: float) -> str:
    return ("+" if _r(x) > 0 else "") + _fmt(x)


def _finite(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _parse_day(label: str) -> date | None:
    """A label's day: a YYYY-MM-DD date, or an ISO datetime whose first 10 characters are one."""
    s = label.strip()
    if not _DATE_RE.match(s):
        return None
    try:
        day = date.fromisoformat(s[:10])
        if len(s) > 10:
            datetime.fromisoformat(s)
    except ValueError:
        return None
    return day


def _threshold_side(label: str) -> Literal["upper", "lower", "cross"]:
    upper, lower = bool(_UPPER_RE.search(label)), bool(_LOWER_RE.search(label))
    if upper and not lower:
        return "upper"
    if lower and not upper:
        return "lower"
    return "cross"


def _num(x: object) -> float:
    if not _finite(x):
        raise ValueError(f"not a finite number: {x!r}")
    return float(x)  # type: ignore[arg-type]


def _analyse(series: SeriesIn, thresholds: Sequence[Threshold] = ()) -> _Analysis:
    labels = [label for label, _ in series.points]
    named = [label for label in labels if label.strip()]
    time = bool(named) and all(_parse_day(label) is not None for label in named)

    rows: list[tuple[str, float, float, int]] = []  # label, x, value, position in the chart
    days = {label: _parse_day(label) for label in named} if time else {}
    first_day = min((d for d in days.values() if d is not None), default=None)
    for pos, (label, value) in enumerate(series.points):
        if value is None or not _finite(value):
            continue  # nulls (and NaN/inf, which no chart can draw) are skipped
        if time:
            day = days.get(label)
            if day is None or first_day is None:
                continue  # an unlabelled point cannot be placed on the time axis
            rows.append((label, float(day.toordinal() - first_day.toordinal()), float(value), pos))
        else:
            rows.append((label, float(pos), float(value), pos))

    df = pl.DataFrame(
        rows, schema={"label": pl.String, "x": pl.Float64, "value": pl.Float64, "pos": pl.Int64}, orient="row"
    )
    # Dates are sorted (same-day ISO datetimes sort by their text); categories keep the chart's order.
    df = df.sort(["x", "label", "pos"]) if time else df.sort("pos")
    n = df.height
    low = _r(series.low) if series.low is not None and _finite(series.low) else None
    high = _r(series.high) if series.high is not None and _finite(series.high) else None
    thr = [Threshold(t.label, _r(t.value)) for t in thresholds if _finite(t.value)]

    first: tuple[str, float] | None = None
    last: tuple[str, float] | None = None
    minimum: tuple[str, float] | None = None
    maximum: tuple[str, float] | None = None
    change: float | None = None
    change_pct: float | None = None
    slope: float | None = None
    mean: float | None = None
    fitted: float | None = None
    raw_last: float | None = None
    span: int | None = None
    direction: Direction = "unknown"
    if n:
        v = pl.col("value")
        x = pl.col("x")
        stats = df.select(
            mean=v.mean(),
            x0=x.min(),
            x1=x.max(),
            sxy=((x - x.mean()) * (v - v.mean())).sum(),
            sxx=((x - x.mean()) ** 2).sum(),
        ).row(0, named=True)
        f_row = df.row(0, named=True)
        l_row = df.tail(1).row(0, named=True)
        # ties: the first in analysis order (the earliest day, or the first category)
        min_row = df.filter(v == v.min()).row(0, named=True)
        max_row = df.filter(v == v.max()).row(0, named=True)
        first = (f_row["label"], _r(f_row["value"]))
        last = (l_row["label"], _r(l_row["value"]))
        minimum = (min_row["label"], _r(min_row["value"]))
        maximum = (max_row["label"], _r(max_row["value"]))
        raw_last = float(l_row["value"])
        raw_change = raw_last - f_row["value"]
        change = _r(raw_change)
        change_pct = _r(100.0 * raw_change / abs(f_row["value"])) if f_row["value"] != 0 else None
        raw_mean = _num(stats["mean"])
        mean = _r(raw_mean)
        span = round(_num(stats["x1"]) - _num(stats["x0"]))
        sxx = _num(stats["sxx"])
        if n >= 2 and sxx > 0:
            raw_slope = _num(stats["sxy"]) / sxx
            slope = _r(raw_slope)
            raw_fitted = raw_slope * span
            fitted = _r(raw_fitted)
            if time and n >= MIN_TREND_POINTS:
                limit = FLAT_SHARE_OF_MEAN * abs(raw_mean) if raw_mean != 0 else FLAT_ABS_WHEN_MEAN_ZERO
                direction = "flat" if abs(raw_fitted) < limit else "up" if raw_slope > 0 else "down"

    values = [(str(r["label"]), _r(r["value"])) for r in df.iter_rows(named=True)]
    hits = _hits(df, series.low, series.high, thresholds)
    anomalies, check = _anomalies(df, series, time)

    def ev_of(h: _Hit) -> dict[str, Any]:
        return _point_evidence(series.name, time, h.label, h.value, h.rule)

    facts = SeriesFacts(
        metric=series.name,
        n=n,
        first=first,
        last=last,
        change=change,
        change_pct=change_pct,
        slope_per_day=slope,
        direction=direction,
        minimum=minimum,
        maximum=maximum,
        mean=mean,
        out_of_range=[ev_of(h) for h in hits],
        anomalies=[
            _point_evidence(series.name, time, a.label, a.value, f"robust_z={_fmt(a.z)}") for a in anomalies
        ],
    )
    return _Analysis(
        facts=facts,
        time=time,
        span=span,
        fitted_change=fitted,
        low=low,
        high=high,
        thresholds=thr,
        hits=hits,
        anomalies=anomalies,
        anomaly_check=check,
        values=values,
        raw_last=raw_last,
    )


def _hits(
    df: pl.DataFrame, low: float | None, high: float | None, thresholds: Sequence[Threshold]
) -> list[_Hit]:
    """Points beyond the catalog range, then beyond each threshold, each list in analysis order.
    Compared unrounded; reported rounded."""
    v = pl.col("value")
    hits: list[_Hit] = []

    def add(cond: pl.Expr, rule: str, bound: float, bound_label: str | None) -> None:
        for row in df.filter(cond).iter_rows(named=True):
            hits.append(_Hit(rule, str(row["label"]), _r(row["value"]), _r(bound), bound_label))

    if low is not None and _finite(low):
        add(v < low, "below_range", low, None)
    if high is not None and _finite(high):
        add(v > high, "above_range", high, None)
    for t in thresholds:
        if not _finite(t.value):
            continue
        if _threshold_side(t.label) == "lower":
            add(v < t.value, f"below_threshold:{t.label}", t.value, t.label)
        else:
            add(v > t.value, f"above_threshold:{t.label}", t.value, t.label)
    return hits


def _anomalies(df: pl.DataFrame, series: SeriesIn, time: bool) -> tuple[list[_Anomaly], dict[str, Any]]:
    """Robust z of each of the series' points against the athlete's history plus the series itself."""
    if not time:
        # A categorical chart's points are different quantities (a radar's axes): one median over
        # them means nothing, so no anomaly detection.
        return [], {"done": False, "reason": "categorical"}
    own_days = {_parse_day(label) for label in df["label"].to_list()}
    # The stored history may overlap the chart's own days; a day counted twice would weigh double.
    history = [
        float(v)
        for label, v in series.history
        if _finite(v) and (_parse_day(label) is None or _parse_day(label) not in own_days)
    ]
    reference = pl.Series("reference", history + df["value"].to_list(), dtype=pl.Float64)
    check: dict[str, Any] = {
        "done": False,
        "reference_n": reference.len(),
        "history_n": len(history),
        "needed": MIN_REFERENCE_VALUES,
    }
    if reference.len() < MIN_REFERENCE_VALUES:
        return [], {**check, "reason": "too_few_reference_values"}
    median = _num(reference.median())
    mad = _num((reference - median).abs().median())
    check |= {"median": _r(median), "mad": _r(mad)}
    if mad <= 0:
        # More than half of the reference values are equal: every other value would be "infinitely"
        # unusual, which says nothing.
        return [], {**check, "reason": "mad_zero"}
    scored = df.with_columns(z=ROBUST_Z_SCALE * (pl.col("value") - median) / mad).filter(
        pl.col("z").abs() > ROBUST_Z_LIMIT
    )
    found = [_Anomaly(str(r["label"]), _r(r["value"]), _r(r["z"])) for r in scored.iter_rows(named=True)]
    check |= {
        "done": True,
        "reason": None,
        "z": [{"label": a.label, "value": a.value, "z": a.z} for a in found],
    }
    return found, check


def series_facts(series: SeriesIn, thresholds: Sequence[Threshold] = ()) -> SeriesFacts:
    """The numbers of one series (see SeriesFacts); thresholds add to the catalog range's checks."""
    return _analyse(series, thresholds).facts


# ---------------------------------------------------------------------------------------------------
# Evidence and facts
# ---------------------------------------------------------------------------------------------------


def _evidence(metric: str, day: str | None, value: float, rule: str) -> dict[str, Any]:
    return {"metric": metric, "date": day, "value": float(value), "rule": rule}


def _point_evidence(name: str, time: bool, label: str, value: float, rule: str) -> dict[str, Any]:
    # A category is no date: it goes with the metric ("skills: takedown") and the date is None.
    return _evidence(name, label, value, rule) if time else _evidence(f"{name}: {label}", None, value, rule)


def _pair(p: tuple[str, float] | None) -> dict[str, Any] | None:
    return None if p is None else {"label": p[0], "value": p[1]}


def _series_dict(an: _Analysis) -> dict[str, Any]:
    f = an.facts
    return {
        "metric": f.metric,
        "kind": "time" if an.time else "categorical",
        "n": f.n,
        "first": _pair(f.first),
        "last": _pair(f.last),
        "change": f.change,
        "change_pct": f.change_pct,
        "slope_per_day": f.slope_per_day,
        "slope_unit": "day" if an.time else "step",
        "span": an.span,
        "fitted_change": an.fitted_change,
        "direction": f.direction,
        "min": _pair(f.minimum),
        "max": _pair(f.maximum),
        "mean": f.mean,
        "low": an.low,
        "high": an.high,
        "thresholds": [{"label": t.label, "value": t.value} for t in an.thresholds],
        "out_of_range": f.out_of_range,
        "n_out_of_range": len(f.out_of_range),
        "anomalies": f.anomalies,
        "n_anomalies": len(f.anomalies),
        "anomaly_check": an.anomaly_check,
    }


def _series_evidence(an: _Analysis) -> list[dict[str, Any]]:
    f = an.facts
    name = f.metric
    out: list[dict[str, Any]] = []
    if f.n < MIN_TREND_POINTS:
        out.append(_evidence(name, None, f.n, f"too_few_points:n<{MIN_TREND_POINTS}"))
    for rule, p in (("first", f.first), ("last", f.last), ("minimum", f.minimum), ("maximum", f.maximum)):
        if p is not None:
            out.append(_point_evidence(name, an.time, p[0], p[1], rule))
    if f.mean is not None and f.n >= MIN_TREND_POINTS:
        out.append(_evidence(name, None, f.mean, "mean"))
    if an.time and f.direction in ("up", "down", "flat") and f.slope_per_day is not None:
        out.append(_evidence(name, None, f.slope_per_day, f"trend:{f.direction}:least_squares_slope_per_day"))
        if an.fitted_change is not None:
            out.append(_evidence(name, None, an.fitted_change, f"fitted_change_over_{an.span}_days"))
    return out + f.out_of_range + f.anomalies


def cited_numbers(facts: dict[str, Any]) -> set[float]:
    """Every number in the facts, recursively (dict values, list items, date-value pairs)."""
    found: set[float] = set()

    def walk(v: object) -> None:
        if isinstance(v, bool):
            return
        if isinstance(v, int | float):
            if math.isfinite(v):
                found.add(float(v))
        elif isinstance(v, dict):
            for item in v.values():
                walk(item)
        elif isinstance(v, list | tuple | set | frozenset):
            for item in v:
                walk(item)

    walk(facts)
    return found


# ---------------------------------------------------------------------------------------------------
# Text. Short sentences, Western digits in both languages, numbers only through _fmt/_signed.
# ---------------------------------------------------------------------------------------------------

_TEXT: dict[str, dict[Loc, str]] = {
    "no_data": {"en": "{name}: no values to analyse.", "fa": "{name}: مقداری برای تحلیل نیست."},
    "too_few": {
        "en": "{name}: too few points to see a trend (n = {n}).",
        "fa": "{name}: برای دیدن روند، داده کافی نیست (فقط {n} مقدار).",
    },
    "head_time": {
        "en": "{name}: {n} values from {d0} to {d1}, from {v0} to {v1} (change {chg}{pct}). Trend: {dir}.",
        "fa": "{name}: {n} مقدار از {d0} تا {d1}، از {v0} به {v1} (تغییر {chg}{pct}). روند: {dir}.",
    },
    "pct": {"en": ", {pct}%", "fa": "، {pct}٪"},
    "trend_slope": {
        "en": "The fitted line changes by about {slope} per day over {span} days.",
        "fa": "شیب خط برازش حدود {slope} در روز است (در {span} روز).",
    },
    "trend_fitted": {
        "en": "The fitted line changes by {fitted} over {span} days.",
        "fa": "خط برازش در {span} روز {fitted} تغییر می‌کند.",
    },
    "flat": {
        "en": "No clear trend: the fitted line changes by only {fitted} over {span} days (mean {mean}).",
        "fa": "روند مشخصی نیست: خط برازش در {span} روز فقط {fitted} تغییر می‌کند (میانگین {mean}).",
    },
    "same_day": {
        "en": "All values fall on one day, so there is no trend over time.",
        "fa": "همه‌ی مقادیر در یک روز ثبت شده‌اند؛ روند زمانی ندارد.",
    },
    "range_time": {
        "en": "Lowest {vmin} on {dmin}, highest {vmax} on {dmax}; mean {mean}.",
        "fa": "کمترین {vmin} در {dmin}، بیشترین {vmax} در {dmax}؛ میانگین {mean}.",
    },
    "latest": {"en": "Latest value: {v} on {d}.", "fa": "آخرین مقدار: {v} در {d}."},
    "values": {"en": "Values: {items}.", "fa": "مقادیر: {items}."},
    "head_cat": {"en": "{name}: {n} categories, mean {mean}.", "fa": "{name}: {n} دسته، میانگین {mean}."},
    "cat_max": {"en": "The highest category is {label} ({v}).", "fa": "بالاترین دسته {label} است ({v})."},
    "cat_min": {"en": "The lowest category is {label} ({v}).", "fa": "پایین‌ترین دسته {label} است ({v})."},
    "below_range": {
        "en": "{name}: below the normal minimum {bound} — {items}.",
        "fa": "{name}: کمتر از حداقل محدوده‌ی معمول ({bound}) — {items}.",
    },
    "above_range": {
        "en": "{name}: above the normal maximum {bound} — {items}.",
        "fa": "{name}: بیشتر از حداکثر محدوده‌ی معمول ({bound}) — {items}.",
    },
    "below_threshold": {
        "en": "{name}: below the threshold “{label}” ({bound}) — {items}.",
        "fa": "{name}: پایین‌تر از آستانه‌ی «{label}» ({bound}) — {items}.",
    },
    "above_threshold": {
        "en": "{name}: above the threshold “{label}” ({bound}) — {items}.",
        "fa": "{name}: بالاتر از آستانه‌ی «{label}» ({bound}) — {items}.",
    },
    "anomaly": {
        "en": "{name}: far from the athlete's usual values — {items}.",
        "fa": "{name}: فاصله‌ی زیاد با مقادیر معمول ورزشکار — {items}.",
    },
    "anomaly_item": {"en": "{d} ({v}, robust z {z})", "fa": "{d} ({v}، z مقاوم {z})"},
    "anomaly_label": {"en": "{name}: robust z {z}", "fa": "{name}: z مقاوم {z}"},
    "rec_range": {
        "en": "Review the {name} values on {items} with the staff.",
        "fa": "مقادیر {name} در {items} را با کادر فنی بررسی کنید.",
    },
    "rec_anomaly": {
        "en": "Check the {name} measurement and its context on {items}.",
        "fa": "اندازه‌گیری {name} و شرایط آن در {items} را بررسی کنید.",
    },
    "rec_trend": {
        "en": "Keep monitoring {name}: it is trending {dir}.",
        "fa": "پایش {name} را ادامه دهید؛ روند آن {dir} است.",
    },
    "rec_flat": {
        "en": "{name} is steady: keep the usual measurement routine.",
        "fa": "{name} ثابت مانده است؛ اندازه‌گیری را طبق روال ادامه دهید.",
    },
    "rec_more": {
        "en": "Record more {name} measurements so that a trend can be read.",
        "fa": "برای دیدن روند، اندازه‌گیری‌های بیشتری از {name} ثبت کنید.",
    },
    "rec_same_day": {
        "en": "Record {name} on different days so that a trend over time can be read.",
        "fa": "{name} را در روزهای مختلف ثبت کنید تا روند زمانی دیده شود.",
    },
    "rec_cat": {
        "en": "In the next review, look at {label}, the lowest category ({v}).",
        "fa": "در بررسی بعدی به {label}، کمترین دسته ({v})، توجه کنید.",
    },
    "baseline_time": {
        "en": "{name}: latest {v} ({d}) against {blabel} {b}: {diff}{pct}.",
        "fa": "{name}: آخرین مقدار {v} ({d}) در برابر {blabel} {b}: {diff}{pct}.",
    },
    "baseline_cat": {
        "en": "{name}: {label} {v} against {blabel} {b}: {diff}{pct}.",
        "fa": "{name}: {label} {v} در برابر {blabel} {b}: {diff}{pct}.",
    },
    "baseline_pct": {"en": " ({pct}%)", "fa": " ({pct}٪)"},
    "baseline_word": {"en": "the baseline", "fa": "مبنا"},
    "adv_summary": {
        "en": "{k} series, {total} values in all: {parts}.",
        "fa": "{k} سری، در مجموع {total} مقدار: {parts}.",
    },
    "adv_flags": {"en": " Out of range: {o}; anomalies: {a}.", "fa": " خارج از محدوده: {o}؛ ناهنجاری: {a}."},
    "adv_none": {"en": "No values to analyse.", "fa": "مقداری برای تحلیل نیست."},
}
_DIRECTION_WORD: dict[str, dict[Loc, str]] = {
    "up": {"en": "up", "fa": "افزایشی"},
    "down": {"en": "down", "fa": "کاهشی"},
    "flat": {"en": "flat", "fa": "ثابت"},
    "unknown": {"en": "no trend over time", "fa": "بدون روند زمانی"},
}
_STATE_PHRASE: dict[str, dict[Loc, str]] = {
    "up": {"en": "trending up", "fa": "روند افزایشی"},
    "down": {"en": "trending down", "fa": "روند کاهشی"},
    "flat": {"en": "steady", "fa": "ثابت"},
    "unknown": {"en": "no trend over time", "fa": "بدون روند زمانی"},
    "few": {"en": "too few points to see a trend", "fa": "برای دیدن روند کافی نیست"},
    "none": {"en": "no values", "fa": "بدون مقدار"},
    "categorical": {"en": "categories compared", "fa": "مقایسه‌ی دسته‌ها"},
}
_SEP: dict[Loc, str] = {"en": ", ", "fa": "، "}
_PART_SEP: dict[Loc, str] = {"en": "; ", "fa": "؛ "}


def _loc(locale: str) -> Loc:
    return "fa" if locale == "fa-IR" else "en"


def _t(loc: Loc, key: str, **kw: object) -> str:
    return _TEXT[key][loc].format(**kw)


def _listing(items: Sequence[str], loc: Loc) -> str:
    shown = _SEP[loc].join(items[:MAX_LISTED])
    return shown + (" …" if len(items) > MAX_LISTED else "")


def _clip(text: str, limit: int) -> str:
    """The text within `limit` characters, cut at a space (never inside a number) and marked "…"."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return (text[:cut] if cut > 0 else "") + "…"


def _clip_all(texts: Iterable[str]) -> list[str]:
    return [_clip(t, MAX_TEXT_CHARS) for t in texts][:MAX_ITEMS]


def _rec(text: str, priority: Priority) -> dict[str, str]:
    return {"text": _clip(text, MAX_TEXT_CHARS), "priority": priority}


def _sorted_recs(recs: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """By priority (stable), and the first MAX_ITEMS: the least urgent are the ones left out."""
    return sorted(recs, key=lambda r: _PRIORITY_ORDER[r["priority"]])[:MAX_ITEMS]


def _fits(groups: list[list[str]]) -> bool:
    return sum(len(g) for g in groups) <= MAX_ITEMS


def _round_robin(groups: list[list[str]]) -> list[str]:
    """At most MAX_ITEMS lines: all of them in order when they fit, else each group's first line, then
    each group's second, and so on, so that every series keeps its most important lines."""
    if _fits(groups):
        return [line for g in groups for line in g]
    out: list[str] = []
    for i in range(max(len(g) for g in groups)):
        out.extend(g[i] for g in groups if i < len(g))
    return out[:MAX_ITEMS]


def _state(an: _Analysis) -> str:
    f = an.facts
    if f.n == 0:
        return "none"
    if f.n < MIN_TREND_POINTS:
        return "few"
    if not an.time:
        return "categorical"
    return f.direction


def _summary(an: _Analysis, loc: Loc) -> str:
    f = an.facts
    state = _state(an)
    if state == "none":
        return _t(loc, "no_data", name=f.metric)
    if state == "few":
        return _t(loc, "too_few", name=f.metric, n=f.n)
    if state == "categorical":
        assert f.mean is not None
        return _t(loc, "head_cat", name=f.metric, n=f.n, mean=_fmt(f.mean))
    assert f.first is not None and f.last is not None and f.change is not None
    pct = "" if f.change_pct is None else _t(loc, "pct", pct=_signed(f.change_pct))
    return _t(
        loc,
        "head_time",
        name=f.metric,
        n=f.n,
        d0=f.first[0],
        d1=f.last[0],
        v0=_fmt(f.first[1]),
        v1=_fmt(f.last[1]),
        chg=_signed(f.change),
        pct=pct,
        dir=_DIRECTION_WORD[f.direction][loc],
    )


def _patterns(an: _Analysis, loc: Loc) -> list[str]:
    f = an.facts
    state = _state(an)
    if state == "none":
        return []
    if state == "few":
        # no trend pattern: just what was measured
        if an.time:
            assert f.last is not None
            return [_t(loc, "latest", v=_fmt(f.last[1]), d=f.last[0])]
        items = [f"{label} ({_fmt(v)})" for label, v in an.values]
        return [_t(loc, "values", items=_listing(items, loc))]
    assert f.minimum is not None and f.maximum is not None and f.mean is not None
    if state == "categorical":
        return [
            _t(loc, "cat_max", label=f.maximum[0], v=_fmt(f.maximum[1])),
            _t(loc, "cat_min", label=f.minimum[0], v=_fmt(f.minimum[1])),
        ]
    out: list[str] = []
    if state in ("up", "down"):
        assert f.slope_per_day is not None and an.fitted_change is not None
        if f.slope_per_day != 0:
            out.append(_t(loc, "trend_slope", slope=_signed(f.slope_per_day), span=an.span))
        else:
            out.append(_t(loc, "trend_fitted", fitted=_signed(an.fitted_change), span=an.span))
    elif state == "flat":
        assert an.fitted_change is not None
        out.append(_t(loc, "flat", fitted=_signed(an.fitted_change), span=an.span, mean=_fmt(f.mean)))
    else:
        out.append(_t(loc, "same_day"))
    out.append(
        _t(
            loc,
            "range_time",
            vmin=_fmt(f.minimum[1]),
            dmin=f.minimum[0],
            vmax=_fmt(f.maximum[1]),
            dmax=f.maximum[0],
            mean=_fmt(f.mean),
        )
    )
    return out


def _hit_groups(an: _Analysis) -> list[list[_Hit]]:
    groups: dict[str, list[_Hit]] = {}
    for h in an.hits:
        groups.setdefault(h.rule, []).append(h)
    return list(groups.values())


def _range_lines(an: _Analysis, loc: Loc) -> list[str]:
    out: list[str] = []
    for group in _hit_groups(an):
        h0 = group[0]
        key = h0.rule.split(":", 1)[0]
        items = [f"{h.label} ({_fmt(h.value)})" for h in group]
        out.append(
            _t(
                loc,
                key,
                name=an.facts.metric,
                bound=_fmt(h0.bound),
                label=h0.bound_label or "",
                items=_listing(items, loc),
            )
        )
    return out


def _by_extremity(an: _Analysis) -> list[_Anomaly]:
    # the most unusual first: only the first MAX_LISTED are named in a sentence
    return sorted(an.anomalies, key=lambda a: -abs(a.z))


def _anomaly_lines(an: _Analysis, loc: Loc) -> list[str]:
    if not an.anomalies:
        return []
    items = [_t(loc, "anomaly_item", d=a.label, v=_fmt(a.value), z=_fmt(a.z)) for a in _by_extremity(an)]
    return [_t(loc, "anomaly", name=an.facts.metric, items=_listing(items, loc))]


def _recommendations(an: _Analysis, loc: Loc) -> list[dict[str, str]]:
    f = an.facts
    name = f.metric
    recs: list[dict[str, str]] = []
    if an.hits:
        labels = list(dict.fromkeys(h.label for h in an.hits))
        recs.append(_rec(_t(loc, "rec_range", name=name, items=_listing(labels, loc)), "high"))
    if an.anomalies:
        labels = [a.label for a in _by_extremity(an)]
        recs.append(_rec(_t(loc, "rec_anomaly", name=name, items=_listing(labels, loc)), "medium"))
    state = _state(an)
    if state in ("none", "few"):
        recs.append(_rec(_t(loc, "rec_more", name=name), "medium"))
    elif state in ("up", "down"):
        # a trend that leaves the normal range deserves more attention than one inside it
        priority: Priority = "medium" if an.hits else "low"
        recs.append(_rec(_t(loc, "rec_trend", name=name, dir=_DIRECTION_WORD[state][loc]), priority))
    elif state == "flat":
        recs.append(_rec(_t(loc, "rec_flat", name=name), "low"))
    elif state == "unknown":
        recs.append(_rec(_t(loc, "rec_same_day", name=name), "medium"))
    elif state == "categorical" and f.minimum is not None:
        recs.append(_rec(_t(loc, "rec_cat", label=f.minimum[0], v=_fmt(f.minimum[1])), "low"))
    return recs


# ---------------------------------------------------------------------------------------------------
# Chart insight and advanced insight
# ---------------------------------------------------------------------------------------------------


def chart_insight(inp: ChartIn, locale: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """One chart's series → {summary, patterns, recommendations, warnings, evidence}, and its facts."""
    loc = _loc(locale)
    an = _analyse(inp.series)
    answer: dict[str, Any] = {
        "summary": _clip(_summary(an, loc), MAX_SUMMARY_CHARS),
        "patterns": _clip_all(_patterns(an, loc)),
        "recommendations": _sorted_recs(_recommendations(an, loc)),
        "warnings": _clip_all(_range_lines(an, loc) + _anomaly_lines(an, loc)),
        "evidence": _series_evidence(an),
    }
    facts: dict[str, Any] = {"chart_id": inp.chart_id, "series": [_series_dict(an)]}
    return answer, facts


def _confidence(total: int) -> float:
    """See CONFIDENCE_*: deterministic from the number of non-null values alone."""
    if total < MIN_TREND_POINTS:
        return _r(CONFIDENCE_PER_POINT_UNDER_MIN * total)
    share = min(1.0, total / CONFIDENCE_FULL_AT)
    return _r(min(1.0, CONFIDENCE_FLOOR + (1.0 - CONFIDENCE_FLOOR) * share))


def _baseline(
    an: _Analysis, baseline: tuple[float, str], loc: Loc
) -> tuple[str, dict[str, Any], list[dict[str, Any]]] | None:
    """The series' last value against the baseline: a pattern, its facts and its evidence."""
    f = an.facts
    raw_b, b_label = baseline
    if f.last is None or an.raw_last is None or not _finite(raw_b):
        return None
    raw_last = an.raw_last
    b = _r(raw_b)
    diff = _r(raw_last - raw_b)
    pct = _r(100.0 * (raw_last - raw_b) / abs(raw_b)) if raw_b != 0 else None
    pct_text = "" if pct is None else _t(loc, "baseline_pct", pct=_signed(pct))
    blabel = b_label.strip() or _t(loc, "baseline_word")
    common: dict[str, object] = {
        "name": f.metric,
        "v": _fmt(f.last[1]),
        "blabel": blabel,
        "b": _fmt(b),
        "diff": _signed(diff),
        "pct": pct_text,
    }
    if an.time:
        text = _t(loc, "baseline_time", d=f.last[0], **common)
    else:
        text = _t(loc, "baseline_cat", label=f.last[0], **common)
    ev = _point_evidence(f.metric, an.time, f.last[0], diff, f"last_minus_baseline:{b_label}")
    return text, {"diff": diff, "pct": pct}, [ev]


def advanced_insight(inp: AdvancedIn, locale: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Several series of one advanced chart (with a baseline and thresholds) → the advanced answer."""
    loc = _loc(locale)
    analyses = [_analyse(s, inp.thresholds) for s in inp.series]
    total = sum(an.facts.n for an in analyses)
    n_hits = sum(len(an.hits) for an in analyses)
    n_anomalies = sum(len(an.anomalies) for an in analyses)
    confidence = _confidence(total)

    series_facts_: list[dict[str, Any]] = []
    natural: list[list[str]] = []  # per series, in reading order
    ranked: list[list[str]] = []  # per series, the most important first (used when they do not all fit)
    anomalies: list[dict[str, Any]] = []
    recs: list[dict[str, str]] = []
    evidence: list[dict[str, Any]] = []
    baseline: dict[str, Any] | None = None
    if inp.baseline is not None and _finite(inp.baseline[0]):
        baseline = {"label": inp.baseline[1], "value": _r(inp.baseline[0])}
        evidence.append(_evidence("baseline", None, baseline["value"], f"baseline:{inp.baseline[1]}"))

    for an in analyses:
        sd = _series_dict(an)
        state = _state(an)
        head: list[str] = []
        if state == "few":
            head.append(_t(loc, "too_few", name=an.facts.metric, n=an.facts.n))
        elif state == "none":
            head.append(_t(loc, "no_data", name=an.facts.metric))
        # several series share the list: each line says which one it is about
        # (every pattern starts with a word of the template, never with a label, so lowering it is safe)
        own = [f"{an.facts.metric}: {p[:1].lower() + p[1:]}" for p in _patterns(an, loc)]
        flags = _range_lines(an, loc) + _anomaly_lines(an, loc)
        vs: list[str] = []
        evidence.extend(_series_evidence(an))
        if inp.baseline is not None:
            compared = _baseline(an, inp.baseline, loc)
            if compared is not None:
                text, numbers, ev = compared
                vs.append(text)
                sd["vs_baseline"] = numbers
                evidence.extend(ev)
        natural.append(head + own + flags + vs)
        ranked.append(head + flags + own[:1] + vs + own[1:])
        anomalies.extend(
            {
                "label": _t(loc, "anomaly_label", name=an.facts.metric, z=_fmt(a.z)),
                "date": a.label,
                "value": a.value,
            }
            for a in an.anomalies
        )
        recs.extend(_recommendations(an, loc))
        series_facts_.append(sd)

    if total == 0:
        summary = _t(loc, "adv_none")
        if not analyses:
            recs.append(_rec(_t(loc, "rec_more", name=inp.section or inp.chart_id), "medium"))
    else:
        parts = _PART_SEP[loc].join(f"{an.facts.metric}: {_STATE_PHRASE[_state(an)][loc]}" for an in analyses)
        summary = _t(loc, "adv_summary", k=len(analyses), total=total, parts=parts)
        if n_hits or n_anomalies:
            summary += _t(loc, "adv_flags", o=n_hits, a=n_anomalies)

    answer: dict[str, Any] = {
        "summary": _clip(summary, MAX_SUMMARY_CHARS),
        "patterns": _clip_all(_round_robin(natural) if _fits(natural) else _round_robin(ranked)),
        "anomalies": anomalies,
        "recommendations": _sorted_recs(recs),
        "confidence": confidence,
        "evidence": evidence,
    }
    facts: dict[str, Any] = {
        "section": inp.section,
        "chart_id": inp.chart_id,
        "series": series_facts_,
        "baseline": baseline,
        "thresholds": [{"label": t.label, "value": _r(t.value)} for t in inp.thresholds if _finite(t.value)],
        "series_count": len(analyses),
        "total_points": total,
        "n_out_of_range": n_hits,
        "n_anomalies": n_anomalies,
        "confidence": confidence,
    }
    return answer, facts


# ---------------------------------------------------------------------------------------------------
# Training program
# ---------------------------------------------------------------------------------------------------

# (English name, Persian name, sets, reps). Reps are single counts, so every number of a block is a
# plain number the facts can hold.
_Block = tuple[str, str, int, int]
_WARM_UP: _Block = ("Warm-up and mobility", "گرم‌کردن و تحرک‌پذیری", 2, 10)
_CORE: _Block = ("Core", "تقویت عضلات مرکزی", 3, 12)
_TECHNIQUE: _Block = ("Technique drilling", "تمرین تکنیک", 4, 8)
_CIRCUIT: _Block = ("Conditioning circuit", "سیرکویت آمادگی جسمانی", 3, 12)
_TEMPLATES: dict[str, tuple[dict[Loc, str], list[_Block]]] = {
    "recovery": (
        {"en": "Recovery and mobility", "fa": "ریکاوری و تحرک‌پذیری"},
        [
            ("Mobility and stretching", "تحرک‌پذیری و کشش", 2, 10),
            ("Light technique", "تکنیک سبک", 3, 6),
            ("Core", "تقویت عضلات مرکزی", 2, 12),
        ],
    ),
    "weight": (
        {"en": "Weight management with moderate conditioning", "fa": "مدیریت وزن با آمادگی متوسط"},
        [
            _WARM_UP,
            _TECHNIQUE,
            _CIRCUIT,
            ("Bodyweight strength", "قدرتی با وزن بدن", 3, 10),
            ("Mobility and stretching", "تحرک‌پذیری و کشش", 2, 10),
        ],
    ),
    "power": (
        {"en": "Power and explosiveness", "fa": "توان و قدرت انفجاری"},
        [
            _WARM_UP,
            ("Jump squat", "اسکوات پرشی", 5, 3),
            ("Power clean", "کلین قدرتی", 5, 3),
            ("Medicine-ball throws", "پرتاب توپ طبی", 4, 6),
            _CORE,
        ],
    ),
    "strength": (
        {"en": "Maximal strength", "fa": "قدرت بیشینه"},
        [
            _WARM_UP,
            ("Back squat", "اسکوات", 5, 5),
            ("Bench press", "پرس سینه", 5, 5),
            ("Deadlift", "ددلیفت", 3, 5),
            _CORE,
        ],
    ),
    "endurance": (
        {"en": "Wrestling endurance", "fa": "استقامت کشتی"},
        [
            _WARM_UP,
            _TECHNIQUE,
            ("Live wrestling rounds", "کشتی تمرینی", 6, 1),
            ("Conditioning circuit", "سیرکویت آمادگی جسمانی", 4, 12),
        ],
    ),
    "general": (
        {"en": "General wrestling session", "fa": "جلسه‌ی عمومی کشتی"},
        [_WARM_UP, _TECHNIQUE, ("Back squat", "اسکوات", 4, 6), _CIRCUIT, _CORE],
    ),
}
# The first template whose words appear in the goal (whole words, any case) wins, in this order:
# recovery and weight before the training qualities because "recovery after strength work" or
# "cut weight, keep strength" are first of all about recovery and weight.
_GOAL_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("recovery", ("recovery", "recover", "rest", "deload", "ریکاوری", "بازیابی", "استراحت")),
    ("weight", ("weight", "cut", "cutting", "وزن", "کاهش وزن", "وزن‌کشی")),
    ("power", ("power", "explosive", "explosiveness", "speed", "توان", "انفجاری", "سرعت")),
    ("strength", ("strength", "strong", "قدرت", "قدرتی")),
    ("endurance", ("endurance", "conditioning", "cardio", "stamina", "استقامت", "استقامتی", "هوازی")),
]
_GOAL_RES = [
    (key, re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE))
    for key, words in _GOAL_WORDS
]

_TTEXT: dict[str, dict[Loc, str]] = {
    "title": {"en": "Training: {goal}", "fa": "تمرین: {goal}"},
    "title_empty": {"en": "Training session", "fa": "جلسه‌ی تمرین"},
    "title_light": {"en": " (lighter)", "fa": " (سبک‌تر)"},
    "focus_light": {
        "en": "{focus} — lighter session, recovery focus",
        "fa": "{focus} — جلسه‌ی سبک‌تر با تمرکز بر ریکاوری",
    },
    "readiness_low": {
        "en": "Readiness {v} on {d} is under {lim}: lighter session with fewer sets.",
        "fa": "آمادگی {v} در {d} کمتر از {lim} است: جلسه‌ی سبک‌تر با ست‌های کمتر.",
    },
    "fatigue_high": {
        "en": "Fatigue {v} on {d} is over {lim}: lighter session with fewer sets.",
        "fa": "خستگی {v} در {d} بیشتر از {lim} است: جلسه‌ی سبک‌تر با ست‌های کمتر.",
    },
    "rpe_high": {
        "en": "Mean RPE of the last {k} sessions is {m} (at least {lim}): lighter session with fewer sets.",
        "fa": "میانگین RPE در {k} جلسه‌ی اخیر {m} است (دست‌کم {lim}): جلسه‌ی سبک‌تر با ست‌های کمتر.",
    },
    "full": {
        "en": "{parts}: no sign of overload in the data, full session.",
        "fa": "{parts}: در داده‌ها نشانه‌ای از بار زیاد نیست؛ جلسه‌ی کامل.",
    },
    "part_readiness": {"en": "readiness {v}", "fa": "آمادگی {v}"},
    "part_fatigue": {"en": "fatigue {v}", "fa": "خستگی {v}"},
    "part_rpe": {"en": "mean RPE {v} over {k} sessions", "fa": "میانگین RPE {v} در {k} جلسه"},
    "weight_above": {
        "en": "Weight {w} kg on {d} is {diff} kg above the {c} kg class ({pct}%).",
        "fa": "وزن {w} کیلوگرم در {d}، {diff} کیلوگرم بالاتر از دسته‌ی {c} کیلوگرم است ({pct}٪).",
    },
    "weight_within": {
        "en": "Weight {w} kg on {d} is within the {c} kg class ({diff} kg, {pct}%).",
        "fa": "وزن {w} کیلوگرم در {d} در محدوده‌ی دسته‌ی {c} کیلوگرم است ({diff} کیلوگرم، {pct}٪).",
    },
    "nutrition_above": {
        "en": "Weight is above the class: plan a gradual reduction with the coach and the nutrition staff; "
        "no crash cut and no dehydration.",
        "fa": "وزن بالاتر از دسته است: کاهش تدریجی را با مربی و کارشناس تغذیه برنامه‌ریزی کنید؛ "
        "از کاهش سریع وزن و کم‌آبی پرهیز کنید.",
    },
    "recovery_light": {
        "en": "Lighter day: add mobility and easy stretching, and go over recovery with the staff.",
        "fa": "روز سبک: تحرک‌پذیری و کشش آرام اضافه کنید و ریکاوری را با کادر فنی مرور کنید.",
    },
    "sleep_low": {
        "en": "Sleep quality {v} on {d} is under {lim}: give sleep priority before the next session.",
        "fa": "کیفیت خواب {v} در {d} کمتر از {lim} است: پیش از جلسه‌ی بعد به خواب اولویت دهید.",
    },
    "sleep_ok": {
        "en": "Sleep quality {v} on {d}: keep the usual recovery routine.",
        "fa": "کیفیت خواب {v} در {d}: روال معمول ریکاوری را ادامه دهید.",
    },
    "missing": {"en": "Missing data (not used): {items}.", "fa": "داده‌ی موجود نیست (استفاده نشد): {items}."},
    "below_floor": {
        "en": "Weight {w} kg on {d} is below the floor of {f} kg ({rules}): no further weight loss, lighter "
        "session, and the medical staff should know.",
        "fa": "وزن {w} کیلوگرم در {d} کمتر از کف {f} کیلوگرم ({rules}) است: کاهش وزن بیشتر ممنوع، جلسه‌ی "
        "سبک‌تر، و کادر پزشکی باید مطلع شود.",
    },
    "rapid_loss": {
        "en": "{pct}% of body weight lost in {h} h, to {w} kg on {d} (from {s} kg): rehydrate and refuel, "
        "lighter session.",
        "fa": "{pct}٪ وزن بدن در {h} ساعت کم شده و به {w} کیلوگرم در {d} رسیده است (از {s} کیلوگرم): "
        "آب و انرژی را جبران کنید، جلسه‌ی سبک‌تر.",
    },
    "below_plan": {
        "en": "Weight {w} kg on {d} is under the plan line of {p} kg: losing faster than the weekly cap "
        "allows; slow the descent.",
        "fa": "وزن {w} کیلوگرم در {d} زیر خط برنامه‌ی {p} کیلوگرم است: سریع‌تر از سقف هفتگی کم می‌شود؛ "
        "روند کاهش را کند کنید.",
    },
    "ecw_tbw_high": {
        "en": "ECW/TBW {v} on {d} is above InBody's healthy band (up to {lim}): the medical staff should "
        "see it.",
        "fa": "نسبت ECW/TBW برابر {v} در {d} بالاتر از محدوده‌ی سالم InBody (تا {lim}) است: کادر پزشکی "
        "باید آن را ببیند.",
    },
    "no_cut": {
        "en": "Below the floor or losing too fast: no cutting; eat and drink to hold the weight.",
        "fa": "زیر کف وزن یا کاهش بیش از حد سریع: کاهش وزن نه؛ برای حفظ وزن بخورید و بنوشید.",
    },
    "load": {
        "en": "Training load on {d}: acute {a} AU a day against chronic {c} AU (ratio {r}; descriptive, "
        "not an injury prediction).",
        "fa": "بار تمرینی در {d}: حاد {a} واحد در روز در برابر مزمن {c} واحد (نسبت {r}؛ توصیفی، نه "
        "پیش‌بینی آسیب).",
    },
    "monotony": {
        "en": "Weekly load {l} AU with monotony {m} and strain {st}.",
        "fa": "بار هفتگی {l} واحد با یکنواختی {m} و فشار {st}.",
    },
}
_INPUT_NAME: dict[str, dict[Loc, str]] = {
    "weight_class": {"en": "weight class", "fa": "دسته‌ی وزنی"},
    "weight": {"en": "body weight", "fa": "وزن بدن"},
    "readiness": {"en": "readiness", "fa": "آمادگی"},
    "fatigue": {"en": "fatigue", "fa": "خستگی"},
    "sleep": {"en": "sleep quality", "fa": "کیفیت خواب"},
    "rpe": {"en": "session RPE", "fa": "RPE جلسه"},
}


def _tt(loc: Loc, key: str, **kw: object) -> str:
    return _TTEXT[key][loc].format(**kw)


def _goal_template(goal: str) -> str:
    return next((key for key, rx in _GOAL_RES if rx.search(goal)), "general")


def _latest(p: tuple[str, float] | None) -> tuple[str, float, float] | None:
    """(date, rounded value, raw value), or None when missing or not a finite number."""
    if p is None or not _finite(p[1]):
        return None
    return p[0], _r(p[1]), float(p[1])


def _day_key(label: str) -> tuple[int, str]:
    day = _parse_day(label)
    return (day.toordinal() if day is not None else 0, label)


def training_program(inp: TrainingIn, locale: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A day's program from the goal, lightened by readiness, fatigue and recent RPE, and by a weight
    below the floor or a rapid loss (no cutting then); weight vs class, the weight check's flags and the
    training-load figures (descriptive) cited with their numbers."""
    loc = _loc(locale)
    key = _goal_template(inp.goal)
    focus_names, template = _TEMPLATES[key]
    evidence: list[dict[str, Any]] = []
    notes: list[str] = []
    reasons: list[str] = []
    missing: list[str] = []

    weight_class = (
        _r(inp.weight_class)
        if inp.weight_class is not None and _finite(inp.weight_class) and inp.weight_class > 0
        else None
    )
    weight = _latest(inp.weight)
    readiness = _latest(inp.readiness)
    fatigue = _latest(inp.fatigue)
    sleep = _latest(inp.sleep)
    rpe_all = sorted(((d, float(v)) for d, v in inp.rpe if _finite(v)), key=lambda p: _day_key(p[0]))
    rpe = rpe_all[-RPE_RECENT_SESSIONS:]
    rpe_df = pl.DataFrame({"rpe": [v for _, v in rpe]}, schema={"rpe": pl.Float64})
    raw_rpe_mean = _num(rpe_df["rpe"].mean()) if rpe else None
    rpe_mean = _r(raw_rpe_mean) if raw_rpe_mean is not None else None

    for name, present in (
        ("weight_class", weight_class is not None),
        ("weight", weight is not None),
        ("readiness", readiness is not None),
        ("fatigue", fatigue is not None),
        ("sleep", sleep is not None),
        ("rpe", bool(rpe)),
    ):
        if not present:
            missing.append(name)

    # Lighter session: each reason cites the value it rests on.
    if readiness is not None:
        low = readiness[2] < READINESS_LOW
        evidence.append(
            _evidence(
                "readiness",
                readiness[0],
                readiness[1],
                f"readiness<{_fmt(READINESS_LOW)}" if low else "readiness",
            )
        )
        if low:
            reasons.append("readiness")
            notes.append(
                _tt(loc, "readiness_low", v=_fmt(readiness[1]), d=readiness[0], lim=_fmt(READINESS_LOW))
            )
    if fatigue is not None:
        high = fatigue[2] > FATIGUE_HIGH
        evidence.append(
            _evidence(
                "fatigue", fatigue[0], fatigue[1], f"fatigue>{_fmt(FATIGUE_HIGH)}" if high else "fatigue"
            )
        )
        if high:
            reasons.append("fatigue")
            notes.append(_tt(loc, "fatigue_high", v=_fmt(fatigue[1]), d=fatigue[0], lim=_fmt(FATIGUE_HIGH)))
    if rpe_mean is not None and raw_rpe_mean is not None:
        evidence.extend(_evidence("session_rpe", d, _r(v), "recent_session") for d, v in rpe)
        hard = raw_rpe_mean >= RPE_HIGH_MEAN
        evidence.append(
            _evidence(
                "session_rpe_mean", None, rpe_mean, f"mean_rpe>={_fmt(RPE_HIGH_MEAN)}" if hard else "mean_rpe"
            )
        )
        if hard:
            reasons.append("rpe")
            notes.append(_tt(loc, "rpe_high", k=len(rpe), m=_fmt(rpe_mean), lim=_fmt(RPE_HIGH_MEAN)))
    cut_stop = False
    ws = inp.weight_status
    if ws is not None:
        if ws.weight_kg is not None and _finite(ws.weight_kg):
            evidence.append(_evidence("weight_status", ws.date, _r(ws.weight_kg), ws.status))
        for f in ws.flags:
            ratio = f.rule == "ecw_tbw_high"
            raw = f.detail.get("ecwTbw") if ratio else f.weight_kg
            limit = f.detail.get("limit") if ratio else f.limit_kg
            if not isinstance(raw, int | float) or not _finite(raw):
                continue
            lim = float(limit) if isinstance(limit, int | float) else None
            rule = f.rule if lim is None else f"{f.rule}:{_fmt(_r(lim))}"
            value = round(float(raw), 3) if ratio else _r(raw)
            evidence.append(_evidence("ecw_tbw" if ratio else f"weight_{f.rule}", f.date, value, rule))
            loss_pct, hours = f.detail.get("lossPct"), f.detail.get("hours")
            if f.rule == "below_floor" and lim is not None:
                reasons.append("below_floor")
                cut_stop = True
                notes.append(
                    _tt(
                        loc,
                        "below_floor",
                        w=_fmt(value),
                        d=f.date,
                        f=_fmt(_r(lim)),
                        rules=ws.rule_set or "-",
                    )
                )
            elif f.rule == "rapid_loss" and lim is not None and isinstance(loss_pct, int | float):
                reasons.append("rapid_loss")
                cut_stop = True
                notes.append(
                    _tt(
                        loc,
                        "rapid_loss",
                        pct=_fmt(_r(loss_pct)),
                        h=_fmt(_r(hours if isinstance(hours, int | float) else 0.0)),
                        w=_fmt(value),
                        d=f.date,
                        s=_fmt(_r(lim)),
                    )
                )
            elif f.rule == "below_plan" and lim is not None:
                notes.append(_tt(loc, "below_plan", w=_fmt(value), d=f.date, p=_fmt(_r(lim))))
            elif ratio:
                notes.append(_tt(loc, "ecw_tbw_high", v=_fmt(value), d=f.date, lim=_fmt(lim or 0.39)))
    ld = inp.load
    if ld is not None and ld.acute is not None and ld.chronic is not None and ld.ratio is not None:
        evidence.append(_evidence("acute_load", ld.date, _r(ld.acute), "mean_daily_load_7d"))
        evidence.append(_evidence("chronic_load", ld.date, _r(ld.chronic), "mean_daily_load_28d"))
        evidence.append(_evidence("acwr_coupled", ld.date, _r(ld.ratio), "descriptive"))
        notes.append(
            _tt(loc, "load", d=ld.date, a=_fmt(_r(ld.acute)), c=_fmt(_r(ld.chronic)), r=_fmt(_r(ld.ratio)))
        )
    if ld is not None and ld.weekly is not None and ld.monotony is not None and ld.strain is not None:
        evidence.append(_evidence("weekly_load", ld.date, _r(ld.weekly), "sum_7d"))
        evidence.append(_evidence("monotony", ld.date, _r(ld.monotony), "mean/sd_7d"))
        evidence.append(_evidence("strain", ld.date, _r(ld.strain), "weekly_load*monotony"))
        notes.append(
            _tt(loc, "monotony", l=_fmt(_r(ld.weekly)), m=_fmt(_r(ld.monotony)), st=_fmt(_r(ld.strain)))
        )
    lighter = bool(reasons)
    if not lighter:
        parts = []
        if readiness is not None:
            parts.append(_tt(loc, "part_readiness", v=_fmt(readiness[1])))
        if fatigue is not None:
            parts.append(_tt(loc, "part_fatigue", v=_fmt(fatigue[1])))
        if rpe_mean is not None:
            parts.append(_tt(loc, "part_rpe", v=_fmt(rpe_mean), k=len(rpe)))
        if parts:
            text = _SEP[loc].join(parts)
            notes.append(_tt(loc, "full", parts=text[:1].upper() + text[1:] if loc == "en" else text))

    # Halving the sets (rounded up, at least one) keeps every movement of the plan at lower volume.
    planned = [
        (en if loc == "en" else fa, max(1, math.ceil(sets / 2)) if lighter else sets, reps)
        for en, fa, sets, reps in template
    ]
    blocks = [{"name": name, "sets": sets, "reps": str(reps)} for name, sets, reps in planned]

    # Weight against the class: the difference in kg (positive = above the class) and in %.
    diff = pct = None
    nutrition: str | None = None
    if weight is not None and weight_class is not None:
        raw_diff = weight[2] - weight_class
        diff = _r(raw_diff)
        pct = _r(100.0 * raw_diff / weight_class)
        above = diff > 0  # decided on the printed number, so the text never says "0 kg above"
        evidence.append(_evidence("weight", weight[0], weight[1], "latest_weight"))
        evidence.append(_evidence("weight_class", None, weight_class, "weight_class"))
        evidence.append(
            _evidence("weight_minus_class", weight[0], diff, "above_class" if above else "within_class")
        )
        if above:
            notes.append(
                _tt(
                    loc,
                    "weight_above",
                    w=_fmt(weight[1]),
                    d=weight[0],
                    diff=_fmt(diff),
                    c=_fmt(weight_class),
                    pct=_fmt(pct),
                )
            )
            nutrition = _tt(loc, "nutrition_above")
        else:
            notes.append(
                _tt(
                    loc,
                    "weight_within",
                    w=_fmt(weight[1]),
                    d=weight[0],
                    diff=_signed(diff),
                    c=_fmt(weight_class),
                    pct=_signed(pct),
                )
            )

    if cut_stop:
        nutrition = _tt(loc, "no_cut")
    recovery_lines: list[str] = []
    if lighter:
        recovery_lines.append(_tt(loc, "recovery_light"))
    if sleep is not None:
        poor = sleep[2] < SLEEP_LOW
        evidence.append(
            _evidence("sleep", sleep[0], sleep[1], f"sleep<{_fmt(SLEEP_LOW)}" if poor else "sleep")
        )
        if poor:
            recovery_lines.append(_tt(loc, "sleep_low", v=_fmt(sleep[1]), d=sleep[0], lim=_fmt(SLEEP_LOW)))
        elif not lighter:
            recovery_lines.append(_tt(loc, "sleep_ok", v=_fmt(sleep[1]), d=sleep[0]))
    if missing:
        notes.append(_tt(loc, "missing", items=_SEP[loc].join(_INPUT_NAME[m][loc] for m in missing)))

    goal = inp.goal.strip()
    title = _tt(loc, "title", goal=goal) if goal else _tt(loc, "title_empty")
    focus = focus_names[loc]
    if lighter:
        # a long goal is clipped, never the mark that the session was lightened
        light = _tt(loc, "title_light")
        title = _clip(title, MAX_TITLE_CHARS - len(light)) + light
        focus = _tt(loc, "focus_light", focus=focus)
    title = _clip(title, MAX_TITLE_CHARS)

    answer: dict[str, Any] = {
        "program": {
            "date": inp.date,
            "title": title,
            "focus": focus,
            "blocks": blocks,
            "nutrition": nutrition,
            "recovery": " ".join(recovery_lines) or None,
            "aiRecommendations": notes,
        },
        "evidence": evidence,
    }
    facts: dict[str, Any] = {
        "date": inp.date,
        "goal": inp.goal,
        "template": key,
        "inputs": {
            "weight_class": weight_class,
            "weight": None if weight is None else {"label": weight[0], "value": weight[1]},
            "readiness": None if readiness is None else {"label": readiness[0], "value": readiness[1]},
            "fatigue": None if fatigue is None else {"label": fatigue[0], "value": fatigue[1]},
            "sleep": None if sleep is None else {"label": sleep[0], "value": sleep[1]},
            "rpe": [{"label": d, "value": _r(v)} for d, v in rpe],
        },
        "weight_status": None if ws is None else asdict(ws),
        "training_load": None if ld is None else asdict(ld),
        "rpe_sessions_used": len(rpe),
        "rpe_mean": rpe_mean,
        "weight_minus_class_kg": diff,
        "weight_minus_class_pct": pct,
        "lighter": lighter,
        "lighter_reasons": reasons,
        "missing": missing,
        "rules": {
            "readiness_low": READINESS_LOW,
            "fatigue_high": FATIGUE_HIGH,
            "rpe_high_mean": RPE_HIGH_MEAN,
            "rpe_recent_sessions": RPE_RECENT_SESSIONS,
            "sleep_low": SLEEP_LOW,
        },
        "blocks": [{"name": name, "sets": sets, "reps": reps} for name, sets, reps in planned],
    }
    return answer, facts
