"""How a user of Redis falls back to its in-process copy: after a Redis error it stays on the copy for
RATE_LIMIT_FALLBACK_SECONDS, then tries Redis again; the first error of each spell is logged."""

from __future__ import annotations

import time
from typing import Any


class RedisFallback:
    def __init__(self, seconds: float, log: Any, event: str, **fields: Any) -> None:
        self.seconds = seconds
        self.log = log
        self.event = event
        self.fields = fields
        self._until = 0.0

    @property
    def active(self) -> bool:
        """True while Redis is not to be asked."""
        return time.monotonic() < self._until

    def fail_over(self, exc: Exception) -> None:
        if not self.active:
            self.log.warning(self.event, error=type(exc).__name__, **self.fields)
        self._until = time.monotonic() + self.seconds
