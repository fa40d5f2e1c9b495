"""`wrestle serve`: run the API with uvicorn."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import typer
import uvicorn

# api.prometheus.MULTIPROC_ENV, named here so the command does not import the app in the supervisor.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _metrics_dir(workers: int) -> tuple[Path | None, bool]:
    """The directory the workers share their Prometheus values in, and whether this command made it.
    An operator's PROMETHEUS_MULTIPROC_DIR is used (emptied first: values of an earlier run would be
    added to this one's); otherwise several workers get a fresh temporary one."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        return path, False
    if workers > 1:
        path = Path(tempfile.mkdtemp(prefix="wrestle-metrics-"))
        os.environ[MULTIPROC_ENV] = str(path)
        return path, True
    return None, False


def serve(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    workers: int = typer.Option(1, min=1, help="Worker processes; /metrics answers their sum."),
    reload: bool = typer.Option(False),
) -> None:
    """Serve the HTTP API."""
    metrics_dir, made = _metrics_dir(workers)
    try:
        uvicorn.run(
            "api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            proxy_headers=True,
            access_log=False,
        )
    finally:
        if made and metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
