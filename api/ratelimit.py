"""Rate limits (API.md §4) with the `limits` library: fixed windows counted in Redis, shared by every
worker, and counted in process while Redis is unreachable (fail open to a local count, never to "no
limit"). The middleware applies the per-caller limits; the login route uses the failure throttle."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.asyncio import Redis

from core.config import Settings
from core.logging import get_logger

log = get_logger("wrestle.ratelimit")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # unix seconds when the window resets
    window: int = 60  # seconds

    def headers(self) -> dict[str, str]:
        h = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            h["Retry-After"] = str(self.retry_after)
        return h

    @property
    def retry_after(self) -> int:
        return max(1, min(self.window, math.ceil(self.reset - time.time())))


class RateLimits:
    def __init__(self, settings: Settings, redis: Redis) -> None:
        self.settings = settings
        self._redis = FixedWindowRateLimiter(
            RedisStorage(
                "async+redis://",
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix="wrestle:limits",
                connection_pool=redis.connection_pool,  # type: ignore[arg-type]
            )
        )
        self._memory = FixedWindowRateLimiter(MemoryStorage())
        self._redis_down_until = 0.0
        self.api = RateLimitItemPerMinute(settings.rate_limit_per_minute)
        self.ai = RateLimitItemPerMinute(settings.ai_rate_limit_per_minute)
        window = settings.login_failure_window_seconds
        self.login_email = RateLimitItemPerSecond(settings.login_max_failures_per_email, window)
        self.login_ip = RateLimitItemPerSecond(settings.login_max_failures_per_ip, window)

    @property
    def using_fallback(self) -> bool:
        return time.monotonic() < self._redis_down_until

    def _limiter(self) -> FixedWindowRateLimiter:
        return self._memory if self.using_fallback else self._redis

    def _fail_over(self, exc: Exception) -> None:
        if not self.using_fallback:
            log.warning("rate_limit_fallback", error=type(exc).__name__)
        self._redis_down_until = time.monotonic() + self.settings.rate_limit_fallback_seconds

    async def _verdict(
        self, limiter: FixedWindowRateLimiter, item: RateLimitItem, key: str, hit: bool
    ) -> Verdict:
        allowed = await (limiter.hit(item, key) if hit else limiter.test(item, key))
        stats = await limiter.get_window_stats(item, key)
        return Verdict(allowed, item.amount, stats.remaining, math.ceil(stats.reset_time), item.get_expiry())

    async def check(self, item: RateLimitItem, key: str, *, hit: bool = True) -> Verdict:
        """Count one request for `key` (or only look, with hit=False)."""
        limiter = self._limiter()
        if limiter is self._redis:
            try:
                return await self._verdict(limiter, item, key, hit)
            except Exception as exc:  # any storage failure: count locally rather than not at all
                self._fail_over(exc)
        return await self._verdict(self._memory, item, key, hit)

    async def clear(self, item: RateLimitItem, key: str) -> None:
        for limiter in (self._memory, self._limiter()):
            try:
                await limiter.clear(item, key)
            except Exception as exc:
                self._fail_over(exc)
