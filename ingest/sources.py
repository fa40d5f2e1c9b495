"""Turn files and payloads into raw chunks (ingest.validate.RAW_SCHEMA): long CSV, wide CSV, device
readings. Files are streamed in chunks of CHUNK_ROWS rows and never held whole."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import polars as pl

from ingest.normalize import normalise_name
from ingest.validate import ERROR_SCHEMA, RAW_SCHEMA, Columns

# The streaming CSV reader reads ahead of its consumer in blocks of this many bytes, several blocks
# at a time, decoded: at Polars' default (tens of MiB) that read-ahead alone holds about 340 MiB
# whatever the file's size; 4 MiB keeps it near 100 MiB and reads as fast. Polars reads the setting
# once, at its first CSV scan, so it is set here, on import, before any; an operator's own value wins.
os.environ.setdefault("POLARS_CSV_CHUNK_SIZE", str(4 * 2**20))

# Two chunks are in flight (one validated and encoded while the other is written), each with its
# validation's working frames: 100,000 rows keep a 10 M-row ingest near 600 MiB peak RSS where
# 200,000 reached 800-930 MiB, at the same rows/s.
CHUNK_ROWS = 100_000
# The first chunks are smaller (FIRST_CHUNK_ROWS, doubling up to CHUNK_ROWS): nothing is written
# until the first is parsed and validated, and each next chunk is read while the previous one is
# written, so the pipeline fills without a wait.
FIRST_CHUNK_ROWS = 25_000
Format = Literal["auto", "long", "wide"]

TIME_ALIASES = {
    "recorded_at", "recordedat", "date", "datetime", "date_time", "time", "timestamp", "test_date_time",
    "test_date", "measured_at", "measurement_date", "session_date", "تاریخ", "زمان",
}  # fmt: skip
LONG_ALIASES: dict[str, set[str]] = {
    "wrestler": {
        "wrestler", "wrestler_id", "wrestlerid", "athlete", "athlete_name", "athlete_id", "external_id",
        "externalid", "name", "id", "ورزشکار", "کشتی_گیر",
    },
    "metric": {"metric", "metric_name", "metric_key", "metric_id", "key", "parameter", "measure", "شاخص"},
    "recorded_at": TIME_ALIASES,
    "value": {"value", "nvalue", "reading", "result", "measurement", "val", "مقدار"},
    "domain": {"domain", "section", "category", "حوزه"},
    "unit": {"unit", "units", "uom", "واحد"},
    "source": {"source", "device", "منبع"},
}  # fmt: skip
_UNIT_SUFFIX = re.compile(r"^(.*?)\s*[\(\[]\s*([^\)\]]+?)\s*[\)\]]\s*$")


@dataclass
class CsvPlan:
    """How a CSV file is read: its format, which file column holds what, per-column metrics (wide)."""

    fmt: Literal["long", "wide"]
    roles: dict[str, str]  # role -> file column
    metric_columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (metric, unit)
    unknown_columns: list[str] = field(default_factory=list)
    separator: str = ","

    @property
    def columns(self) -> Columns:
        return Columns(
            wrestler=self.roles.get("wrestler", "wrestler"),
            metric=self.roles.get("metric", "metric"),
            recorded_at=self.roles.get("recorded_at", "recorded_at"),
            domain=self.roles.get("domain", "domain"),
            unit=self.roles.get("unit", "unit"),
        )

    def header_errors(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "line": [1] * len(self.unknown_columns),
                "column": self.unknown_columns,
                "value": self.unknown_columns,
                "code": ["UNKNOWN_COLUMN"] * len(self.unknown_columns),
                "message": [
                    f"column '{c}' is not a metric in the catalog; skipped" for c in self.unknown_columns
                ],
            },
            schema=ERROR_SCHEMA,
        )


class HeaderError(ValueError):
    """The header lacks a required column."""


def sniff_separator(path: Path) -> str:
    with path.open("rb") as f:
        head = f.readline(65536).decode("utf-8", errors="replace")
    counts = {sep: head.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def read_header(path: Path, separator: str) -> list[str]:
    """The header's column names; HeaderError for a file with none (empty) or that is not CSV."""
    try:
        scan = pl.scan_csv(path, separator=separator, infer_schema=False, n_rows=0, encoding="utf8-lossy")
        names = scan.collect_schema().names()
    except (pl.exceptions.NoDataError, pl.exceptions.ComputeError) as exc:
        raise HeaderError("the file is empty or is not CSV (no header row)") from exc
    if not names:
        raise HeaderError("the file is empty (no header row)")
    return names


def _role_of(header: list[str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for col in header:
        norm = normalise_name(col)
        for role, aliases in LONG_ALIASES.items():
            if role not in roles and norm in aliases:
                roles[role] = col
                break
    return roles


def plan_csv(path: Path, fmt: Format, aliases: set[str]) -> CsvPlan:
    """Decide the format and map the header. `aliases` = every normalised metric key and alias."""
    separator = sniff_separator(path)
    header = read_header(path, separator)
    roles = _role_of(header)
    if fmt == "auto":
        fmt = "long" if "metric" in roles and "value" in roles else "wide"
    if fmt == "long":
        missing = [r for r in ("wrestler", "metric", "recorded_at", "value") if r not in roles]
        if missing:
            raise HeaderError(f"long CSV needs columns {', '.join(missing)} (header: {', '.join(header)})")
        return CsvPlan("long", roles, separator=separator)
    roles = {r: c for r, c in roles.items() if r in ("wrestler", "recorded_at", "source")}
    missing = [r for r in ("wrestler", "recorded_at") if r not in roles]
    if missing:
        raise HeaderError(f"wide CSV needs a {' and a '.join(missing)} column (header: {', '.join(header)})")
    plan = CsvPlan("wide", roles, separator=separator)
    for col in header:
        if col in roles.values() or col == "":
            continue
        norm = normalise_name(col)
        if norm in aliases:
            plan.metric_columns[col] = (norm, "")
            continue
        m = _UNIT_SUFFIX.match(col)
        if m and normalise_name(m.group(1)) in aliases:
            plan.metric_columns[col] = (normalise_name(m.group(1)), m.group(2))
            continue
        plan.unknown_columns.append(col)
    return plan


def _batches(lf: pl.LazyFrame, size: int, first: int) -> Iterator[pl.DataFrame]:
    n = max(1, min(size, first))
    offset = 0
    while n < size:
        head = lf.slice(offset, n).collect()
        yield head
        offset += n
        if head.height < n:
            return
        n *= 2
    yield from lf.slice(offset).collect_batches(chunk_size=size)


def _null_str() -> pl.Expr:
    return pl.lit(None, dtype=pl.String)


def csv_chunks(path: Path, plan: CsvPlan, chunk_rows: int = CHUNK_ROWS) -> Iterator[pl.DataFrame]:
    """Raw chunks of the file; `line` is the file's own line number (header = 1)."""
    wanted = list(plan.roles.values()) + list(plan.metric_columns)
    lf = (
        pl.scan_csv(
            path,
            separator=plan.separator,
            infer_schema=False,
            truncate_ragged_lines=True,
            encoding="utf8-lossy",
        )
        .with_row_index("line", offset=2)
        .select("line", *wanted)
    )
    r = plan.roles

    def col(role: str) -> pl.Expr:
        return pl.col(r[role]) if role in r else _null_str()

    if plan.fmt == "long":
        shaped = lf.select(
            pl.col("line").cast(pl.Int64),
            col("wrestler").alias("wrestler"),
            col("metric").alias("metric"),
            col("recorded_at").alias("recorded_at"),
            col("value").alias("value"),
            col("domain").alias("domain"),
            col("unit").alias("unit"),
            col("source").alias("source"),
            pl.lit(r["value"]).alias("vcol"),
        )
        yield from _batches(shaped, chunk_rows, FIRST_CHUNK_ROWS)
        return
    meta = pl.DataFrame(
        {
            "vcol": list(plan.metric_columns),
            "metric": [m for m, _ in plan.metric_columns.values()],
            "unit": [u or None for _, u in plan.metric_columns.values()],
        },
        schema={"vcol": pl.String(), "metric": pl.String(), "unit": pl.String()},
    )
    base = lf.select(
        pl.col("line").cast(pl.Int64),
        col("wrestler").alias("wrestler"),
        col("recorded_at").alias("recorded_at"),
        col("source").alias("source"),
        *[pl.col(c) for c in plan.metric_columns],
    )
    # A wide row of k metrics becomes k readings: keep chunks near chunk_rows readings.
    per = max(1, chunk_rows // max(1, len(plan.metric_columns)))
    for batch in _batches(base, per, FIRST_CHUNK_ROWS // max(1, len(plan.metric_columns))):
        long = batch.unpivot(
            index=["line", "wrestler", "recorded_at", "source"],
            on=list(plan.metric_columns),
            variable_name="vcol",
            value_name="value",
        ).filter(pl.col("value").is_not_null() & (pl.col("value").str.strip_chars() != ""))
        yield (
            long.join(meta, on="vcol", how="left", maintain_order="left")
            .with_columns(pl.lit(None, dtype=pl.String).alias("domain"))
            .select(list(RAW_SCHEMA))
            .cast(RAW_SCHEMA)  # type: ignore[arg-type]
            .sort("line", maintain_order=True)
        )


def readings_frame(readings: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """Device readings -> one raw chunk; `line` is the reading's index in the array."""

    def text(v: Any) -> str | None:
        return None if v is None else str(v)

    return pl.DataFrame(
        {
            "line": list(range(len(readings))),
            "wrestler": [text(r.get("wrestlerId") or r.get("externalId")) for r in readings],
            "metric": [text(r.get("metric")) for r in readings],
            "recorded_at": [text(r.get("recordedAt")) for r in readings],
            "value": [text(r.get("value")) for r in readings],
            "domain": [text(r.get("domain")) for r in readings],
            "unit": [text(r.get("unit")) for r in readings],
            "source": [text(r.get("source")) for r in readings],
            "vcol": ["value"] * len(readings),
        },
        schema=RAW_SCHEMA,
    )


ChunkFactory = Callable[[], Iterator[pl.DataFrame]]
