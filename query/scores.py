"""Section scores, the overall score and their drivers (docs/API.md §9), as pure Polars
functions: snapshot values in, score rows and driver rows out. No database access here.

Decisions where the reference is silent:
- a section with some inputs missing is scored over the inputs present, weights renormalised (the
  rule the overall score applies too); a section with none has no score;
- a driver's impact is '+' when its normalised value is at least the section score (it pulls the
  score up), '-' otherwise; its weight is the renormalised weight, its contribution weight × value;
- the overall score's drivers are the present sections (metric = camelCase section name);
- every normalised input is clipped to 0–100, so every score is (the stored scores' CHECK).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from query.registry import OVERALL_WEIGHTS, SECTION_WIRE, SECTIONS, score_input_keys

INPUT_SCHEMA: dict[str, Any] = {
    "wrestler_id": pl.String,
    "key": pl.String,
    "value": pl.Float64,
    "recorded_at": pl.Float64,  # epoch seconds
}
SCORE_SCHEMA: dict[str, Any] = {
    "wrestler_id": pl.String,
    "section": pl.String,
    "score": pl.Float64,
    "grade": pl.String,
    "recorded_at": pl.Float64,
}
DRIVER_SCHEMA: dict[str, Any] = {
    "wrestler_id": pl.String,
    "section": pl.String,
    "metric": pl.String,
    "impact": pl.String,
    "weight": pl.Float64,
    "value": pl.Float64,
    "contribution": pl.Float64,
}


def grade(score: float) -> str:
    """≥ 80 good, ≥ 60 warning, else bad, on the unrounded score (docs/API.md §9)."""
    return "good" if score >= 80 else "warning" if score >= 60 else "bad"


def grade_expr(score: pl.Expr) -> pl.Expr:
    return (
        pl.when(score >= 80)
        .then(pl.lit("good"))
        .when(score >= 60)
        .then(pl.lit("warning"))
        .otherwise(pl.lit("bad"))
    )


def _weighted(long: pl.DataFrame, group: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Renormalised weighted mean per group of rows (group…, metric, weight, norm, value, recorded_at)."""
    if long.is_empty():
        return pl.DataFrame(schema=SCORE_SCHEMA), pl.DataFrame(schema=DRIVER_SCHEMA)
    totals = long.group_by(group, maintain_order=True).agg(
        wsum=pl.col("weight").sum(),
        s=(pl.col("weight") * pl.col("norm")).sum(),
        recorded_at=pl.col("recorded_at").max(),
    )
    # With every input present the weights already sum to 1: no division, so the reference vectors
    # round exactly as the reference code does.
    totals = totals.with_columns(
        score=pl.when((pl.col("wsum") - 1.0).abs() < 1e-9)
        .then(pl.col("s"))
        .otherwise(pl.col("s") / pl.col("wsum"))
    )
    scores = totals.select(*group, "score", grade_expr(pl.col("score")).alias("grade"), "recorded_at").rename(
        {group[1]: "section"}
    )
    drivers = (
        long.join(totals.select(*group, "wsum", "score"), on=group)
        .with_columns(weight=pl.col("weight") / pl.col("wsum"))
        .select(
            *group,
            "metric",
            pl.when(pl.col("norm") >= pl.col("score"))
            .then(pl.lit("+"))
            .otherwise(pl.lit("-"))
            .alias("impact"),
            "weight",
            "value",
            (pl.col("weight") * pl.col("norm")).alias("contribution"),
        )
        .rename({group[1]: "section"})
    )
    return scores.cast(SCORE_SCHEMA), drivers.cast(DRIVER_SCHEMA)  # type: ignore[arg-type]


def section_scores(inputs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Snapshot values (INPUT_SCHEMA, one row per wrestler and metric) → (scores, drivers)."""
    keys = score_input_keys()
    inputs = inputs.filter(pl.col("key").is_in(keys) & pl.col("value").is_not_null())
    if inputs.is_empty():
        return pl.DataFrame(schema=SCORE_SCHEMA), pl.DataFrame(schema=DRIVER_SCHEMA)
    values = inputs.pivot(on="key", index="wrestler_id", values="value", aggregate_function="last")
    times = inputs.pivot(on="key", index="wrestler_id", values="recorded_at", aggregate_function="last")
    missing = [pl.lit(None, pl.Float64).alias(k) for k in keys if k not in values.columns]
    values = values.with_columns(missing)
    times = times.with_columns(missing)
    parts: list[pl.DataFrame] = []
    for section in SECTIONS.values():
        for inp in section.inputs:
            part = values.select(
                "wrestler_id",
                pl.lit(section.score_key).alias("section"),
                pl.lit(inp.metric).alias("metric"),
                pl.lit(inp.weight).alias("weight"),
                # Scores are 0–100 whatever the input: a value beyond the range a formula expects
                # (a catalog range wider than 0–100, a negative bos) counts as the bound it passed.
                inp.normalised.cast(pl.Float64).clip(0.0, 100.0).alias("norm"),
                inp.raw.cast(pl.Float64).alias("value"),
            ).join(
                times.select(
                    "wrestler_id", pl.max_horizontal(*[pl.col(k) for k in inp.keys]).alias("recorded_at")
                ),
                on="wrestler_id",
            )
            parts.append(part)
    long = pl.concat(parts).filter(pl.col("norm").is_not_null())
    return _weighted(long, ["wrestler_id", "section"])


def overall_scores(sections: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Section scores (SCORE_SCHEMA) → the overall score per wrestler, renormalised over the
    sections present, with one driver per section."""
    weights = pl.DataFrame(
        {"section": list(OVERALL_WEIGHTS), "weight": list(OVERALL_WEIGHTS.values())},
        schema={"section": pl.String, "weight": pl.Float64},
    )
    wire = pl.DataFrame(
        {"section": list(SECTION_WIRE), "metric": list(SECTION_WIRE.values())},
        schema={"section": pl.String, "metric": pl.String},
    )
    long = (
        sections.filter(pl.col("section").is_in(list(OVERALL_WEIGHTS)))
        .join(weights, on="section")
        .join(wire, on="section")
        .select(
            "wrestler_id",
            pl.lit("overall").alias("target"),
            "metric",
            "weight",
            pl.col("score").alias("norm"),
            pl.col("score").alias("value"),
            "recorded_at",
        )
    )
    return _weighted(long, ["wrestler_id", "target"])


def all_scores(inputs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every section score and the overall score, with drivers, from snapshot values."""
    scores, drivers = section_scores(inputs)
    overall, overall_drivers = overall_scores(scores)
    return pl.concat([scores, overall]), pl.concat([drivers, overall_drivers])


def fingerprints(scores: pl.DataFrame, drivers: pl.DataFrame) -> pl.DataFrame:
    """(wrestler_id, section, fp): equal fingerprints mean the same score from the same inputs."""
    d = (
        drivers.sort("metric")
        .group_by("wrestler_id", "section")
        .agg(
            pl.concat_str(
                pl.col("metric"), pl.lit("="), pl.col("value").round(9).cast(pl.String).fill_null("null")
            )
            .str.join(";")
            .alias("d")
        )
    )
    return scores.join(d, on=["wrestler_id", "section"], how="left").select(
        "wrestler_id",
        "section",
        pl.concat_str(
            pl.col("score").round(9).cast(pl.String),
            pl.col("recorded_at").round(3).cast(pl.String),
            pl.col("d").fill_null(""),
            separator="|",
        ).alias("fp"),
    )


def score_changes(
    new_scores: pl.DataFrame,
    new_drivers: pl.DataFrame,
    old_scores: pl.DataFrame,
    old_drivers: pl.DataFrame,
    wrestler_ids: list[str],
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """What to write: (score rows to insert, their drivers, (wrestler_id, section) rows to delete
    because the section has no inputs any more)."""
    new_fp = fingerprints(new_scores, new_drivers)
    old_fp = fingerprints(old_scores, old_drivers)
    changed = new_fp.join(old_fp, on=["wrestler_id", "section"], how="left", suffix="_old").filter(
        pl.col("fp_old").is_null() | (pl.col("fp") != pl.col("fp_old"))
    )
    keys = changed.select("wrestler_id", "section")
    gone = (
        old_scores.filter(pl.col("wrestler_id").is_in(wrestler_ids))
        .select("wrestler_id", "section")
        .join(new_scores.select("wrestler_id", "section"), on=["wrestler_id", "section"], how="anti")
    )
    return (
        new_scores.join(keys, on=["wrestler_id", "section"], how="semi"),
        new_drivers.join(keys, on=["wrestler_id", "section"], how="semi"),
        gone,
    )
