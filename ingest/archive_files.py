"""The files of a series archive: durations, periods, file names, Parquet and the manifest. Pure: no
database (db/archive.py has the SQL, ingest/archive.py joins the two).

Layout of an archive directory (one per archive target, shared by any number of runs):

    manifest.json
    <domain>/<YYYY-MM>/<domain>_<YYYY-MM>_<chunk start, UTC %Y%m%dT%H%M%SZ>.parquet

A file holds the rows of one dropped chunk that fall in one local month (the bucket time zone's, so
a local day is never split across months). A month is split into several files when it spans chunks,
whichever archive run dropped them; the chunk's start makes the names unique, since a hypertable's
chunk ranges are fixed. A file written again for the same chunk and month (a restored month archived
once more) replaces the earlier one and its manifest entry: it holds the same rows and any added
since the restore.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
# Rows per COPY when a file is restored: bounds the memory of a restore whatever a file holds.
RESTORE_SLICE_ROWS = 200_000
# Value sums are float sums taken in different orders by PostgreSQL and Polars.
SUM_REL_TOLERANCE = 1e-9

# The COPY text the export writes (db.archive.EXPORT_COLUMNS): time as Unix microseconds, exact.
EXPORT_CSV_SCHEMA: dict[str, pl.DataType] = {
    "wrestler_id": pl.String(),
    "metric_id": pl.Int32(),
    "recorded_us": pl.Int64(),
    "value": pl.Float64(),
    "source": pl.String(),
    "batch_id": pl.Int64(),
}
FILE_SCHEMA: dict[str, pl.DataType] = {
    "wrestler_id": pl.String(),
    "metric_id": pl.Int32(),
    "recorded_at": pl.Datetime("us", "UTC"),
    "value": pl.Float64(),
    "source": pl.String(),
    "batch_id": pl.Int64(),
}

_DURATION = re.compile(r"^\s*(\d+)\s*(d|w|mo|y)\s*$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ArchiveError(Exception):
    """Bad input or a file that does not match what it should hold; the message says which."""


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str  # d, w, mo, y

    def before(self, moment: datetime) -> datetime:
        """`moment` minus this duration; months and years by the calendar (day clamped to the
        month's length)."""
        if self.unit == "d":
            return moment - timedelta(days=self.amount)
        if self.unit == "w":
            return moment - timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "y" else 1)
        index = moment.year * 12 + moment.month - 1 - months
        year, month = divmod(index, 12)
        day = min(moment.day, calendar.monthrange(year, month + 1)[1])
        return moment.replace(year=year, month=month + 1, day=day)


def parse_duration(text: str) -> Duration:
    """`90d`, `12w`, `18mo`, `2y` (a positive whole number and a unit)."""
    m = _DURATION.match(text)
    if not m or int(m.group(1)) <= 0:
        raise ArchiveError(
            f"invalid duration {text!r}: expected a positive whole number and a unit,"
            " d (days), w (weeks), mo (months) or y (years), e.g. 90d, 18mo, 2y"
        )
    return Duration(int(m.group(1)), m.group(2).lower())


def parse_month(text: str, option: str) -> date:
    """`YYYY-MM` -> the first day of that month."""
    m = _MONTH.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ArchiveError(f"{option}: invalid month {text!r}, expected YYYY-MM (e.g. 2025-03)")
    return date(int(m.group(1)), int(m.group(2)), 1)


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """The part of one chunk that lies in one local month."""

    domain: str
    month: date
    start: datetime
    end: datetime
    chunk_start: datetime

    @property
    def file_name(self) -> str:
        m = month_key(self.month)
        stamp = self.chunk_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return f"{self.domain}/{m}/{self.domain}_{m}_{stamp}.parquet"


def chunk_periods(domain: str, chunk_start: datetime, chunk_end: datetime, zone: str) -> list[Period]:
    """The local months a chunk's range [start, end) touches, each clipped to the chunk."""
    tz = ZoneInfo(zone)
    first = chunk_start.astimezone(tz).date().replace(day=1)
    periods: list[Period] = []
    month = first
    while True:
        lo = max(chunk_start, _local_midnight(month, tz))
        hi = min(chunk_end, _local_midnight(_next_month(month), tz))
        if lo >= chunk_end:
            break
        if lo < hi:
            periods.append(Period(domain, month, lo, hi, chunk_start))
        month = _next_month(month)
    return periods


@dataclass(frozen=True)
class FileStats:
    rows: int
    value_sum: float
    min_at: datetime | None
    max_at: datetime | None


def sums_match(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=SUM_REL_TOLERANCE, abs_tol=1e-9)


def csv_to_parquet(csv_path: Path, parquet_path: Path) -> None:
    """The export's COPY text -> a zstd Parquet file, streamed (memory does not grow with the
    file)."""
    parquet_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = parquet_path.with_suffix(".parquet.tmp")
    (
        pl.scan_csv(csv_path, has_header=False, schema=EXPORT_CSV_SCHEMA)
        .select(
            "wrestler_id",
            "metric_id",
            pl.col("recorded_us").cast(pl.Datetime("us", "UTC")).alias("recorded_at"),
            "value",
            "source",
            "batch_id",
        )
        .sink_parquet(tmp, compression="zstd")
    )
    os.replace(tmp, parquet_path)


def parquet_stats(path: Path) -> FileStats:
    """Row count, value sum and time range of a file, read back from disk."""
    try:
        row = (
            pl.scan_parquet(path)
            .select(
                pl.len().alias("rows"),
                pl.col("value").sum().alias("value_sum"),
                pl.col("recorded_at").min().alias("min_at"),
                pl.col("recorded_at").max().alias("max_at"),
            )
            .collect()
            .row(0, named=True)
        )
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ArchiveError(f"{path}: cannot be read as Parquet ({type(exc).__name__}: {exc})") from exc
    return FileStats(int(row["rows"]), float(row["value_sum"] or 0.0), row["min_at"], row["max_at"])


def parquet_slices(path: Path, rows: int = RESTORE_SLICE_ROWS) -> Iterator[pl.DataFrame]:
    """A file's rows in slices of at most `rows`, in FILE_SCHEMA."""
    lazy = pl.scan_parquet(path)
    total = int(lazy.select(pl.len()).collect().item())
    for offset in range(0, total, rows):
        yield lazy.slice(offset, rows).collect().cast(FILE_SCHEMA)  # type: ignore[arg-type]


def file_wrestlers(path: Path) -> list[str]:
    """The distinct wrestler ids of a file."""
    return pl.scan_parquet(path).select(pl.col("wrestler_id").unique()).collect().to_series().to_list()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class ManifestEntry:
    file: str  # relative to the archive directory
    domain: str
    month: str  # YYYY-MM, local month
    rows: int
    sha256: str
    value_sum: float
    min_at: str  # ISO 8601, UTC
    max_at: str
    period_start: str
    period_end: str
    archived_at: str


def entry_for(period: Period, stats: FileStats, sha256: str, archived_at: datetime) -> ManifestEntry:
    assert stats.min_at is not None and stats.max_at is not None
    return ManifestEntry(
        file=period.file_name,
        domain=period.domain,
        month=month_key(period.month),
        rows=stats.rows,
        sha256=sha256,
        value_sum=stats.value_sum,
        min_at=stats.min_at.isoformat(),
        max_at=stats.max_at.isoformat(),
        period_start=period.start.astimezone(UTC).isoformat(),
        period_end=period.end.astimezone(UTC).isoformat(),
        archived_at=archived_at.astimezone(UTC).isoformat(),
    )


def load_manifest(directory: Path, *, required: bool = False) -> list[ManifestEntry]:
    """The manifest's entries; an absent manifest is an empty archive, or an error if `required`."""
    path = directory / MANIFEST
    if not path.exists():
        if required:
            raise ArchiveError(f"{directory}: no {MANIFEST} (not an archive directory)")
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("version") != MANIFEST_VERSION:
            raise ArchiveError(f"{path}: unknown manifest version {doc.get('version')!r}")
        return [ManifestEntry(**e) for e in doc["files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(f"{path}: not a readable archive manifest ({exc})") from exc


def save_manifest(directory: Path, entries: Iterable[ManifestEntry], bucket_timezone: str) -> None:
    """Write the manifest atomically (a crash leaves the previous one)."""
    ordered = sorted(entries, key=lambda e: (e.domain, e.month, e.file))
    doc = {
        "version": MANIFEST_VERSION,
        "bucket_timezone": bucket_timezone,
        "files": [asdict(e) for e in ordered],
    }
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, directory / MANIFEST)


def merge_entries(old: Iterable[ManifestEntry], new: Iterable[ManifestEntry]) -> list[ManifestEntry]:
    """Entries of a new run replace those of the same file."""
    by_file = {e.file: e for e in old}
    by_file.update({e.file: e for e in new})
    return list(by_file.values())


def select_months(
    entries: Iterable[ManifestEntry], first: date | None, last: date | None
) -> list[ManifestEntry]:
    """Entries whose month lies in [first, last] (either end open)."""
    lo = month_key(first) if first else "0000-00"
    hi = month_key(last) if last else "9999-99"
    return [e for e in entries if lo <= e.month <= hi]


def export_to_file(csv_path: Path, parquet_path: Path) -> bool:
    """Turn an export's COPY text into its Parquet file and remove the text; False (no file) when the
    period had no rows."""
    try:
        if not csv_path.stat().st_size:
            return False
        csv_to_parquet(csv_path, parquet_path)
        return True
    finally:
        csv_path.unlink()


def check_entry(directory: Path, entry: ManifestEntry) -> None:
    """The file exists and its checksum is the manifest's."""
    path = directory / entry.file
    if not path.is_file():
        raise ArchiveError(f"{path}: listed in the manifest but missing")
    digest = sha256_file(path)
    if digest != entry.sha256:
        raise ArchiveError(
            f"{path}: checksum mismatch (manifest sha256 {entry.sha256[:16]}…, file {digest[:16]}…);"
            " the file was changed or corrupted since it was archived, nothing was restored"
        )
