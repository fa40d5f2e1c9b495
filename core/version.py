"""The one version string: the installed package's (pyproject.toml)."""

from __future__ import annotations

from importlib.metadata import version

VERSION = version("wrestle")
