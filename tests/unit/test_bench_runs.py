"""The benchmark run files, their comparison and their report (benchmarks/record.py, compare.py,
report.py), on runs written to a temporary folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from benchmarks import compare, report
from benchmarks.record import Run, load_runs


def saved(folder: Path, minutes: int, **figures: float) -> Path:
    run = Run(started=datetime(2026, 12, 2, 12, tzinfo=UTC) + timedelta(minutes=minutes))
    for name, value in figures.items():
        if name.startswith("ingest"):
            run.ratio(name, value, 1.0, 0.6, unit="rows/s", better="higher")
        else:
            run.ratio(name, value, 1.0, 2.0)
    return run.save(folder)


def test_a_run_file_holds_its_figures_commit_and_machine(tmp_path: Path) -> None:
    path = saved(tmp_path, 0, **{"http.trends": 1.4})
    (run,) = load_runs(tmp_path)
    assert run["file"] == path.name and path.name.startswith("20261202T120000Z_")
    assert len(run["commit"]) == 40 or run["commit"] == "unknown"
    assert run["machine"]["cpus"] >= 1
    (fig,) = run["figures"]
    assert fig == {
        "name": "http.trends",
        "value": 1.4,
        "target": 2.0,
        "better": "lower",
        "measured": 1.4,
        "floor": 1.0,
        "unit": "ms",
        "threshold": None,
    }


def test_a_figure_is_recorded_once_a_run() -> None:
    run = Run()
    run.ratio("http.trends", 2.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="recorded twice"):
        run.ratio("http.trends", 2.0, 1.0, 2.0)
    with pytest.raises(ValueError, match="floor must be positive"):
        run.ratio("http.bloodwork", 2.0, 0.0, 2.0)


def test_fewer_than_two_runs_is_not_a_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert compare.main(["--runs", str(tmp_path)]) == 0
    saved(tmp_path, 0, **{"http.trends": 1.4})
    assert compare.main(["--runs", str(tmp_path)]) == 0
    assert "nothing to compare" in capsys.readouterr().out


def test_compare_passes_noise_and_fails_a_regression_beyond_the_threshold(tmp_path: Path) -> None:
    saved(tmp_path, 0, **{"http.trends": 1.2, "ingest.vs_copy": 0.9})
    saved(tmp_path, 1, **{"http.trends": 1.4, "ingest.vs_copy": 0.8})  # +17 %, -11 %: noise
    assert compare.main(["--runs", str(tmp_path)]) == 0
    saved(tmp_path, 2, **{"http.trends": 1.4, "ingest.vs_copy": 0.62})  # throughput ratio down 22.5 %
    assert compare.main(["--runs", str(tmp_path), "--threshold", "0.2"]) == 1
    assert compare.main(["--runs", str(tmp_path)]) == 0
    saved(tmp_path, 3, **{"http.trends": 1.9, "ingest.vs_copy": 0.62})  # latency ratio up 36 %
    assert compare.main(["--runs", str(tmp_path)]) == 1


def test_compare_fails_a_target_breach_and_lists_figures_of_one_run_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved(tmp_path, 0, **{"http.trends": 1.95, "http_10m.growth.trends": 1.1})
    saved(tmp_path, 1, **{"http.trends": 2.05, "scores.team": 1.5})
    assert compare.main(["--runs", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "over target" in out and "not in the latest run" in out and "new" in out


def test_report_draws_every_run(tmp_path: Path) -> None:
    saved(tmp_path, 0, **{"http.trends": 1.2, "ingest.vs_copy": 0.9})
    saved(tmp_path, 1, **{"http.trends": 1.3, "ingest.vs_copy": 0.85, "scores.team": 3.5})
    out = tmp_path / "out"
    assert report.main(["--runs", str(tmp_path), "--out", str(out)]) == 0
    assert (out / "report.png").read_bytes().startswith(b"\x89PNG")
    page = (out / "report.html").read_text()
    assert "http.trends" in page and "scores.team" in page and "data:image/png;base64," in page


def test_report_without_runs_says_so(tmp_path: Path) -> None:
    assert report.main(["--runs", str(tmp_path), "--out", str(tmp_path)]) == 1
