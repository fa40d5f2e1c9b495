"""The run recorder every benchmark writes its figures to (benchmarks/record.py).

The run is saved when the session ends, whatever the outcome of the asserts (a run that breaks a
target is the one worth comparing); WRESTLE_BENCH_SAVE=0 keeps a trial run out of the history.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.record import Run

_RUN = Run()


@pytest.fixture(scope="session")
def record() -> Run:
    return _RUN


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.outcome != "passed":
        # a failed setup or teardown counts as the test's outcome
        _RUN.tests.setdefault(report.nodeid, report.outcome)
        if report.outcome == "failed":
            _RUN.tests[report.nodeid] = "failed"


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not _RUN.figures or os.environ.get("WRESTLE_BENCH_SAVE") == "0":
        return
    path = _RUN.save()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"benchmark run saved: {path} ({len(_RUN.figures)} figures)")
