"""Request field types shared by several routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from core.security import password_problem


def _password_ok(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Password = Annotated[str, Field(max_length=1024), AfterValidator(_password_ok)]
# Length caps on free text and identifiers in request bodies (a body as a whole is capped by
# MAX_JSON_BODY_BYTES): every string a client sends is bounded.
IdText = Annotated[str, Field(max_length=64)]  # a UUID or an external id
Name = Annotated[str, Field(min_length=1, max_length=255)]
Label = Annotated[str, Field(max_length=255)]  # metric names, units, sources as a device sends them
Notes = Annotated[str, Field(max_length=4000)]
