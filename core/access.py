"""Who may see what: the caller's scope, resolved once per request and applied in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

Role = Literal["admin", "coach", "athlete"]


@dataclass(frozen=True)
class Principal:
    id: UUID
    email: str
    name: str
    role: Role
    team_id: UUID | None
    wrestler_id: UUID | None
    token_jti: str | None = None
    token_exp: int | None = None


# Self-reported data: the only series an athlete may write (their own wrestler's), besides their own
# training program. The ingest validator applies it to every write.
ATHLETE_WRITABLE_DOMAINS = ("recovery", "supplements")


@dataclass(frozen=True)
class Scope:
    """The wrestlers a caller may read: every one, one team's, one wrestler, or none.

    `params` are bound to SQL as three parameters, which db.scope turns into the filter every
    statement on athlete data carries.
    """

    kind: Literal["all", "team", "wrestler", "none"]
    team_id: UUID | None = None
    wrestler_id: UUID | None = None

    @classmethod
    def of(cls, role: str, team_id: UUID | None, wrestler_id: UUID | None) -> Scope:
        """Admins (and the system: CLI, importers) see all; a coach their team; an athlete themself."""
        if role == "coach":
            return cls("team", team_id=team_id) if team_id else cls("none")
        if role == "athlete":
            return cls("wrestler", wrestler_id=wrestler_id) if wrestler_id else cls("none")
        return cls("all")

    @classmethod
    def for_principal(cls, p: Principal) -> Scope:
        return cls.of(p.role, p.team_id, p.wrestler_id)

    def allows(self, wrestler_id: UUID, team_id: UUID | None) -> bool:
        if self.kind == "all":
            return True
        if self.kind == "team":
            return team_id is not None and team_id == self.team_id
        if self.kind == "wrestler":
            return wrestler_id == self.wrestler_id
        return False

    def allows_team(self, team_id: UUID) -> bool:
        return self.kind == "all" or (self.kind == "team" and self.team_id == team_id)

    @property
    def params(self) -> tuple[str, UUID | None, UUID | None]:
        """Bound for db.scope.wrestler_predicate / wrestler_guard."""
        return self.kind, self.team_id, self.wrestler_id

    @property
    def team_params(self) -> tuple[str, UUID | None]:
        """Bound for db.scope.team_predicate (teams have no wrestler scope: athletes see none)."""
        return self.kind, self.team_id
