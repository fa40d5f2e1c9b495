"""Arrows point one way: api → ingest, query, ai → db, and core below all. Every module of the
project is parsed (ast, nothing is imported) and each import of another project package must be
allowed below."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# package -> the project packages it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "db": {"core"},
    "query": {"core", "db"},
    "ingest": {"core", "db", "query"},  # the write path recomputes scores with query's pure functions
    "ai": {"core", "db", "query"},
    "demo": {"core", "db", "ingest", "query"},
    "accounts": {"core", "db"},
    "api": {"accounts", "core", "db", "ingest", "query", "ai"},
    "cli": {"accounts", "core", "db", "ingest", "query", "demo"},
}
PACKAGES = set(ALLOWED) | {"tests", "benchmarks"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_every_import_follows_the_arrows() -> None:
    wrong: list[str] = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            targets = {name.split(".")[0] for name in imported_modules(path)} & PACKAGES
            for target in sorted(targets - allowed - {package}):
                wrong.append(f"{path.relative_to(ROOT)} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_route_modules_do_not_import_each_other() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "api" / "routes").glob("*.py"))
        if path.name != "__init__.py"
        for name in imported_modules(path)
        if name.startswith("api.routes")
    ]
    assert not wrong, wrong


ACCESS_ERRORS = {"Forbidden", "NotFound", "NotAuthenticated", "InvalidToken", "TokenExpired"}


def test_db_returns_rows_and_raises_no_access_errors() -> None:
    """Access is decided above db/ (api/access.py); db/ applies scopes in SQL and returns rows or None."""
    wrong: list[str] = []
    for path in sorted((ROOT / "db").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "core.errors":
                wrong += [
                    f"{path.relative_to(ROOT)} imports {a.name}"
                    for a in node.names
                    if a.name in ACCESS_ERRORS
                ]
            elif isinstance(node, ast.Name) and node.id in ACCESS_ERRORS:
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} uses {node.id}")
    assert not wrong, wrong
