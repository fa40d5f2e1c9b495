"""Recompute the stored scores of some wrestlers from their snapshots (called by the write path)."""

from __future__ import annotations

from collections.abc import Sequence

from db import scores as scores_sql
from db.types import PgConn
from query.registry import score_input_keys
from query.scores import all_scores, score_changes


async def recompute_scores(conn: PgConn, wrestler_ids: Sequence[str]) -> int:
    """Recompute every section score and the overall score of the wrestlers; insert a new row only
    where the score or its inputs changed, drop the rows of sections left without inputs. Returns
    the number of score rows written. Must run inside a transaction (it takes the wrestlers' locks)."""
    ids = sorted({str(w) for w in wrestler_ids})
    if not ids:
        return 0
    await scores_sql.lock_wrestlers(conn, ids)
    inputs = await scores_sql.score_inputs(conn, ids, score_input_keys())
    old_scores, old_drivers = await scores_sql.latest_scores(conn, ids)
    new_scores, new_drivers = all_scores(inputs)
    write, write_drivers, gone = score_changes(new_scores, new_drivers, old_scores, old_drivers, ids)
    await scores_sql.delete_sections(conn, gone)
    await scores_sql.insert_scores(conn, write, write_drivers)
    return write.height
