"""Property: whatever is written, updated, back-filled or undone through the write path, every
`<domain>_daily` row equals the aggregate computed directly from the raw `<domain>_series` rows (no
row missing, none extra), and every `<domain>_metrics` snapshot equals the latest raw point, with
the previous value being the last point of the latest earlier day.

The expected values are computed in Polars from the raw rows, independently of the SQL that
maintains the aggregates. Points cluster around local midnight in the bucket time zone, where an
off-by-one-day bug would show.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domains import DOMAIN_KEYS
from db import aggregates as aggregates_sql
from db import ingest_batches as batches_sql
from db import series as series_sql
from db.types import PgConn
from ingest.refresh import refresh_derived, write_transaction
from ingest.writer import write_points
from tests.helpers import create_wrestler

# Two metrics in one domain, one in each of the others.
METRIC_KEYS = ("weight", "body_fat", "hrv", "hemoglobin", "hr_avg", "msi", "creatine")
WRESTLERS = 3
DAYS = 4
BASE = datetime(2025, 6, 1, tzinfo=UTC)  # Asia/Tehran has kept +03:30 all year since 2022
# Local midnight in Asia/Tehran is 20:30 UTC; seconds of the UTC day on either side of it.
NEAR_MIDNIGHT = (20 * 3600 + 29 * 60 + 59, 20 * 3600 + 30 * 60, 20 * 3600 + 30 * 60 + 1, 0, 86399)

point = st.tuples(
    st.integers(0, WRESTLERS - 1),
    st.integers(0, len(METRIC_KEYS) - 1),
    st.integers(0, DAYS - 1),
    st.one_of(st.sampled_from(NEAR_MIDNIGHT), st.integers(0, 86399)),
    st.floats(0, 1, allow_nan=False),  # position inside the metric's valid range
)
operation = st.one_of(
    st.tuples(st.just("write"), st.lists(point, min_size=1, max_size=25)),
    st.tuples(st.just("undo"), st.integers(0, 20)),
)

TS = pl.Datetime("us", "UTC")


async def _frame(conn: PgConn, sql: str, schema: dict[str, Any]) -> pl.DataFrame:
    rows = await conn.fetch(sql)
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _epoch(col: str) -> str:
    return f"(extract(epoch FROM {col}) * 1000000)::bigint"


def _to_ts(*cols: str) -> list[pl.Expr]:
    return [pl.from_epoch(c, "us").dt.replace_time_zone("UTC") for c in cols]


async def _raw(conn: PgConn, domain: str) -> pl.DataFrame:
    frame = await _frame(
        conn,
        f"SELECT wrestler_id::text, metric_id, {_epoch('recorded_at')}, value FROM {domain}_series",
        {"wrestler_id": pl.String, "metric_id": pl.Int64, "recorded_at": pl.Int64, "value": pl.Float64},
    )
    return frame.with_columns(_to_ts("recorded_at"))


def expected_daily(raw: pl.DataFrame, tz: str) -> pl.DataFrame:
    """The daily aggregate of raw points: per wrestler, metric and local day."""
    local_day = pl.col("recorded_at").dt.convert_time_zone(tz).dt.date()
    by_time = raw.sort("recorded_at")
    return (
        by_time.with_columns(
            bucket=local_day.cast(pl.Datetime("us")).dt.replace_time_zone(tz).dt.convert_time_zone("UTC")
        )
        .group_by("wrestler_id", "metric_id", "bucket", maintain_order=True)
        .agg(
            avg_value=pl.col("value").mean(),
            min_value=pl.col("value").min(),
            max_value=pl.col("value").max(),
            sample_count=pl.len().cast(pl.Int64),
            first_value=pl.col("value").first(),
            first_at=pl.col("recorded_at").first(),
            last_value=pl.col("value").last(),
            last_at=pl.col("recorded_at").last(),
        )
    )


def expected_snapshots(daily: pl.DataFrame) -> pl.DataFrame:
    """Latest point, and the last point of the latest earlier day, per wrestler and metric."""
    ranked = daily.with_columns(
        rank=pl.col("bucket").rank("ordinal", descending=True).over("wrestler_id", "metric_id")
    )
    key = ["wrestler_id", "metric_id"]
    latest = ranked.filter(pl.col("rank") == 1).select(
        *key, value=pl.col("last_value"), recorded_at=pl.col("last_at")
    )
    previous = ranked.filter(pl.col("rank") == 2).select(
        *key, previous_value=pl.col("last_value"), previous_at=pl.col("last_at")
    )
    return latest.join(previous, on=key, how="left")


async def _stored_daily(conn: PgConn, domain: str) -> pl.DataFrame:
    frame = await _frame(
        conn,
        f"""SELECT wrestler_id::text, metric_id, {_epoch("bucket")}, avg_value, min_value, max_value,
                   sample_count, first_value, {_epoch("first_at")}, last_value, {_epoch("last_at")}
              FROM {domain}_daily""",
        {
            "wrestler_id": pl.String,
            "metric_id": pl.Int64,
            "bucket": pl.Int64,
            "avg_value": pl.Float64,
            "min_value": pl.Float64,
            "max_value": pl.Float64,
            "sample_count": pl.Int64,
            "first_value": pl.Float64,
            "first_at": pl.Int64,
            "last_value": pl.Float64,
            "last_at": pl.Int64,
        },
    )
    return frame.with_columns(_to_ts("bucket", "first_at", "last_at"))


async def _stored_snapshots(conn: PgConn, domain: str) -> pl.DataFrame:
    frame = await _frame(
        conn,
        f"""SELECT wrestler_id::text, metric_id, value, {_epoch("recorded_at")}, previous_value,
                   {_epoch("previous_at")} FROM {domain}_metrics""",
        {
            "wrestler_id": pl.String,
            "metric_id": pl.Int64,
            "value": pl.Float64,
            "recorded_at": pl.Int64,
            "previous_value": pl.Float64,
            "previous_at": pl.Int64,
        },
    )
    return frame.with_columns(_to_ts("recorded_at", "previous_at"))


def _assert_same(actual: pl.DataFrame, expected: pl.DataFrame, key: list[str], what: str) -> None:
    stored_keys, expected_keys = actual.select(key).sort(key), expected.select(key).sort(key)
    assert stored_keys.equals(expected_keys), (
        f"{what}: stored keys differ from expected\nstored:\n{stored_keys}\nexpected:\n{expected_keys}"
    )
    joined = expected.join(actual, on=key, suffix="_db")
    for col in expected.columns:
        if col in key:
            continue
        a, e = pl.col(f"{col}_db"), pl.col(col)
        if expected.schema[col] == pl.Float64:
            differs = (a - e).abs() > 1e-9 * pl.max_horizontal(a.abs(), e.abs(), pl.lit(1.0))
        else:
            differs = a != e
        bad = differs.fill_null(False) | (a.is_null() != e.is_null())
        mismatch = joined.filter(bad)
        assert mismatch.height == 0, f"{what}.{col} differs:\n{mismatch.select(*key, col, f'{col}_db')}"


async def _check(conn: PgConn, domains: list[str], tz: str) -> None:
    key = ["wrestler_id", "metric_id", "bucket"]
    for domain in domains:
        daily = expected_daily(await _raw(conn, domain), tz)
        _assert_same(await _stored_daily(conn, domain), daily, key, f"{domain}_daily")
        _assert_same(
            await _stored_snapshots(conn, domain),
            expected_snapshots(daily),
            ["wrestler_id", "metric_id"],
            f"{domain}_metrics",
        )


async def _reset(conn: PgConn, domains: list[str], continuous: bool) -> None:
    tables = [f"{d}_{kind}" for d in domains for kind in ("series", "metrics")]
    if not continuous:
        tables += [f"{d}_daily" for d in domains]
    await conn.execute(f"TRUNCATE {', '.join(tables)}, section_scores, score_drivers")
    await conn.execute("DELETE FROM ingest_batches")
    if continuous:
        for d in domains:
            await conn.execute(
                "CALL refresh_continuous_aggregate($1::regclass, NULL::timestamptz, NULL::timestamptz)",
                f"{d}_daily",
            )


class TestDailyAggregatesAndSnapshots:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(operations=st.lists(operation, min_size=1, max_size=6))
    async def test_match_raw_rows_after_writes_updates_backfills_and_undos(
        self, conn: PgConn, operations: list[tuple[str, Any]]
    ) -> None:
        domains = list(DOMAIN_KEYS)
        continuous = await aggregates_sql.aggregate_mode(conn) == "continuous"
        tz = str(await conn.fetchval("SELECT bucket_timezone()"))
        await _reset(conn, domains, continuous)
        wrestlers = await _wrestlers(conn)
        metrics = {
            r["key"]: (int(r["id"]), r["domain"], r["min_value"], r["max_value"])
            for r in await conn.fetch(
                "SELECT key, id, domain, min_value, max_value FROM metric_definitions"
                " WHERE key = ANY($1::text[])",
                list(METRIC_KEYS),
            )
        }
        batches: list[tuple[int, datetime, datetime]] = []  # id and recorded range, as ingest_batches has
        for kind, arg in operations:
            async with write_transaction(conn):
                if kind == "write":
                    batch_id = await batches_sql.create_batch(
                        conn, user_id=None, source="property", filename=None, fmt="test"
                    )
                    points = _points(arg, wrestlers, metrics)
                    times = points.get_column("recorded_at")
                    batches.append((batch_id, times.min(), times.max()))  # type: ignore[arg-type]
                    await write_points(conn, points, batch_id)
                elif batches:
                    await series_sql.create_stage(conn)
                    undone, first_at, last_at = batches[arg % len(batches)]
                    for domain in domains:
                        await series_sql.delete_batch_points(conn, domain, undone, first_at, last_at, tz)
                    await refresh_derived(conn)
            await _check(conn, domains, tz)


async def _wrestlers(conn: PgConn) -> list[str]:
    existing = [str(r["id"]) for r in await conn.fetch("SELECT id FROM wrestlers ORDER BY name_en")]
    while len(existing) < WRESTLERS:
        existing.append(str(await create_wrestler(conn, name_en=f"Property {len(existing)}")))
    return existing


def _points(
    raw: list[tuple[int, int, int, int, float]],
    wrestlers: list[str],
    metrics: dict[str, tuple[int, str, float, float]],
) -> pl.DataFrame:
    """Points inside each metric's catalog range, as ingest would have validated them."""
    rows = []
    for w, m, day, second, position in raw:
        metric_id, domain, lo, hi = metrics[METRIC_KEYS[m]]
        at = BASE + timedelta(days=day, seconds=second)
        rows.append((wrestlers[w], metric_id, domain, at, lo + position * (hi - lo), "property"))
    return pl.DataFrame(
        rows,
        schema={
            "wrestler_id": pl.String,
            "metric_id": pl.Int32,
            "domain": pl.String,
            "recorded_at": TS,
            "value": pl.Float64,
            "source": pl.String,
        },
        orient="row",
    )
