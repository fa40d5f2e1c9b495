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


@dataclass(frozen=True)
class Scope:
    """The wrestlers a caller may read: every one, one team's, one wrestler, or none.

    `team_id` / `wrestler_id` are passed to SQL as parameters; queries filter with
    `($kind = 'all' OR ($kind = 'team' AND w.team_id = $team) OR ($kind = 'wrestler' AND w.id = $wrestler))`.
    """

    kind: Literal["all", "team", "wrestler", "none"]
    team_id: UUID | None = None
    wrestler_id: UUID | None = None

    @classmethod
    def for_principal(cls, p: Principal) -> Scope:
        if p.role == "admin":
            return cls("all")
        if p.role == "coach":
            return cls("team", team_id=p.team_id) if p.team_id else cls("none")
        return cls("wrestler", wrestler_id=p.wrestler_id) if p.wrestler_id else cls("none")

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
        return self.kind, self.team_id, self.wrestler_id
