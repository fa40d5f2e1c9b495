"""One run of the benchmarks, saved as one JSON file under .benchmarks/runs/.

Every benchmark records its named figures here (through the `record` fixture of
benchmarks/conftest.py); at the end of the session the run is written as
`.benchmarks/runs/<UTC time>_<commit>[-dirty].json`, which benchmarks/compare.py and
benchmarks/report.py read. A figure is a ratio to a floor measured in the same run (the machine is
shared, so only ratios compare across runs), or, where no floor fits, an absolute figure (floor
None) with its unit.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent
RUNS_DIR = ROOT / ".benchmarks" / "runs"
FORMAT = 1  # of the run file; bump when a field changes meaning

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Figure:
    """A named figure of one run.

    value: the ratio (measured / floor), or the measured figure itself when floor is None.
    target: the limit the benchmark asserts (value <= target when better is "lower", >= when
      "higher"), None when it asserts none on this figure.
    measured, floor: the raw figures in `unit` (medians for latencies).
    threshold: how much worse than the previous run (a fraction of its value) counts as a
      regression in benchmarks/compare.py; None for the default.
    """

    name: str
    value: float
    target: float | None
    better: Better
    measured: float
    floor: float | None
    unit: str
    threshold: float | None = None


@dataclass
class Run:
    figures: dict[str, Figure] = field(default_factory=dict)
    tests: dict[str, str] = field(default_factory=dict)  # node id -> outcome
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Taken when the run starts: the code that ran, whatever is edited while it runs.
    git: tuple[str, bool] = field(default_factory=lambda: git_state())

    def __repr__(self) -> str:  # short: pytest prints it in a failed benchmark's traceback
        return f"Run({len(self.figures)} figures, started {self.started.isoformat()})"

    def ratio(
        self,
        name: str,
        measured: float,
        floor: float,
        target: float | None,
        *,
        unit: str = "ms",
        better: Better = "lower",
        threshold: float | None = None,
    ) -> float:
        """Record measured / floor under `name`; return the ratio."""
        if floor <= 0:
            raise ValueError(f"benchmark figure {name!r}: floor must be positive, got {floor}")
        value = measured / floor
        self._add(Figure(name, value, target, better, measured, floor, unit, threshold))
        return value

    def absolute(
        self,
        name: str,
        measured: float,
        target: float | None,
        *,
        unit: str,
        better: Better = "lower",
        threshold: float | None = None,
    ) -> float:
        """Record a figure that has no floor to be divided by (its value is the figure itself)."""
        self._add(Figure(name, measured, target, better, measured, None, unit, threshold))
        return measured

    def _add(self, figure: Figure) -> None:
        if figure.name in self.figures:
            raise ValueError(f"benchmark figure {figure.name!r} recorded twice in one run")
        self.figures[figure.name] = figure

    def document(self) -> dict[str, Any]:
        commit, dirty = self.git
        return {
            "format": FORMAT,
            "started": self.started.isoformat(),
            "finished": datetime.now(UTC).isoformat(),
            "commit": commit,
            "dirty": dirty,
            "machine": machine(),
            "stages": {k: os.environ.get(k, "") for k in ("WRESTLE_BENCH_10M", "WRESTLE_BENCH_100M")},
            "tests": self.tests,
            "figures": [asdict(f) for f in self.figures.values()],
        }

    def save(self, directory: Path = RUNS_DIR) -> Path:
        doc = self.document()
        stamp = self.started.strftime("%Y%m%dT%H%M%SZ")
        name = f"{stamp}_{doc['commit'][:10]}{'-dirty' if doc['dirty'] else ''}.json"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / name
        path.write_text(json.dumps(doc, indent=2) + "\n")
        return path


def git_state() -> tuple[str, bool]:
    """(commit, whether the work tree differs from it); ("unknown", True) outside a git checkout."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown", True
    return commit, bool(status.strip())


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "host": platform.node(),
        "system": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_avg_at_end": list(load) if load else None,
    }


def load_runs(directory: Path = RUNS_DIR) -> list[dict[str, Any]]:
    """The saved runs, oldest first (the file names start with their UTC time)."""
    if not directory.is_dir():
        return []
    runs = []
    for path in sorted(directory.glob("*.json")):
        try:
            doc = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not a benchmark run file ({e})") from e
        if doc.get("format") != FORMAT:
            raise ValueError(f"{path}: run file format {doc.get('format')!r}, this code reads {FORMAT}")
        doc["file"] = path.name
        runs.append(doc)
    return runs
