"""Request field types shared by several routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator

from core.security import password_problem


def _password_ok(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Password = Annotated[str, AfterValidator(_password_ok)]
Role = Literal["admin", "coach", "athlete"]
