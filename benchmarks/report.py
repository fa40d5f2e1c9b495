"""Draw the figures of every saved benchmark run over time (`make bench-report`).

Writes .benchmarks/report.png (one panel per benchmark family: the figures' values run after run,
each figure's target as a dashed line of its colour) and .benchmarks/report.html (the picture and
a table of every run's figures), and prints both paths. Figures are grouped by the part of their
name before the first dot (http, http_10m, ingest, scores, analyst, upload...).

Run:  uv run --frozen python -m benchmarks.report [--runs DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import base64
import html
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt  # after the backend is chosen

from benchmarks.record import RUNS_DIR, load_runs

OUT_DIR = RUNS_DIR.parent
COLUMNS = 2
COLOURS = [f"C{i}" for i in range(10)]  # matplotlib's default ten
MARKERS = "osD^v"


def run_label(run: dict[str, Any]) -> str:
    started = datetime.fromisoformat(run["started"]).strftime("%m-%d %H:%M")
    return f"{started}\n{run['commit'][:7]}{'*' if run['dirty'] else ''}"


def series(runs: list[dict[str, Any]]) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """family -> figure name -> [(run index, value)]"""
    out: dict[str, dict[str, list[tuple[int, float]]]] = defaultdict(lambda: defaultdict(list))
    for i, run in enumerate(runs):
        for f in run["figures"]:
            out[f["name"].split(".", 1)[0]][f["name"]].append((i, f["value"]))
    return out


def last_figures(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each figure as the latest run that has it recorded it (its target, unit, direction)."""
    out: dict[str, dict[str, Any]] = {}
    for run in runs:
        for f in run["figures"]:
            out[f["name"]] = f
    return out


def draw(runs: list[dict[str, Any]], path: Path) -> None:
    families = series(runs)
    meta = last_figures(runs)
    rows = -(-len(families) // COLUMNS)
    fig, axes = plt.subplots(rows, COLUMNS, figsize=(8 * COLUMNS, 4.2 * rows), squeeze=False)
    labels = [run_label(r) for r in runs]
    for ax, (family, figures) in zip(axes.flat, sorted(families.items()), strict=False):
        for i, (name, points) in enumerate(figures.items()):
            xs, ys = zip(*points, strict=True)
            short = name.split(".", 1)[1] if "." in name else name
            # ten colours, then the same colours with another marker: no two lines alike
            style = {"color": COLOURS[i % len(COLOURS)], "marker": MARKERS[i // len(COLOURS) % len(MARKERS)]}
            (line,) = ax.plot(xs, ys, label=short, **style)
            target = meta[name]["target"]
            if target is not None:
                ax.axhline(target, color=line.get_color(), linestyle="--", linewidth=0.8, alpha=0.6)
        sample = next(iter(meta[n] for n in figures))
        ax.set_ylabel("ratio to its floor" if sample["floor"] is not None else sample["unit"])
        ax.set_ylim(bottom=0)  # from zero, so that a line's rise reads as its relative change
        ax.set_title(f"{family} (dashed: targets)")
        ax.set_xticks(range(len(runs)), labels, fontsize=7)
        ax.set_xlim(-0.5, len(runs) - 0.5)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2, loc="best")
    for ax in list(axes.flat)[len(families) :]:
        ax.set_visible(False)
    fig.suptitle(f"benchmark figures of {len(runs)} saved run(s), oldest left (* = uncommitted changes)")
    fig.tight_layout(rect=(0, 0, 1, 0.97))  # room for the title above the panels
    fig.savefig(path, dpi=100)
    plt.close(fig)


def page(runs: list[dict[str, Any]], png: Path) -> str:
    names = list(last_figures(runs))
    head = "".join(f"<th>{html.escape(run_label(r)).replace(chr(10), '<br>')}</th>" for r in runs)
    body = []
    meta = last_figures(runs)
    for name in names:
        f = meta[name]
        unit = "x" if f["floor"] is not None else f" {f['unit']}"
        target = (
            "" if f["target"] is None else f"{'≤' if f['better'] == 'lower' else '≥'} {f['target']:g}{unit}"
        )
        cells = []
        for run in runs:
            value = next((g["value"] for g in run["figures"] if g["name"] == name), None)
            cells.append("<td>—</td>" if value is None else f"<td>{value:.3g}{html.escape(unit)}</td>")
        body.append(f"<tr><th>{html.escape(name)}</th><td>{html.escape(target)}</td>{''.join(cells)}</tr>")
    image = base64.b64encode(png.read_bytes()).decode()
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Benchmark figures</title>
<style>body{{font-family:sans-serif}} table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}} th:first-child{{text-align:left}}</style>
</head><body>
<h1>Benchmark figures over {len(runs)} run(s)</h1>
<p>Ratios are times the floor measured in the same run (benchmarks/README.md says what each guards).</p>
<img alt="figures over time" src="data:image/png;base64,{image}">
<table><tr><th>figure</th><th>target</th>{head}</tr>
{chr(10).join(body)}
</table></body></html>
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the saved benchmark runs over time.")
    parser.add_argument("--runs", type=Path, default=RUNS_DIR, help="folder of the saved runs")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for report.png and report.html")
    args = parser.parse_args(argv)
    runs = load_runs(args.runs)
    if not runs:
        print(f"no benchmark run saved in {args.runs}: run `make bench` first", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    png, doc = args.out / "report.png", args.out / "report.html"
    draw(runs, png)
    doc.write_text(page(runs, png))
    print(f"{png}\n{doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
