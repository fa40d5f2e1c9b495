"""One pagination convention for every list: `limit` (1–100, default 100) and `offset` (0–1,000,000,
default 0) query parameters; the total number of items is in the `X-Total-Count` response header."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Response

MAX_LIMIT = 100
MAX_OFFSET = 1_000_000


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int
    response: Response

    def total(self, count: int) -> None:
        """For a route whose return value FastAPI serialises."""
        self.response.headers.update(self.headers(count))

    @staticmethod
    def headers(count: int) -> dict[str, str]:
        """For a route that returns its own Response."""
        return {"X-Total-Count": str(count)}


def page(
    response: Response,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = MAX_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
) -> Page:
    return Page(limit, offset, response)


PageDep = Annotated[Page, Depends(page)]
