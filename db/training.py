"""SQL for training programs: upsert with blocks and per-set detail, today's program, the calendar."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from core.access import Scope
from db.scope import wrestler_guard
from db.types import PgConn


async def replace_program(
    conn: PgConn, scope: Scope, wrestler_id: UUID, day: date, fields: dict[str, Any]
) -> UUID | None:
    """Insert or overwrite the program of (wrestler, day): scalar fields replaced (absent → null),
    its previous blocks and sets removed (the caller then inserts the new ones). None (nothing
    written) when the wrestler is out of the scope."""
    program_id = await conn.fetchval(
        f"""WITH p AS (
               INSERT INTO training_programs (wrestler_id, date, readiness, session_rpe, bodyweight,
                                              hydration,
                                              notes, updated_at)
               SELECT $1, $2, $3, $4, $5, $6, $7, now() WHERE {wrestler_guard("$1", 8)}
               ON CONFLICT (wrestler_id, date) DO UPDATE
                  SET readiness = EXCLUDED.readiness, session_rpe = EXCLUDED.session_rpe,
                      bodyweight = EXCLUDED.bodyweight, hydration = EXCLUDED.hydration,
                      notes = EXCLUDED.notes, updated_at = now()
               RETURNING id),
           gone AS (DELETE FROM training_program_blocks b USING p WHERE b.program_id = p.id)
           SELECT id FROM p""",
        wrestler_id,
        day,
        fields.get("readiness"),
        fields.get("session_rpe"),
        fields.get("bodyweight"),
        fields.get("hydration"),
        fields.get("notes"),
        *scope.params,
    )
    return UUID(str(program_id)) if program_id is not None else None


async def insert_blocks(
    conn: PgConn, program_id: UUID, blocks: list[dict[str, Any]], sets: list[tuple[int, int, int, float]]
) -> None:
    """Blocks (position, name, sets, reps, load) and their sets (block position, set position,
    reps, weight), in one statement."""
    if not blocks:
        return
    await conn.execute(
        """WITH b AS (
               INSERT INTO training_program_blocks (program_id, position, name, sets, reps, load)
               SELECT $1, x.pos, x.name, x.n, x.reps, x.load
                 FROM unnest($2::int[], $3::text[], $4::int[], $5::text[], $6::float8[])
                      AS x(pos, name, n, reps, load)
               RETURNING id, position)
           INSERT INTO training_program_sets (block_id, position, reps, weight)
           SELECT b.id, s.pos, s.reps, s.weight
             FROM unnest($7::int[], $8::int[], $9::int[], $10::float8[]) AS s(block, pos, reps, weight)
             JOIN b ON b.position = s.block""",
        program_id,
        [b["position"] for b in blocks],
        [b["name"] for b in blocks],
        [b["sets"] for b in blocks],
        [b["reps"] for b in blocks],
        [b["load"] for b in blocks],
        [s[0] for s in sets],
        [s[1] for s in sets],
        [s[2] for s in sets],
        [s[3] for s in sets],
    )


async def program_on(conn: PgConn, scope: Scope, wrestler_id: UUID, day: date) -> asyncpg.Record | None:
    """The program of a day with its exercises and sets as JSON (one statement)."""
    return await conn.fetchrow(
        f"""WITH sets AS (
               SELECT s.block_id, json_agg(json_build_object('reps', s.reps, 'weight', s.weight)
                                           ORDER BY s.position) AS sets
                 FROM training_program_sets s
                 JOIN training_program_blocks b ON b.id = s.block_id
                 JOIN training_programs p ON p.id = b.program_id
                WHERE p.wrestler_id = $1 AND p.date = $2
                GROUP BY s.block_id)
           SELECT p.date, p.readiness, p.session_rpe, p.bodyweight, p.hydration, p.notes,
                  coalesce((SELECT json_agg(json_build_object('name', b.name,
                                                              'sets', coalesce(x.sets, '[]'::json))
                                            ORDER BY b.position)
                              FROM training_program_blocks b LEFT JOIN sets x ON x.block_id = b.id
                             WHERE b.program_id = p.id), '[]'::json) AS exercises
             FROM training_programs p
            WHERE p.wrestler_id = $1 AND p.date = $2 AND {wrestler_guard("$1", 3)}""",
        wrestler_id,
        day,
        *scope.params,
    )


async def month_programs(
    conn: PgConn, scope: Scope, wrestler_id: UUID, start: date, end: date
) -> list[asyncpg.Record]:
    """Programs with date in [start, end), ordered by date, with blocks and AI recommendations."""
    return await conn.fetch(
        f"""SELECT p.date, p.title, p.focus, p.nutrition, p.recovery,
                  coalesce((SELECT json_agg(json_build_object('name', b.name, 'sets', b.sets, 'reps', b.reps)
                                            ORDER BY b.position)
                              FROM training_program_blocks b WHERE b.program_id = p.id),
                           '[]'::json) AS blocks,
                  coalesce((SELECT json_agg(r.recommendation ORDER BY r.position)
                              FROM training_program_ai_recommendations r WHERE r.program_id = p.id),
                           '[]'::json) AS recs
             FROM training_programs p
            WHERE p.wrestler_id = $1 AND p.date >= $2 AND p.date < $3 AND {wrestler_guard("$1", 4)}
            ORDER BY p.date""",
        wrestler_id,
        start,
        end,
        *scope.params,
    )


async def save_generated_program(
    conn: PgConn, scope: Scope, wrestler_id: UUID, day: date, program: dict[str, Any]
) -> UUID | None:
    """An AI-generated program saved as the program of (wrestler, day), in one transaction: its
    title, focus, nutrition, recovery, blocks and recommendations replace those of the day; what the
    athlete logged that day (readiness, RPE, bodyweight, hydration, notes) stays. None when the
    wrestler is out of scope."""
    blocks = program.get("blocks") or []
    async with conn.transaction():
        program_id = await conn.fetchval(
            f"""INSERT INTO training_programs (wrestler_id, date, title, focus, nutrition, recovery)
                SELECT $1, $2, $3, $4, $5, $6 WHERE {wrestler_guard("$1", 7)}
                ON CONFLICT (wrestler_id, date) DO UPDATE
                   SET title = EXCLUDED.title, focus = EXCLUDED.focus, nutrition = EXCLUDED.nutrition,
                       recovery = EXCLUDED.recovery, updated_at = now()
                RETURNING id""",
            wrestler_id,
            day,
            program.get("title"),
            program.get("focus"),
            program.get("nutrition"),
            program.get("recovery"),
            *scope.params,
        )
        if program_id is None:
            return None
        await conn.execute("DELETE FROM training_program_blocks WHERE program_id = $1", program_id)
        await conn.execute(
            "DELETE FROM training_program_ai_recommendations WHERE program_id = $1", program_id
        )
        await conn.execute(
            """INSERT INTO training_program_blocks (program_id, position, name, sets, reps)
               SELECT $1, x.pos, x.name, x.n, x.reps
                 FROM unnest($2::int[], $3::text[], $4::int[], $5::text[]) AS x(pos, name, n, reps)""",
            program_id,
            list(range(1, len(blocks) + 1)),
            [b["name"] for b in blocks],
            [b["sets"] for b in blocks],
            [b["reps"] for b in blocks],
        )
        await conn.execute(
            """INSERT INTO training_program_ai_recommendations (program_id, position, recommendation)
               SELECT $1, r.pos, r.text FROM unnest($2::text[]) WITH ORDINALITY AS r(text, pos)""",
            program_id,
            list(program.get("aiRecommendations") or []),
        )
    return UUID(str(program_id))
