"""What an operator deploys creates nothing and prints no secret: a production start on an empty
database makes no account, `wrestle demo` refuses in production, and the image never loads the demo."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from api.app import create_app
from core.config import Settings
from db.types import PgConn
from demo.load import ACCOUNTS
from tests.conftest import cli_env

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "app_env": "production",
    "secret_key": SecretStr("s" * 40),
    "jwt_secret_key": SecretStr("j" * 40),
    "cors_origins": ["https://dashboard.example.org"],
}


async def _wrestle(settings: Settings, *args: str, **env: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        *args,
        cwd=ROOT,
        env={**cli_env(settings), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out = (await proc.communicate())[0].decode()
    assert proc.returncode is not None
    return proc.returncode, out


def _demo_passwords_in(text: str) -> list[str]:
    return sorted({a.password for a in ACCOUNTS if a.password in text})


class TestProductionStart:
    async def test_a_production_start_on_an_empty_database_creates_no_user(
        self, conn: PgConn, settings: Settings, capfd: pytest.CaptureFixture[str]
    ) -> None:
        app = create_app(settings.model_copy(update=PRODUCTION))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                assert (await c.get("/health")).status_code == 200
        assert await conn.fetchval("SELECT count(*) FROM users") == 0
        assert await conn.fetchval("SELECT count(*) FROM wrestlers") == 0
        out, err = capfd.readouterr()
        assert _demo_passwords_in(out + err) == []

    async def test_demo_refuses_in_production_and_prints_no_password(
        self, conn: PgConn, settings: Settings
    ) -> None:
        code, out = await _wrestle(
            settings,
            "demo",
            "--if-empty",
            APP_ENV="production",
            SECRET_KEY="s" * 40,
            JWT_SECRET_KEY="j" * 40,
        )
        assert code == 2, out
        assert "refused with APP_ENV=production" in out
        assert _demo_passwords_in(out) == []
        assert await conn.fetchval("SELECT count(*) FROM users") == 0

    def test_the_image_only_migrates_and_serves(self) -> None:
        cmd = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD"))
        assert "wrestle db migrate" in cmd and "wrestle serve" in cmd
        assert "demo" not in cmd
