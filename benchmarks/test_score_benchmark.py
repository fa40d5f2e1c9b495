"""Score computation alone: the pure Polars part of the write path's score refresh
(query/score_refresh.py without its queries), on generated snapshot values of fixed seed.

What it guards: `all_scores` (every section score, the overall score and their drivers) followed by
`score_changes` against the previous scores (the same inputs, so nothing to write: the common case
of a write that leaves a wrestler's scores as they were), for a team of 50 wrestlers and for a
federation of 1,000, stays within a fixed multiple of its floor.

Floor: the two pivots of the same inputs to one row per wrestler (values and times), the reshape
every score computation starts from; what comes after it (one frame per score input, the weighted
means, the drivers, the fingerprints) is what the ratio measures. Targets: at most 8x the floor for
the team, 30x for the federation (measured 3.5x and 12x to 17x on a shared two-core machine). Recorded as
`scores.team` and `scores.federation`.

Run:  uv run pytest benchmarks/test_score_benchmark.py -m benchmark -s
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from benchmarks.record import Run
from query.registry import score_input_keys
from query.scores import INPUT_SCHEMA, all_scores, score_changes

pytestmark = pytest.mark.benchmark
SEED = 20261202
ROUNDS = 30
SIZES = {"team": (50, 8.0), "federation": (1000, 30.0)}  # wrestlers, target (times the floor)


def snapshot_inputs(wrestlers: int) -> pl.DataFrame:
    """One snapshot value (0–100) and time of every score input of every wrestler."""
    rng = random.Random(SEED)
    keys = score_input_keys()
    rows = [
        (f"w{w:05d}", k, rng.uniform(0, 100), 1.78e9 - rng.uniform(0, 3e7))
        for w in range(wrestlers)
        for k in keys
    ]
    return pl.DataFrame(rows, schema=INPUT_SCHEMA, orient="row")


def medians_ms(*fns: Callable[[], Any]) -> list[float]:
    """Median time of each function, their rounds interleaved so that both see the same load."""
    for fn in fns:
        for _ in range(3):
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(ROUNDS):
        for fn, t in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            t.append(time.perf_counter() - t0)
    return [statistics.median(t) * 1000 for t in times]


def test_score_computation_vs_its_reshape(record: Run) -> None:
    failures = []
    for label, (wrestlers, target) in SIZES.items():
        inputs = snapshot_inputs(wrestlers)
        ids = inputs["wrestler_id"].unique().to_list()
        old_scores, old_drivers = all_scores(inputs)

        def compute() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
            scores, drivers = all_scores(inputs)  # noqa: B023  # called within this iteration
            return score_changes(scores, drivers, old_scores, old_drivers, ids)  # noqa: B023

        def reshape() -> tuple[pl.DataFrame, pl.DataFrame]:
            return tuple(  # type: ignore[return-value]
                inputs.pivot(on="key", index="wrestler_id", values=v, aggregate_function="last")  # noqa: B023
                for v in ("value", "recorded_at")
            )

        write, _, gone = compute()
        assert write.is_empty() and gone.is_empty()  # unchanged inputs write nothing
        assert old_scores.filter(pl.col("section") == "overall").height == wrestlers
        floor_ms, scores_ms = medians_ms(reshape, compute)
        ratio = record.ratio(f"scores.{label}", scores_ms, floor_ms, target)
        print(
            f"\nscores of {wrestlers:,} wrestlers ({inputs.height:,} inputs): {scores_ms:.1f} ms,"
            f" floor (pivots) {floor_ms:.1f} ms, {ratio:.2f}x"
        )
        if ratio > target:
            failures.append(f"{label}: {ratio:.2f}x > {target}x")
    assert not failures, failures
