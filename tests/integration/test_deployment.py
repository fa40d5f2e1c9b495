"""What CI can check of the deployment without a container engine: the compose file parses, pins its
images and references only files that exist and settings the service reads; the Dockerfile's steps,
run on the host in the same order into a scratch folder, build an environment without the development
tools, whose command migrates and serves and whose health check passes."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from core.config import Settings
from db.connection import database_url, redis_url
from tests.conftest import cli_env
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
# Steps that change the machine they run on: in the image they run as root in a throwaway layer; on the
# host they are checked, not run.
IMAGE_ONLY = ("useradd ",)


@dataclass(frozen=True)
class Step:
    instruction: str
    argument: str


def dockerfile_steps(text: str) -> list[Step]:
    steps: list[Step] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        pending += line[:-1] + " " if line.endswith("\\") else line
        if line.endswith("\\"):
            continue
        instruction, _, argument = pending.partition(" ")
        steps.append(Step(instruction.upper(), argument.strip()))
        pending = ""
    return steps


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


class TestCompose:
    def test_images_are_pinned(self) -> None:
        for name, service in compose()["services"].items():
            if "image" in service and "build" not in service:
                repo, _, tag = service["image"].rpartition(":")
                assert repo and tag and tag != "latest", name

    def test_services_and_their_order(self) -> None:
        services = compose()["services"]
        assert {"db", "redis", "migrate", "api", "db-replica"} <= set(services)
        assert services["migrate"]["command"] == ["wrestle", "db", "migrate"]
        assert services["api"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "wrestle serve" in " ".join(services["api"]["command"])
        assert services["db-replica"]["profiles"] == ["replica"]
        for name in ("db", "redis", "api", "db-replica"):
            assert "test" in services[name]["healthcheck"], name

    def test_referenced_files_exist(self) -> None:
        for name, service in compose()["services"].items():
            if "build" in service:
                assert (ROOT / service["build"] / "Dockerfile").is_file(), name
            for entry in service.get("env_file", []):
                assert entry["path"] == ".env" and entry["required"] is False, name
            mounts = {}
            for volume in service.get("volumes", []):
                source, target = volume.split(":")[:2]
                if source.startswith("./"):
                    path = ROOT / source
                    assert path.exists(), (name, source)
                    if path.suffix == ".sh":
                        assert os.access(path, os.X_OK), (name, source)
                    mounts[target] = path
            for script in service.get("entrypoint", []):
                if script.startswith("/"):
                    assert script in mounts, (name, script)

    def test_the_app_services_set_only_settings_the_service_reads(self) -> None:
        fields = set(Settings.model_fields)
        for name in ("migrate", "api"):
            for key in compose()["services"][name]["environment"]:
                assert key.lower() in fields, (name, key)


def _context_files() -> list[str]:
    """The build context: the repository's files less what .dockerignore keeps out."""
    ignored = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip()]
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True)
    files = [f for f in tracked.stdout.splitlines() if (ROOT / f).is_file()]
    return [f for f in files if not any(fnmatch(f, p) or f.startswith(p.rstrip("/") + "/") for p in ignored)]


def _copy(sources: list[str], dest: Path) -> None:
    if sources == ["."]:
        for f in _context_files():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)
        return
    for s in sources:
        shutil.copy2(ROOT / s, dest / Path(s).name)


def _uv_dir() -> str:
    uv = os.environ.get("UV") or shutil.which("uv") or str(ROOT / ".tools/bin/uv")
    assert Path(uv).is_file(), "uv not found"
    return str(Path(uv).resolve().parent)


def _build_on_host(steps: list[Step], app: Path) -> dict[str, str]:
    """The Dockerfile's steps with /app at `app`; the environment its ENV lines leave."""
    # The host's environment (how uv reaches the package index here), less what would point uv at
    # another virtualenv.
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    env["PATH"] = f"{_uv_dir()}:{os.environ['PATH']}"
    workdir = app.parent
    for step in steps:
        if step.instruction == "ENV":
            for pair in shlex.split(step.argument):
                key, _, value = pair.partition("=")
                env[key] = value.replace("/app", str(app)).replace("$PATH", env["PATH"])
        elif step.instruction == "WORKDIR":
            assert step.argument == "/app"
            workdir = app
            workdir.mkdir()
        elif step.instruction == "COPY" and not step.argument.startswith("--from="):
            *sources, dest = step.argument.split()
            assert dest in ("./", ".")
            _copy(sources, workdir)
        elif step.instruction == "RUN" and not step.argument.startswith(IMAGE_ONLY):
            done = subprocess.run(
                ["sh", "-c", step.argument], cwd=workdir, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, (step.argument, done.stderr[-2000:])
    python = app / ".venv/bin/python"
    # A production environment: no test or lint tools in it.
    for tool in ("pytest", "ruff", "mypy", "locust"):
        found = subprocess.run([python, "-c", f"import {tool}"], capture_output=True)
        assert found.returncode != 0, f"{tool} is installed in the image"
    return env


class TestDockerfile:
    def test_the_service_runs_as_an_unprivileged_user_the_image_creates(self) -> None:
        steps = dockerfile_steps((ROOT / "Dockerfile").read_text())
        users = [s.argument for s in steps if s.instruction == "USER"]
        assert users and users[-1] not in ("root", "0")
        created = [s for s in steps if s.instruction == "RUN" and s.argument.startswith("useradd ")]
        assert created and created[0].argument.split()[-1] == users[-1]
        assert [s.instruction for s in steps].index("USER") < [s.instruction for s in steps].index("CMD")
        base = next(s.argument for s in steps if s.instruction == "FROM")
        assert base.count(":") == 1 and not base.endswith(":latest")

    async def test_its_steps_run_on_the_host_build_a_service_that_migrates_and_serves(
        self, settings: Settings, tmp_path: Path
    ) -> None:
        steps = dockerfile_steps((ROOT / "Dockerfile").read_text())
        app = tmp_path / "app"
        env = await asyncio.to_thread(_build_on_host, steps, app)
        port = free_port()
        cmd = json.loads(next(s.argument for s in steps if s.instruction == "CMD"))
        check = next(s.argument for s in steps if s.instruction == "HEALTHCHECK")
        check = check.split(" CMD ", 1)[1].replace("8000", str(port))
        # As in a container: the servers' addresses come from the environment (no embedded cluster).
        run_env = {
            **cli_env(settings),
            **env,
            "API_WORKERS": "1",
            "DATABASE_URL": database_url(settings),
            "REDIS_URL": redis_url(settings),
        }
        run_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        proc = await asyncio.create_subprocess_exec(
            *[part.replace("8000", str(port)) for part in cmd],
            cwd=app,
            env=run_env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            for _ in range(600):
                probe = await asyncio.create_subprocess_exec(
                    "sh", "-c", check, cwd=app, env=run_env, stderr=asyncio.subprocess.DEVNULL
                )
                if await probe.wait() == 0:
                    break
                if proc.returncode is not None:
                    out = (await proc.communicate())[0].decode()
                    pytest.fail(f"the service exited: {out[-3000:]}")
                await asyncio.sleep(0.2)
            else:
                pytest.fail("the image's health check never passed")
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
                ready = (await c.get("/ready")).json()
            assert ready["migrations"] == "current"
        finally:
            proc.terminate()
            out = (await asyncio.wait_for(proc.communicate(), 30))[0].decode()
        assert "migrat" in out.lower()
