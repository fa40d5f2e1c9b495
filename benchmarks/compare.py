"""Compare the latest saved benchmark run with the one before it (`make bench-compare`).

Prints one row per figure of either run: previous and latest value, the change, the target and a
verdict. Exits 1 when a figure of the latest run
  * regressed: it is worse than in the previous run by more than its threshold, a fraction of the
    previous value (DEFAULT_THRESHOLD, 30 %, unless the benchmark recorded its own for a noisier
    or a steadier figure), or
  * breaks its target (the benchmark's assert failed in that run).
Why 30 %: every figure but a few is a ratio to a floor measured in the same run, which cancels most
of the shared two-core machine's load; what is left moved by up to 21 % between two runs of the same
commit (18 % on an HTTP ratio, 21 % on the federation's score computation), so 30 % flags a real
slowdown without flapping.
With fewer than two runs saved it says so and exits 0: there is nothing to compare yet, which is
not a regression. A figure present in only one of the two runs is listed, never a failure (an
opt-in stage ran in one of them only).

Run:  uv run --frozen python -m benchmarks.compare [--threshold 0.30] [--runs DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.record import RUNS_DIR, load_runs

DEFAULT_THRESHOLD = 0.30

# name, previous figure, latest figure, worse by, verdict, failed
Row = tuple[str, dict[str, Any] | None, dict[str, Any] | None, float | None, str, bool]


def worse_by(figure: dict[str, Any], previous: dict[str, Any]) -> float:
    """How much worse the figure is than the previous one, as a fraction of the previous value
    (negative when better)."""
    old, new = previous["value"], figure["value"]
    if old == 0:
        return 0.0
    change = float((new - old) / abs(old))
    return change if figure["better"] == "lower" else -change


def breaks_target(figure: dict[str, Any]) -> bool:
    target = figure["target"]
    if target is None:
        return False
    return bool(figure["value"] > target if figure["better"] == "lower" else figure["value"] < target)


def verdicts(previous: dict[str, Any], latest: dict[str, Any], default_threshold: float) -> list[Row]:
    """A row for every figure of either run, in the latest run's order."""
    old = {f["name"]: f for f in previous["figures"]}
    new = {f["name"]: f for f in latest["figures"]}
    names = list(new) + [n for n in old if n not in new]
    rows: list[Row] = []
    for name in names:
        p, n = old.get(name), new.get(name)
        if n is None:
            rows.append((name, p, None, None, "not in the latest run", False))
            continue
        over = breaks_target(n)
        if p is None:
            rows.append((name, None, n, None, "over target" if over else "new", over))
            continue
        threshold = n["threshold"] if n["threshold"] is not None else default_threshold
        worse = worse_by(n, p)
        regressed = worse > threshold
        verdict = (
            "REGRESSED" + (", over target" if over else "")
            if regressed
            else "over target"
            if over
            else "better"
            if worse < -threshold
            else "ok"
        )
        rows.append((name, p, n, worse, verdict, regressed or over))
    return rows


def change(worse: float | None) -> str:
    if worse is None:
        return "—"
    return f"{worse:.0%} worse" if worse > 0 else f"{-worse:.0%} better"


def describe(run: dict[str, Any]) -> str:
    dirty = " (uncommitted changes)" if run["dirty"] else ""
    return f"{run['file']}: commit {run['commit'][:10]}{dirty}, started {run['started']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--threshold", type=float, default=DEFAULT_THRESHOLD, help="default regression threshold"
    )
    parser.add_argument("--runs", type=Path, default=RUNS_DIR, help="folder of the saved runs")
    args = parser.parse_args(argv)
    if args.threshold <= 0:
        parser.error(f"--threshold must be a positive fraction, got {args.threshold}")
    console = Console()
    if not console.is_terminal:  # a log or a pipe: wide enough that no row wraps
        console = Console(width=160)
    runs = load_runs(args.runs)
    if len(runs) < 2:
        console.print(
            f"{len(runs)} benchmark run(s) saved in {args.runs}: nothing to compare yet"
            " (run `make bench` twice). Not a failure."
        )
        return 0
    previous, latest = runs[-2], runs[-1]
    console.print(f"previous: {describe(previous)}\nlatest:   {describe(latest)}")
    table = Table(
        title=f"benchmark figures (regression: worse by more than {args.threshold:.0%} unless noted)"
    )
    for col in ("figure", "previous", "latest", "change", "target", "threshold", "verdict"):
        table.add_column(col, justify="left" if col in ("figure", "verdict") else "right")
    failed = False
    for name, p, n, worse, verdict, fail in verdicts(previous, latest, args.threshold):
        f = n or p
        assert f is not None
        unit = "x" if f["floor"] is not None else f" {f['unit']}"
        target = (
            "—" if f["target"] is None else f"{'≤' if f['better'] == 'lower' else '≥'} {f['target']:g}{unit}"
        )
        threshold = f["threshold"] if f["threshold"] is not None else args.threshold
        style = "bold red" if fail else "green" if verdict == "better" else ""
        table.add_row(
            name,
            "—" if p is None else f"{p['value']:.3g}{unit}",
            "—" if n is None else f"{n['value']:.3g}{unit}",
            change(worse),
            target,
            f"{threshold:.0%}",
            verdict,
            style=style,
        )
        failed |= fail
    console.print(table)
    if failed:
        console.print("[bold red]benchmark regression or target breach: see the rows in red[/]")
        return 1
    console.print("no regression beyond the thresholds, every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
