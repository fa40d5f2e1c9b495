"""Payloads of the section endpoints as pure functions: frames in, dicts out.

Decisions where the contract is silent:
- no data → null values and empty arrays, never the old defaults (zeros, a constant stack);
- a chart's value for a day is the last value recorded that day (`last_value` of the daily
  aggregate): these are readings (weight, lab values, 1RM), where the day's final reading is the
  one the athlete and coach mean; dates are local days of the bucket time zone;
- `limit` keeps the latest N days on which any series of the response has data, oldest first, one
  shared date axis per response (missing values null);
- RPE distribution: share (%) of the chart's days whose RPE (rounded, clipped into 6–10) falls in
  each bucket; heart-rate zones, symmetry and activation: the latest value of their metrics;
- supplement stack: the supplements-domain metrics the wrestler has logged (not the summary ones),
  `daily` when logged on at least 80 % of the last 30 local days.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import polars as pl

from query.registry import (
    ACTIVATION,
    BLOODWORK_STATUS,
    HR_ZONE_KEYS,
    HR_ZONE_LABELS,
    INBODY_WIRES,
    OVERVIEW_STATUS,
    RADAR_KEYS,
    RPE_BUCKETS,
    SECTIONS,
    STACK_DAILY_SHARE,
    STACK_WINDOW_DAYS,
    SYMMETRY,
    ChartTemplate,
    Field,
    G,
    S,
    Section,
    chart_keys,
)

Locale = Literal["fa-IR", "en-US"]


def pick_locale(accept_language: str | None) -> Locale:
    """en-US when the caller's first preferred language is English, else fa-IR (the default)."""
    if accept_language:
        first = accept_language.split(",")[0].strip().lower()
        if first.startswith("en"):
            return "en-US"
    return "fa-IR"


def day_string(day: int | None) -> str | None:
    if day is None:
        return None
    return pl.Series([day], dtype=pl.Int32).cast(pl.Date).dt.to_string("%Y-%m-%d")[0]  # type: ignore[no-any-return]


def signed_percent(value: float | None) -> str | None:
    if value is None:
        return None
    if value == 0:
        return "0%"
    return f"{value:+g}%"


def _encode(f: Field, value: float | None) -> Any:
    if value is None:
        return None
    if f.codec == "int":
        return round(value)
    if f.codec == "signed_percent":
        return signed_percent(value)
    if f.codec == "bloodwork_status":
        return BLOODWORK_STATUS.get(round(value))
    return float(value)


def _by_key(snap: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Snapshot rows that hold a value, by metric key."""
    return {r["key"]: r for r in snap.iter_rows(named=True) if r["value"] is not None}


def snapshot_metrics(section: Section, snap: pl.DataFrame) -> dict[str, Any]:
    rows = _by_key(snap)
    return {f.wire: _encode(f, rows.get(f.key, {}).get("value")) for f in section.fields if f.on_get}


def section_payload(path: str, snap: pl.DataFrame) -> dict[str, Any]:
    """GET …/<section> for the sections without extras."""
    section = SECTIONS[path]
    metrics = snapshot_metrics(section, snap)
    if section.date_field is not None:
        rows = _by_key(snap)
        days = [rows[f.key]["day"] for f in section.fields if f.key in rows and f.codec == "float"]
        metrics[section.date_field] = day_string(max(days)) if days else None
    return {"metrics": metrics}


def overview_payload(snap: pl.DataFrame, overall: list[float]) -> dict[str, Any]:
    """GET /overview; `overall` = the latest stored overall scores, newest first. overallScore is the
    computed overall score (docs/API.md §9), its delta the change since the previous computed one."""
    section = SECTIONS["overview"]
    rows = _by_key(snap)
    metrics: dict[str, Any] = {}
    deltas: dict[str, Any] = {}
    for f in section.fields:
        if f.key == "overall_score":
            value = round(overall[0], 1) if overall else None
            delta = round(overall[0] - overall[1], 1) if len(overall) > 1 else None
        else:
            r = rows.get(f.key, {})
            value = r.get("value")
            prev = r.get("previous_value")
            delta = value - prev if value is not None and prev is not None else None
        metrics[f.wire] = value
        deltas[f.wire] = delta
    labels: dict[str, Any] = {}
    for wire, rule in OVERVIEW_STATUS.items():
        v = metrics[wire]
        labels[wire] = (
            None
            if v is None
            else "good"
            if v * rule.scale >= rule.good
            else "warning"
            if v * rule.scale >= rule.warning
            else "bad"
        )
    return {"metrics": metrics, "deltas": deltas, "statusLabels": labels}


def inbody_payload(snap: pl.DataFrame) -> dict[str, Any]:
    section = SECTIONS["body-composition"]
    rows = _by_key(snap)
    wanted = {f.wire: f.key for f in section.fields if f.wire in INBODY_WIRES}
    return {wire: rows.get(key, {}).get("value") for wire, key in wanted.items()}


def _name(row: dict[str, Any], locale: Locale) -> str:
    return str(row["name_fa"] if locale == "fa-IR" else row["name_en"])


def radar_payload(snap: pl.DataFrame, locale: Locale) -> dict[str, Any]:
    """GET /overview/chart: the radar values sharing the latest radar timestamp. Without data the
    six labels come back with null values (the chart keeps its axes, no number is invented)."""
    radar = snap.filter(pl.col("key").is_in(RADAR_KEYS))
    rows = _by_key(radar)
    if not rows:
        names = {r["key"]: r for r in radar.iter_rows(named=True)}
        keys = [k for k in RADAR_KEYS if k in names]
        return {"labels": [_name(names[k], locale) for k in keys], "values": [None] * len(keys)}
    latest = max(r["recorded_at"] for r in rows.values())
    keys = [k for k in RADAR_KEYS if k in rows and rows[k]["recorded_at"] == latest]
    return {"labels": [_name(rows[k], locale) for k in keys], "values": [rows[k]["value"] for k in keys]}


# Chart frames are a few thousand rows: the in-memory engine answers in a fraction of the time the
# default engine selection takes to start.
ENGINE: Final = "in-memory"


def chart_axis(daily: pl.LazyFrame | pl.DataFrame, limit: int, keys: list[str]) -> pl.DataFrame:
    """One row per day (the latest `limit` days with data, oldest first; `date` is the local ISO
    date, so it sorts as days do) and one column per key (null where that metric has no value that
    day, all null for a key without data). Daily rows are unique per (key, date), so the pivot needs
    no aggregation and its index is exactly the axis. One collect."""
    return (
        daily.lazy()
        .pivot(on="key", on_columns=keys, index="date", values="value")
        .sort("date")
        .tail(limit)
        .collect(engine=ENGINE)
    )


def _values(axis: pl.DataFrame, key: str) -> list[float | None]:
    if key in axis.columns:
        return axis[key].to_list()
    return [None] * axis.height


def render_chart(template: ChartTemplate, axis: pl.DataFrame) -> dict[str, Any]:
    dates = axis["date"].to_list()
    out: dict[str, Any] = {}
    for name, leaf in template.items():
        if isinstance(leaf, S):
            out[name] = {"dates": dates, "values": _values(axis, leaf.key)}
        elif isinstance(leaf, G):
            out[name] = {"dates": dates, **{m: _values(axis, k) for m, k in leaf.members}}
        else:
            out[name] = render_chart(leaf, axis)
    return out


def chart_payload(template: ChartTemplate, daily: pl.LazyFrame | pl.DataFrame, limit: int) -> dict[str, Any]:
    return render_chart(template, chart_axis(daily, limit, chart_keys(template)))


def rpe_distribution(rpe: pl.DataFrame) -> dict[str, Any]:
    """Share (%) of days per RPE bucket, from one RPE value per day (column `value`)."""
    if rpe.is_empty():
        return {"buckets": [], "values": []}
    lo, hi = int(RPE_BUCKETS[0]), int(RPE_BUCKETS[-1])
    b = rpe.select(pl.col("value").round(0).clip(lo, hi).cast(pl.Int32).alias("b"))
    counts = b.group_by("b").len()
    share = {r["b"]: r["len"] for r in counts.iter_rows(named=True)}
    total = b.height
    return {
        "buckets": list(RPE_BUCKETS),
        "values": [round(100.0 * share.get(int(x), 0) / total, 1) for x in RPE_BUCKETS],
    }


def _labelled(rows: dict[str, dict[str, Any]], pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    present = [(label, rows[key]["value"]) for label, key in pairs if key in rows]
    return {"labels": [p[0] for p in present], "values": [p[1] for p in present]}


def performance_chart_payload(
    daily: pl.LazyFrame | pl.DataFrame, latest: list[str], limit: int
) -> dict[str, Any]:
    """`daily` holds the chart series, the RPE days and, for the `latest` keys (heart-rate zones,
    symmetry, activation), their latest day: the value their snapshot holds."""
    from query.registry import CHARTS

    template = CHARTS["bodybuilding-performance/charts"]
    frame = daily.lazy().collect(engine=ENGINE)
    current = frame.filter(pl.col("key").is_in(latest))
    series = frame.filter((pl.col("key") != "rpe") & ~pl.col("key").is_in(latest))
    axis = chart_axis(series, limit, chart_keys(template))
    out = render_chart(template, axis)
    rpe_days = frame.filter(pl.col("key") == "rpe").sort("date", descending=True).head(limit)
    out["analytics"]["rpe"] = rpe_distribution(rpe_days)
    rows = _by_key(current.sort("date").unique("key", keep="last"))
    zones = _labelled(rows, tuple(zip(HR_ZONE_LABELS, HR_ZONE_KEYS, strict=True)))
    out["cardio"]["hrZones"] = {"zones": zones["labels"], "values": zones["values"]}
    out["bodybuilding"] = {"symmetry": _labelled(rows, SYMMETRY), "activation": _labelled(rows, ACTIVATION)}
    return out


def stack_payload(stack: pl.DataFrame, locale: Locale) -> dict[str, Any]:
    need = STACK_DAILY_SHARE * STACK_WINDOW_DAYS
    return {
        "supplements": [
            {"name": _name(r, locale), "daily": bool(r["days"] >= need)} for r in stack.iter_rows(named=True)
        ]
    }


def score_payload(section: str, row: dict[str, Any] | None) -> dict[str, Any]:
    """SectionScore; a section without a stored score answers nulls (docs/API.md §9)."""
    if row is None:
        return {"section": section, "score": None, "grade": None, "lastUpdated": None}
    return {
        "section": section,
        "score": round(float(row["score"]), 1),
        "grade": row["grade"],
        "lastUpdated": row["day"].isoformat(),
    }
