"""SQL on a legacy Fittechno database (read only) and the upsert of its
athletes as wrestlers of ours."""

from __future__ import annotations

import polars as pl

from db.types import PgConn


async def measurement_rows(legacy: PgConn, tables: dict[str, str]) -> pl.DataFrame:
    """Every measurement row of the tables (table -> its value column) that exist, with its session's
    dates and its athlete."""
    frames: list[pl.DataFrame] = []
    for table, value_col in tables.items():
        if not await legacy.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
            continue
        rows = await legacy.fetch(f"""
            SELECT t.id, t.metric_name, t.{value_col}::text AS value,
                   s.athlete_id, coalesce(a.athlete_name, t.athlete_name) AS athlete_name,
                   s.miladi_date, s.shamsi_date, s.start_time
              FROM {table} t
              LEFT JOIN session_time s ON s.session_id::text = t.session_id
              LEFT JOIN athlete a ON a.id = s.athlete_id
             ORDER BY t.id""")
        frames.append(
            pl.DataFrame(
                [tuple(r) for r in rows],
                schema={
                    "id": pl.Int64(),
                    "metric": pl.String(),
                    "value": pl.String(),
                    "athlete_id": pl.Int64(),
                    "athlete_name": pl.String(),
                    "miladi": pl.String(),
                    "shamsi": pl.String(),
                    "start": pl.String(),
                },
                orient="row",
            ).with_columns(pl.lit(table).alias("table"))
        )
    return pl.concat(frames) if frames else pl.DataFrame()


async def athletes(legacy: PgConn) -> list[tuple[int, str, str | None]]:
    rows = await legacy.fetch("SELECT id, athlete_name, name FROM athlete ORDER BY id")
    return [(r["id"], r["athlete_name"], r["name"]) for r in rows]


async def upsert_wrestlers(
    conn: PgConn, athletes: list[tuple[int, str, str | None]], weight_class: int
) -> None:
    """Each legacy athlete as a wrestler with external id `legacy:<id>` (kept when it exists)."""
    await conn.execute(
        """INSERT INTO wrestlers (name_fa, name_en, weight_class, external_id)
           SELECT left(fa, 255), left(coalesce(nullif(en, ''), fa), 255), $4, 'legacy:' || id
             FROM unnest($1::bigint[], $2::text[], $3::text[]) AS a(id, fa, en)
           ON CONFLICT (external_id) DO NOTHING""",
        [a[0] for a in athletes],
        [a[1] for a in athletes],
        [a[2] for a in athletes],
        weight_class,
    )
