"""Pure, vectorised parsing of the text cells of an import: names, numbers, durations and times.

Every function takes and returns Polars expressions or frames; nothing here touches the database.
Per-value Python work is limited to the few distinct Jalali dates of a chunk.
"""

from __future__ import annotations

import re
from datetime import date

import jdatetime
import polars as pl

from core.digits import ASCII_DIGITS, DIGITS_FROM, DIGITS_TO
from core.timezones import local_to_utc

# Arabic kaf/yeh are folded to the Persian letters the catalog stores.
_FOLD_FROM = ["\u0643", "\u064a"]
_FOLD_TO = ["\u06a9", "\u06cc"]
# Alphanumeric = ASCII letters/digits and the Persian letters (the catalog's alias normalisation).
_ALNUM_CLASS = "a-z0-9\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc"
_NON_ALNUM_RE = re.compile(f"[^{_ALNUM_CLASS}]+")
_NON_ALNUM_PL = f"[^{_ALNUM_CLASS}]+"


def ascii_digits_str(text: str) -> str:
    return text.translate(ASCII_DIGITS)


def normalise_name(name: str) -> str:
    """'ECW/TBW' -> 'ecw_tbw', 'Percent Body Fat (PBF)' -> 'percent_body_fat_pbf'."""
    text = ascii_digits_str(name).lower()
    for a, b in zip(_FOLD_FROM, _FOLD_TO, strict=True):
        text = text.replace(a, b)
    return _NON_ALNUM_RE.sub("_", text).strip("_")


def normalise_name_expr(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.replace_many(DIGITS_FROM + _FOLD_FROM, DIGITS_TO + _FOLD_TO)
        .str.to_lowercase()
        .str.replace_all(_NON_ALNUM_PL, "_")
        .str.strip_chars("_")
    )


def ascii_digits(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_many(DIGITS_FROM, DIGITS_TO)


def number_expr(expr: pl.Expr) -> pl.Expr:
    """Text -> Float64 (null when not a finite number). ',' is the decimal mark unless a '.' is
    present too, in which case ',' separates thousands."""
    s = (
        ascii_digits(expr)
        .str.strip_chars()
        .str.replace_all("\u066b", ".", literal=True)
        .str.replace_all("[\u066c\u00a0 ']", "")
    )
    s = (
        pl.when(s.str.contains(".", literal=True))
        .then(s.str.replace_all(",", "", literal=True))
        .otherwise(s.str.replace(",", ".", literal=True))
    )
    # Only plain decimal notation: 'nan', 'inf' and '1e400' are not readings.
    s = pl.when(s.str.contains(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?$")).then(s)
    v = s.cast(pl.Float64, strict=False)
    return pl.when(v.is_finite()).then(v)


_CLOCK_RE = r"^(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$"


def clock_seconds_expr(expr: pl.Expr) -> pl.Expr:
    """'H:MM:SS' (or 'H:MM') -> seconds as Float64; null when the text is not a clock value."""
    s = ascii_digits(expr).str.strip_chars()
    h = s.str.extract(_CLOCK_RE, 1).cast(pl.Float64, strict=False)
    m = s.str.extract(_CLOCK_RE, 2).cast(pl.Float64, strict=False)
    sec = s.str.extract(_CLOCK_RE, 3).cast(pl.Float64, strict=False).fill_null(0.0)
    return pl.when(m < 60).then(h * 3600 + m * 60 + sec)


# Date, optional time, optional offset. Separators '-', '/', '.', '_' (the legacy 'YYYY-MM_DD').
_TIME_RE = (
    r"^(\d{4})[-/._](\d{1,2})[-/._](\d{1,2})\.?"
    r"(?:[T ]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$"
)
_COMPACT_RE = r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$"


def _jalali_to_gregorian(y: int, m: int, d: int) -> date | None:
    try:
        g = jdatetime.date(y, m, d).togregorian()
    except (ValueError, OverflowError):
        return None
    return date(g.year, g.month, g.day)


def parse_numbers(raw: pl.Series) -> pl.Series:
    """Text -> Float64: a plain cast first, number_expr only for the cells it could not read."""
    fast = raw.cast(pl.Float64, strict=False)
    fast = pl.select(pl.when(fast.is_finite()).then(fast)).to_series().alias(raw.name)
    missing = fast.is_null() & raw.is_not_null()
    if not missing.any():
        return fast
    idx = missing.arg_true()
    slow = pl.select(number_expr(pl.lit(raw.gather(idx)))).to_series()
    return fast.scatter(idx, slow)


def parse_times(raw: pl.Series, *, calendar: str, timezone: str) -> pl.Series:
    """Text -> Datetime('us', 'UTC'); null when unreadable. Naive times are read in `timezone`
    (core.timezones: the one rule, daylight-saving gaps and overlaps included);
    Jalali dates (calendar='jalali', or 'auto' with a year below 1700) are converted first.
    The common ISO forms go through Polars' own parser; only the rest takes the regex path."""
    raw = raw.cast(pl.String)
    if calendar == "jalali":
        return _parse_times_slow(raw, calendar=calendar, timezone=timezone)
    aware = raw.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_zone="UTC", time_unit="us")
    naive = pl.select(
        pl.coalesce(
            pl.lit(raw).str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us"),
            pl.lit(raw).str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us"),
        )
    ).to_series()
    fast = pl.select(
        pl.coalesce(
            pl.lit(aware),
            local_to_utc(pl.lit(naive), timezone),
        )
    ).to_series()
    if calendar == "auto":
        fast = pl.select(pl.when(pl.lit(fast).dt.year() >= 1700).then(pl.lit(fast))).to_series()
    missing = fast.is_null() & raw.is_not_null()
    if not missing.any():
        return fast.alias("recorded_at")
    idx = missing.arg_true()
    slow = _parse_times_slow(raw.gather(idx), calendar=calendar, timezone=timezone)
    return fast.scatter(idx, slow).alias("recorded_at")


def _parse_times_slow(raw: pl.Series, *, calendar: str, timezone: str) -> pl.Series:
    s = ascii_digits(pl.col("t")).str.strip_chars()
    frame = pl.DataFrame({"t": raw}).with_columns(s.alias("t"))
    parts = frame.select(
        pl.coalesce(pl.col("t").str.extract(_TIME_RE, i), pl.col("t").str.extract(_COMPACT_RE, i)).alias(name)
        if i <= 6
        else pl.col("t").str.extract(_TIME_RE, i).alias(name)
        for i, name in enumerate(["y", "mo", "d", "h", "mi", "s", "frac", "off"], start=1)
    ).with_columns(pl.col(c).cast(pl.Int32, strict=False) for c in ("y", "mo", "d", "h", "mi", "s"))
    if calendar == "jalali":
        is_jalali = pl.col("y").is_not_null()
    elif calendar == "gregorian":
        is_jalali = pl.lit(False)
    else:
        is_jalali = pl.col("y") < 1700
    parts = parts.with_columns(is_jalali.fill_null(False).alias("jalali"))

    greg = pl.format(
        "{}-{}-{}",
        pl.col("y"),
        pl.col("mo").cast(pl.String).str.zfill(2),
        pl.col("d").cast(pl.String).str.zfill(2),
    ).str.to_date("%Y-%m-%d", strict=False)
    jal = parts.filter(pl.col("jalali")).select("y", "mo", "d").unique()
    if jal.height:
        converted = [_jalali_to_gregorian(y, m, d) for y, m, d in jal.iter_rows()]
        jal = jal.with_columns(pl.Series("jdate", converted, dtype=pl.Date))
        parts = parts.join(jal, on=["y", "mo", "d"], how="left", nulls_equal=False, maintain_order="left")
    else:
        parts = parts.with_columns(pl.lit(None, dtype=pl.Date).alias("jdate"))

    frac = pl.col("frac").str.slice(0, 6).str.pad_end(6, "0").cast(pl.Int64, strict=False).fill_null(0)
    h, mi, sec = (pl.col(c).fill_null(0) for c in ("h", "mi", "s"))
    time_ok = (h < 24) & (mi < 60) & (sec < 60)
    day = pl.when(pl.col("jalali")).then(pl.col("jdate")).otherwise(greg)
    local = day.cast(pl.Datetime("us")) + pl.duration(
        hours=h, minutes=mi, seconds=sec, microseconds=frac, time_unit="us"
    )
    off = pl.col("off")
    sign = pl.when(off.str.starts_with("-")).then(-1).otherwise(1)
    off_digits = off.str.replace_all(r"[^0-9]", "")
    off_minutes = (
        off_digits.str.slice(0, 2).cast(pl.Int64, strict=False) * 60
        + off_digits.str.slice(2, 2).cast(pl.Int64, strict=False).fill_null(0)
    ) * sign
    has_utc = off.is_in(["Z", "z", "UTC"])
    off_minutes = pl.when(has_utc).then(0).otherwise(off_minutes)
    explicit = (local - pl.duration(minutes=off_minutes, time_unit="us")).dt.replace_time_zone("UTC")
    zoned = local_to_utc(local, timezone)
    out = parts.select(
        pl.when(~time_ok)
        .then(None)
        .when(off.is_not_null())
        .then(explicit)
        .otherwise(zoned)
        .alias("recorded_at")
    )
    return out["recorded_at"]
