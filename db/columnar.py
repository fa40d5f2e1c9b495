"""Reads come back columnar: one row of aligned arrays (epoch numbers and day numbers instead of Python
datetimes) handed to Polars. The helpers every read model shares."""

from __future__ import annotations

from typing import Any

import asyncpg
import polars as pl

# Local day number (days since 1970-01-01 in the bucket time zone) of a timestamptz expression.
DAY = "(({0} AT TIME ZONE tz.z)::date - date '1970-01-01')"
TZ = "CROSS JOIN (SELECT bucket_timezone() AS z) tz"


def frame(row: asyncpg.Record | None, schema: dict[str, Any]) -> pl.DataFrame:
    """A DataFrame from one row of aligned arrays named like the schema's columns."""
    if row is None or row[0] is None:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame({name: row[name] for name in schema}, schema=schema)


def arrays(**columns: str) -> str:
    return ", ".join(f"array_agg({expr}) AS {name}" for name, expr in columns.items())
