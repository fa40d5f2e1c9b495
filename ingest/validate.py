"""Vectorised validation of one chunk of raw readings: resolve wrestlers and metrics by joins, parse
values and times, convert units, check ranges and access. Pure: frames in, (points, errors) out.

A raw chunk has string columns `wrestler, metric, recorded_at, value, domain, unit, source, vcol`
(vcol = the file column the value came from) and an integer `line` (the file's own line number).
Each rejected row yields one error, the first failing check in the order of CHECKS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

import polars as pl

from core.access import ATHLETE_WRITABLE_DOMAINS, Principal, Scope
from ingest.normalize import clock_seconds_expr, normalise_name_expr, parse_numbers, parse_times

RAW_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "wrestler": pl.String(),
    "metric": pl.String(),
    "recorded_at": pl.String(),
    "value": pl.String(),
    "domain": pl.String(),
    "unit": pl.String(),
    "source": pl.String(),
    "vcol": pl.String(),
}
ERROR_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "column": pl.String(),
    "value": pl.String(),
    "code": pl.String(),
    "message": pl.String(),
}
Calendar = Literal["auto", "gregorian", "jalali"]


@dataclass(frozen=True)
class Actor:
    """Who ingests: the system (CLI, importer) or an API user with their role and links."""

    role: Literal["system", "admin", "coach", "athlete"]
    user_id: UUID | None = None
    team_id: UUID | None = None
    wrestler_id: UUID | None = None

    @property
    def is_admin(self) -> bool:
        return self.role in ("system", "admin")

    @classmethod
    def for_principal(cls, p: Principal) -> Actor:
        return cls(role=p.role, user_id=p.id, team_id=p.team_id, wrestler_id=p.wrestler_id)

    @property
    def scope(self) -> Scope:
        """The wrestlers this actor may name."""
        return Scope.of(self.role, self.team_id, self.wrestler_id)


@dataclass
class Lookups:
    wrestlers: pl.DataFrame  # key, wrestler_id, team_id, ambiguous
    aliases: pl.DataFrame  # alias, metric_id
    metrics: pl.DataFrame  # metric_id, key, domain, kind, unit, min_value, max_value
    conversions: pl.DataFrame  # metric_id, unit, factor, offset
    domains: dict[str, str] = field(default_factory=dict)  # normalised domain or section -> domain


@dataclass(frozen=True)
class Validated:
    points: pl.DataFrame
    errors: pl.DataFrame
    warnings: pl.DataFrame


@dataclass(frozen=True)
class Columns:
    """The file's own names of the columns, for error reports."""

    wrestler: str = "wrestler"
    metric: str = "metric"
    recorded_at: str = "recorded_at"
    domain: str = "domain"
    unit: str = "unit"


def wrestler_lookup(rows: pl.DataFrame) -> pl.DataFrame:
    """rows: id, external_id, name_en, name_fa, team_id (strings) -> key, wrestler_id, team_id,
    ambiguous. An id beats an external id beats a name; a name shared by two wrestlers is ambiguous."""
    keyed = pl.concat(
        [
            rows.select(pl.col(src).alias("key"), pl.col("id").alias("wrestler_id"), "team_id").with_columns(
                pl.lit(prio).alias("prio")
            )
            for src, prio in (("id", 0), ("external_id", 1), ("name_en", 2), ("name_fa", 2))
        ]
    ).filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
    best = keyed.filter(pl.col("prio") == pl.col("prio").min().over("key"))
    return best.group_by("key").agg(
        pl.col("wrestler_id").first(),
        pl.col("team_id").first(),
        (pl.col("wrestler_id").n_unique() > 1).alias("ambiguous"),
    )


def _blank(c: str) -> pl.Expr:
    return pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")


# How well the metric chosen for a name fits the row (pick_metrics): lower is better.
FIT_IN_DOMAIN = 0  # the name in the row's own domain
FIT_ELSEWHERE = 2  # the name's meaning in another domain, and the row's unit fits it
FIT_UNIT_MISMATCH = 3  # the row's unit fits none of the name's meanings


def pick_metrics(combos: pl.DataFrame, lk: Lookups) -> pl.DataFrame:
    """Distinct (m_key, d_key, u_key) -> the metric the name means there: `metric_id`, `m_fit`.

    A name means, in order: the metric of that name in the row's domain; else the name's preferred
    meaning if the row's unit fits it (no unit, the metric's unit, or a known conversion); else
    another meaning the unit fits; else the preferred one (whose unit check then fails with its own
    error). So a row labelled with the wrong domain still lands on the one quantity its name and unit
    describe, and the same name in two domains keeps two quantities apart."""
    units = lk.metrics.select("metric_id", pl.col("domain").alias("c_domain"), pl.col("unit").alias("c_unit"))
    conversions = lk.conversions.select(
        "metric_id", pl.col("unit").alias("u_key"), pl.lit(True).alias("conv")
    )
    candidates = (
        combos.join(lk.aliases, left_on="m_key", right_on="alias", how="inner")
        .join(units, on="metric_id", how="inner")
        .join(conversions, on=["metric_id", "u_key"], how="left")
    )
    unit_fits = _blank("u_key") | (pl.col("u_key") == pl.col("c_unit")) | pl.col("conv")
    fit = (
        pl.when(pl.col("d_key").is_not_null() & (pl.col("c_domain") == pl.col("d_key")))
        .then(pl.lit(FIT_IN_DOMAIN))
        .when(unit_fits.fill_null(False))
        .then(pl.when(pl.col("preferred")).then(pl.lit(1)).otherwise(pl.lit(FIT_ELSEWHERE)))
        .when(pl.col("preferred"))
        .then(pl.lit(FIT_UNIT_MISMATCH))
        .otherwise(pl.lit(FIT_UNIT_MISMATCH + 1))
    )
    return (
        candidates.with_columns(fit.alias("m_fit"))
        .sort("m_fit", "metric_id")
        .group_by("m_key", "d_key", "u_key", maintain_order=True)
        .agg(pl.col("metric_id").first(), pl.col("m_fit").first())
        .with_columns(pl.col("m_fit").clip(upper_bound=FIT_UNIT_MISMATCH))
    )


def resolve_keys(raw: pl.DataFrame, lk: Lookups) -> pl.DataFrame:
    """Add w_key, m_key, d_key, u_key and the joined wrestler and metric columns."""

    # Names repeat across rows: normalise each distinct one once and join the result back.
    def keyed(col: str, expr: pl.Expr, name: str) -> pl.DataFrame:
        return raw.select(col).unique().with_columns(expr.alias(name))

    df = (
        raw.join(
            keyed("wrestler", pl.col("wrestler").str.strip_chars(), "w_key"),
            on="wrestler",
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        .join(
            keyed("metric", normalise_name_expr(pl.col("metric")), "m_key"),
            on="metric",
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        .join(
            keyed(
                "domain",
                normalise_name_expr(pl.col("domain")).replace_strict(
                    lk.domains, default=None, return_dtype=pl.String
                ),
                "d_key",
            ),
            on="domain",
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
        .join(
            keyed("unit", pl.col("unit").str.strip_chars().str.to_lowercase(), "u_key"),
            on="unit",
            how="left",
            nulls_equal=True,
            maintain_order="left",
        )
    )
    df = df.join(lk.wrestlers, left_on="w_key", right_on="key", how="left", maintain_order="left")
    df = df.join(
        pick_metrics(df.select("m_key", "d_key", "u_key").unique(), lk),
        on=["m_key", "d_key", "u_key"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    metrics = lk.metrics.select(
        "metric_id",
        pl.col("key").alias("m_name"),
        pl.col("domain").alias("m_domain"),
        "kind",
        pl.col("unit").str.to_lowercase().alias("m_unit"),
        "min_value",
        "max_value",
    )
    return df.join(metrics, on="metric_id", how="left", maintain_order="left")


def validate_chunk(
    raw: pl.DataFrame,
    lk: Lookups,
    *,
    actor: Actor,
    calendar: Calendar,
    timezone: str,
    default_source: str,
    cols: Columns,
) -> Validated:
    """-> points in ingest.writer.POINT_SCHEMA; errors (rejected rows) and warnings (rows stored
    after a correction) in ERROR_SCHEMA."""
    df = resolve_keys(raw, lk)
    df = df.with_columns(parse_numbers(df["value"]).alias("raw_value"), pl.lit(False).alias("is_clock"))
    if (df["kind"] == "duration").any():
        clock = clock_seconds_expr(pl.col("value"))
        is_clock = ((pl.col("kind") == "duration") & clock.is_not_null()).fill_null(False)
        df = df.with_columns(
            pl.when(is_clock).then(clock).otherwise(pl.col("raw_value")).alias("raw_value"),
            is_clock.alias("is_clock"),
        )
    conv = lk.conversions.rename({"unit": "u_key"})
    df = df.join(conv, on=["metric_id", "u_key"], how="left", maintain_order="left")
    no_unit = _blank("u_key") | pl.col("is_clock") | (pl.col("u_key") == pl.col("m_unit"))
    df = df.with_columns(
        (no_unit | pl.col("factor").is_not_null()).alias("unit_ok"),
        pl.when(no_unit)
        .then(pl.col("raw_value"))
        .otherwise(pl.col("raw_value") * pl.col("factor") + pl.col("offset"))
        .alias("num"),
        parse_times(df["recorded_at"], calendar=calendar, timezone=timezone).alias("ts"),
    )
    if actor.role == "coach":
        allowed = pl.col("team_id") == str(actor.team_id) if actor.team_id else pl.lit(False)
    elif actor.role == "athlete":
        allowed = (
            (pl.col("wrestler_id") == str(actor.wrestler_id))
            & pl.col("m_domain").is_in(ATHLETE_WRITABLE_DOMAINS)
            if actor.wrestler_id
            else pl.lit(False)
        )
    else:
        allowed = pl.lit(True)
    domain_given = ~_blank("domain")
    out_of_range = (pl.col("num") < pl.col("min_value")) | (pl.col("num") > pl.col("max_value"))
    checks: list[tuple[pl.Expr, str, str, str, pl.Expr]] = [
        # condition, code, column, cell column, message
        (_blank("wrestler"), "MISSING_FIELD", cols.wrestler, "wrestler", pl.lit("wrestler is empty")),
        (_blank("metric"), "MISSING_FIELD", cols.metric, "metric", pl.lit("metric is empty")),
        (_blank("recorded_at"), "MISSING_FIELD", cols.recorded_at, "recorded_at", pl.lit("time is empty")),
        (_blank("value"), "MISSING_FIELD", "", "value", pl.lit("value is empty")),
        (
            pl.col("wrestler_id").is_null(),
            "UNKNOWN_WRESTLER",
            cols.wrestler,
            "wrestler",
            pl.format("no wrestler has id, external id or exact name '{}'", pl.col("w_key")),
        ),
        (
            pl.col("ambiguous").fill_null(False),
            "AMBIGUOUS_WRESTLER",
            cols.wrestler,
            "wrestler",
            pl.format("more than one wrestler is named '{}'; use the id or external id", pl.col("w_key")),
        ),
        (
            domain_given & pl.col("d_key").is_null(),
            "UNKNOWN_DOMAIN",
            cols.domain,
            "domain",
            pl.format(
                "unknown domain '{}' (one of {})",
                pl.col("domain"),
                pl.lit(", ".join(sorted(set(lk.domains.values())))),
            ),
        ),
        (
            pl.col("metric_id").is_null(),
            "UNKNOWN_METRIC",
            cols.metric,
            "metric",
            pl.format("metric '{}' is not in the catalog (key or alias)", pl.col("metric")),
        ),
        (
            ~allowed.fill_null(False),
            "FORBIDDEN",
            cols.wrestler,
            "wrestler",
            pl.format("you may not write {} data of wrestler '{}'", pl.col("m_domain"), pl.col("w_key")),
        ),
        (
            pl.col("ts").is_null(),
            "INVALID_TIME",
            cols.recorded_at,
            "recorded_at",
            pl.format(
                "'{}' is not a date/time (ISO 8601, YYYY-MM-DD[ HH:MM[:SS]], YYYY/MM/DD, Jalali)",
                pl.col("recorded_at"),
            ),
        ),
        (
            pl.col("raw_value").is_null(),
            "INVALID_VALUE",
            "",
            "value",
            pl.format("'{}' is not a number", pl.col("value")),
        ),
        (
            ~pl.col("unit_ok"),
            "UNKNOWN_UNIT",
            cols.unit,
            "unit",
            pl.format(
                "metric '{}' has no conversion from unit '{}' to '{}'",
                pl.col("m_name"),
                pl.col("unit"),
                pl.col("m_unit"),
            ),
        ),
        (
            out_of_range.fill_null(False),
            "OUT_OF_RANGE",
            "",
            "value",
            pl.format(
                "{} {} is outside the valid range {}..{}",
                pl.col("m_name"),
                pl.col("num"),
                pl.col("min_value"),
                pl.col("max_value"),
            ),
        ),
    ]
    code: pl.Expr = pl.lit(None, dtype=pl.String)
    column: pl.Expr = pl.lit(None, dtype=pl.String)
    cell: pl.Expr = pl.lit(None, dtype=pl.String)
    message: pl.Expr = pl.lit(None, dtype=pl.String)
    # Built back to front so that the first failing check wins.
    for cond, c, colname, cellcol, msg in reversed(checks):
        colexpr = pl.col("vcol") if colname == "" else pl.lit(colname)
        code = pl.when(cond).then(pl.lit(c)).otherwise(code)
        column = pl.when(cond).then(colexpr).otherwise(column)
        cell = pl.when(cond).then(pl.col(cellcol)).otherwise(cell)
        message = pl.when(cond).then(msg).otherwise(message)
    df = df.with_columns(code.alias("code"))
    bad = df.filter(pl.col("code").is_not_null())
    errors = bad.select(
        pl.col("line").cast(pl.Int64),
        column.alias("column"),
        cell.fill_null("").alias("value"),
        "code",
        message.fill_null("").alias("message"),
    )
    good = df.filter(pl.col("code").is_null())
    corrected = good.filter(domain_given & (pl.col("d_key") != pl.col("m_domain")))
    warnings = corrected.select(
        pl.col("line").cast(pl.Int64),
        pl.lit(cols.domain).alias("column"),
        pl.col("domain").alias("value"),
        pl.lit("DOMAIN_CORRECTED").alias("code"),
        pl.format(
            "metric '{}' belongs to domain '{}': stored there, not in '{}'",
            pl.col("m_name"),
            pl.col("m_domain"),
            pl.col("d_key"),
        ).alias("message"),
    )
    points = good.select(
        "wrestler_id",
        pl.col("metric_id").cast(pl.Int32),
        pl.col("m_domain").alias("domain"),
        pl.col("ts").alias("recorded_at"),
        pl.col("num").alias("value"),
        pl.when(_blank("source"))
        .then(pl.lit(default_source))
        .otherwise(pl.col("source").str.strip_chars())
        .alias("source"),
    )
    return Validated(points, errors, warnings)
