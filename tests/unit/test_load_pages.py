"""The load test requests only what the service serves: every route template the locustfile uses,
with its method, is an operation of the app (a renamed route would otherwise turn the load run into
a stream of 404s)."""

from __future__ import annotations

from api.app import create_app
from benchmarks.load_pages import OPERATIONS, WRESTLER_PAGES
from core.config import Settings


def test_every_request_of_the_load_test_is_an_operation_of_the_app() -> None:
    paths = create_app(Settings(app_env="test")).openapi()["paths"]
    served = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    assert OPERATIONS - served == set()


def test_each_page_draws_from_distinct_endpoints() -> None:
    for page, templates in WRESTLER_PAGES.items():
        assert len(set(templates)) == len(templates), page
