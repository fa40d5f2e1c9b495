"""The binary COPY encoder writes exactly the rows it is given, as the server reads them back."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import polars as pl

from db.types import PgConn
from ingest import copy_binary

ROWS = [
    (
        "0b8f5a52-8d1e-4a57-9a43-1d1f7f1b2c01",
        7,
        datetime(2025, 11, 10, 20, 30, 0, 123456, tzinfo=UTC),
        72.5,
        "inbody",
    ),
    (
        "7f3c2a10-0000-4000-8000-00000000beef",
        120,
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
        -0.25,
        "آزمایشگاه",
    ),
    ("0b8f5a52-8d1e-4a57-9a43-1d1f7f1b2c01", 7, datetime(2000, 1, 1, tzinfo=UTC), 1e-9, ""),
    (
        "ffffffff-ffff-4fff-bfff-ffffffffffff",
        2_000_000_000,
        datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
        1e12,
        "x",
    ),
]


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        ROWS,
        schema={
            "wrestler_id": pl.String,
            "metric_id": pl.Int32,
            "recorded_at": pl.Datetime("us", "UTC"),
            "value": pl.Float64,
            "source": pl.String,
        },
        orient="row",
    )


async def _roundtrip(conn: PgConn, batch_id: int | None) -> list[tuple[object, ...]]:
    await conn.execute("""
        CREATE TEMP TABLE copy_check (wrestler_id uuid, metric_id integer, recorded_at timestamptz,
                                      value double precision, batch_id bigint, source text)""")
    await conn.copy_to_table(
        "copy_check",
        source=io.BytesIO(copy_binary.encode(_frame(), batch_id)),
        columns=copy_binary.COLUMNS,
        format="binary",
    )
    rows = await conn.fetch(
        "SELECT wrestler_id::text, metric_id, recorded_at, value, batch_id, source FROM copy_check"
    )
    return sorted(tuple(r) for r in rows)


async def test_binary_rows_read_back_identical(conn: PgConn) -> None:
    expected = sorted((w, m, t, v, 41, s) for w, m, t, v, s in ROWS)
    assert await _roundtrip(conn, 41) == expected


async def test_missing_batch_is_null(conn: PgConn) -> None:
    assert {r[4] for r in await _roundtrip(conn, None)} == {None}


def test_rows_with_a_missing_field_are_left_to_the_text_path() -> None:
    frame = _frame()
    assert copy_binary.can_encode(frame)
    with_null = frame.with_columns(
        pl.when(pl.col("metric_id") == 7).then(None).otherwise(pl.col("source")).alias("source")
    )
    assert not copy_binary.can_encode(with_null)
