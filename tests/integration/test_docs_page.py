"""/docs works without internet: Swagger UI's assets are served by the service itself, and a real
headless browser (Debian's chromium, which `make setup` installs) renders the operations. With
DOCS_ENABLED=false neither /docs nor /openapi.json is served."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from core.config import Settings
from tests.live_server import serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


async def test_the_docs_page_loads_nothing_from_outside(client: httpx.AsyncClient) -> None:
    page = (await client.get("/docs")).text
    assert "cdn." not in page and "https://" not in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        url = next(part.split('"')[0] for part in page.split('"/static-offline-docs/')[1:] if asset in part)
        r = await client.get(f"/static-offline-docs/{url}")
        assert r.status_code == 200 and len(r.content) > 10_000, asset


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (make setup installs it on Debian)")
async def test_a_headless_browser_renders_the_operations(settings: Settings, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    with serving(settings) as base:
        proc = await asyncio.create_subprocess_exec(
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            f"{base}/docs",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        dom = (await asyncio.wait_for(proc.communicate(), 120))[0].decode()
    assert 'class="swagger-ui' in dom
    assert "opblock" in dom, "Swagger UI did not render any operation"
    assert "/api/v1/auth/login" in dom


async def test_docs_can_be_switched_off(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"docs_enabled": False}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            assert (await c.get("/docs")).status_code == 404
            assert (await c.get("/openapi.json")).status_code == 404
            assert (await c.get("/health")).status_code == 200
