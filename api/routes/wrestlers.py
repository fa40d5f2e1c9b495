"""Routes: wrestlers CRUD. Reads are scoped in SQL; writes need admin or the
coach of the wrestler's team; a coach creates wrestlers in their own team only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.access import ScopeDep, WrestlerForStaffWrite, WrestlerInScope
from api.auth import StaffUser
from api.connection import Conn, PooledConn
from api.fields import IdText
from api.pagination import PageDep
from api.schemas.common import Success
from api.schemas.people import WrestlerList, WrestlerOut
from api.wire import id_or_none, iso_utc
from core.errors import Forbidden, ValidationFailed
from db import teams as teams_sql
from db import wrestlers as wrestlers_sql
from db.types import PgConn
from ingest import deletions

router = APIRouter(prefix="/wrestlers", tags=["wrestlers"])

Status = Literal["competition_ready", "normal", "attention"]
Sex = Literal["male", "female"]
# A rule set's class list (rule_sets.classes): freestyle, greco_roman, women, or a custom one.
Style = Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")]
BirthDate = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2100, 1, 1))]


class WrestlerCreate(BaseModel):
    nameFa: str = Field(min_length=1, max_length=255)
    nameEn: str = Field(min_length=1, max_length=255)
    weightClass: int = Field(ge=50, le=150)
    teamId: IdText | None = None
    imageUrl: str | None = Field(default=None, max_length=500)
    status: Status = "normal"
    sex: Sex | None = None
    dateOfBirth: BirthDate | None = None
    style: Style | None = None


class WrestlerUpdate(BaseModel):
    """Absent fields are unchanged; null clears `imageUrl` or `teamId` (admin only)."""

    nameFa: str | None = Field(default=None, min_length=1, max_length=255)
    nameEn: str | None = Field(default=None, min_length=1, max_length=255)
    weightClass: int | None = Field(default=None, ge=50, le=150)
    teamId: IdText | None = None
    imageUrl: str | None = Field(default=None, max_length=500)
    status: Status | None = None
    sex: Sex | None = None
    dateOfBirth: BirthDate | None = None
    style: Style | None = None


def wrestler_out(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "nameFa": row["name_fa"],
        "nameEn": row["name_en"],
        "weightClass": row["weight_class"],
        "imageUrl": row["image_url"],
        "status": row["status"],
        "teamId": id_or_none(row["team_id"]),
        "createdAt": iso_utc(row["created_at"]),
        "sex": row["sex"],
        "dateOfBirth": row["date_of_birth"].isoformat() if row["date_of_birth"] else None,
        "style": row["style"],
    }


async def _team(conn: PgConn, team_id: str | None) -> UUID | None:
    """The body's teamId, which must name an existing team (422 otherwise)."""
    if team_id is None:
        return None
    try:
        tid: UUID | None = UUID(team_id)
    except ValueError:
        tid = None
    if tid is None or not await teams_sql.team_exists(conn, tid):
        raise ValidationFailed("Unknown team", {"body.teamId": [f"Team {team_id} does not exist"]})
    return tid


@router.get("", response_model=WrestlerList)
async def list_wrestlers(
    conn: Conn,
    scope: ScopeDep,
    page: PageDep,
) -> dict[str, Any]:
    """The caller's wrestlers ordered by (nameEn, id); the total is in X-Total-Count."""
    rows, total = await wrestlers_sql.list_wrestlers(conn, scope, page.limit, page.offset)
    page.total(total)
    return {"wrestlers": [wrestler_out(r) for r in rows]}


@router.post("", status_code=201, response_model=WrestlerOut)
async def create_wrestler(
    user: StaffUser, scope: ScopeDep, conn: Conn, body: WrestlerCreate
) -> dict[str, Any]:
    team_id: UUID | None
    if user.role == "coach":
        if user.team_id is None:
            raise Forbidden("A coach without a team cannot create wrestlers")
        if body.teamId is not None and body.teamId != str(user.team_id):
            raise Forbidden("Coaches create wrestlers in their own team only", {"teamId": body.teamId})
        team_id = user.team_id
    else:
        team_id = await _team(conn, body.teamId)
    row = await wrestlers_sql.insert_wrestler(
        conn,
        scope,
        name_fa=body.nameFa,
        name_en=body.nameEn,
        weight_class=body.weightClass,
        team_id=team_id,
        image_url=body.imageUrl,
        status=body.status,
        sex=body.sex,
        date_of_birth=body.dateOfBirth,
        style=body.style,
    )
    assert row is not None  # the role rules above keep a coach in their own team
    return wrestler_out(row)


@router.get("/{wrestlerId}", response_model=WrestlerOut)
async def get_wrestler(wrestler: WrestlerInScope) -> dict[str, Any]:
    return wrestler_out(wrestler)


@router.put("/{wrestlerId}", response_model=Success)
async def update_wrestler(
    wrestler: WrestlerForStaffWrite, user: StaffUser, scope: ScopeDep, conn: Conn, body: WrestlerUpdate
) -> dict[str, bool]:
    sent = body.model_fields_set
    changes: dict[str, Any] = {}
    for field in ("nameFa", "nameEn", "weightClass", "status"):
        if field in sent:
            value = getattr(body, field)
            if value is None:
                raise ValidationFailed(f"{field} cannot be null", {f"body.{field}": ["May not be null"]})
            changes[field] = value
    for field in ("imageUrl", "sex", "dateOfBirth", "style"):  # null clears these
        if field in sent:
            changes[field] = getattr(body, field)
    if "teamId" in sent and body.teamId != id_or_none(wrestler["team_id"]):
        if user.role != "admin":
            raise Forbidden("Only an admin may move a wrestler to another team", {"teamId": body.teamId})
        changes["teamId"] = await _team(conn, body.teamId)
    await wrestlers_sql.update_wrestler(conn, scope, wrestler["id"], changes)
    return {"success": True}


@router.delete("/{wrestlerId}", response_model=Success)
async def delete_wrestler(
    wrestler: WrestlerForStaffWrite, scope: ScopeDep, conn: PooledConn
) -> dict[str, bool]:
    """Deletes the wrestler and all of its data."""
    await deletions.delete_wrestler(conn, scope, wrestler["id"])
    return {"success": True}
