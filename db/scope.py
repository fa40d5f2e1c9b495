"""The caller's scope in SQL: every statement of db/ on athlete data carries one of these filters,
with Scope.params (kind, team id, wrestler id) bound as three consecutive parameters. The route's
dependency has checked access first (404 or 403); this is the second line: a function called with
an out-of-scope scope reads and writes nothing."""

from __future__ import annotations


def wrestler_predicate(first: int, alias: str = "w") -> str:
    """Rows of `wrestlers` (as `alias`) in the scope bound at $first, $first+1, $first+2."""
    kind, team, wrestler = (f"${first + i}" for i in range(3))
    return (
        f"({kind}::text = 'all' OR ({kind}::text = 'team' AND {alias}.team_id = {team}::uuid)"
        f" OR ({kind}::text = 'wrestler' AND {alias}.id = {wrestler}::uuid))"
    )


def wrestler_guard(wrestler: str, first: int) -> str:
    """A condition true only when the wrestler (an SQL expression, usually its parameter) is in the
    scope bound at $first..$first+2: an uncorrelated test, evaluated once per statement."""
    return f"EXISTS (SELECT 1 FROM wrestlers w WHERE w.id = {wrestler} AND {wrestler_predicate(first)})"


def team_predicate(first: int, alias: str = "t") -> str:
    """Rows of `teams` (as `alias`) in the scope bound at $first, $first+1 (Scope.team_params):
    admins any team, a coach theirs, an athlete none."""
    kind, team = f"${first}", f"${first + 1}"
    return f"({kind}::text = 'all' OR ({kind}::text = 'team' AND {alias}.id = {team}::uuid))"
