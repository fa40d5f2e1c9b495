"""Rate limits (docs/API.md §7) with the `limits` library: fixed windows counted in Redis, shared by every
worker, and counted in process while Redis is unreachable (fail open to a local count, never to "no
limit"). The middleware applies the per-caller limits; the login route uses the failure throttle."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.asyncio import Redis

from api.redis_fallback import RedisFallback
from core.config import Settings
from core.errors import RateLimited
from core.logging import get_logger

log = get_logger("wrestle.ratelimit")

# Request state key of an authenticated read's pending verdict (api.middleware, api.auth).
RATE_LIMIT_STATE = "rate_limit_verdict"

# KEYS[1] the window's counter, ARGV[1] the window in seconds -> {count, milliseconds left}. A
# counter left without expiry (a failure between the two calls) gets one again.
_WINDOW_LUA = """
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1]) * 1000
end
return {n, ttl}
"""


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
        self._window_script = redis.register_script(_WINDOW_LUA)
        self._memory = FixedWindowRateLimiter(MemoryStorage())
        self._fallback = RedisFallback(settings.rate_limit_fallback_seconds, log, "rate_limit_fallback")
        self.api = RateLimitItemPerMinute(settings.rate_limit_per_minute)
        self.ai = RateLimitItemPerMinute(settings.ai_rate_limit_per_minute)
        window = settings.login_failure_window_seconds
        self.login_email = RateLimitItemPerSecond(settings.login_max_failures_per_email, window)
        self.login_ip = RateLimitItemPerSecond(settings.login_max_failures_per_ip, window)
        self.signup_ip = RateLimitItemPerSecond(settings.signup_max_per_ip, settings.signup_window_seconds)

    @property
    def using_fallback(self) -> bool:
        return self._fallback.active

    def _limiter(self) -> FixedWindowRateLimiter:
        return self._memory if self.using_fallback else self._redis

    async def _verdict(
        self, limiter: FixedWindowRateLimiter, item: RateLimitItem, key: str, hit: bool
    ) -> Verdict:
        allowed = await (limiter.hit(item, key) if hit else limiter.test(item, key))
        stats = await limiter.get_window_stats(item, key)
        return Verdict(allowed, item.amount, stats.remaining, math.ceil(stats.reset_time), item.get_expiry())

    async def _hit_redis(self, item: RateLimitItem, key: str) -> Verdict:
        """One fixed window in one round trip (the library's hit plus window stats take three, paid on
        every API request): count, start the window's expiry on its first hit, read the time left."""
        window = item.get_expiry()
        counter = f"wrestle:limits:hit:{item.key_for(key)}"
        count, ttl_ms = await self._window_script(keys=[counter], args=[window])
        used, reset = int(count), math.ceil(time.time() + max(0, int(ttl_ms)) / 1000)
        return Verdict(used <= item.amount, item.amount, max(0, item.amount - used), reset, window)

    async def check(self, item: RateLimitItem, key: str, *, hit: bool = True) -> Verdict:
        """Count one event for `key` (or only look, with hit=False), through the library."""
        limiter = self._limiter()
        if limiter is self._redis:
            try:
                return await self._verdict(limiter, item, key, hit)
            except Exception as exc:  # any storage failure: count locally rather than not at all
                self._fallback.fail_over(exc)
        return await self._verdict(self._memory, item, key, hit)

    async def count_request(self, item: RateLimitItem, key: str) -> Verdict:
        """check(), for the per-request API limits: the same windows in one Redis round trip."""
        if not self.using_fallback:
            try:
                return await self._hit_redis(item, key)
            except Exception as exc:
                self._fallback.fail_over(exc)
        return await self._verdict(self._memory, item, key, True)

    async def clear(self, item: RateLimitItem, key: str) -> None:
        for limiter in (self._memory, self._limiter()):
            try:
                await limiter.clear(item, key)
            except Exception as exc:
                self._fallback.fail_over(exc)


def exceeded(verdict: Verdict) -> RateLimited:
    """The 429 of a verdict that refused."""
    return RateLimited(
        f"Rate limit of {verdict.limit} requests per minute exceeded; retry in {verdict.retry_after} s",
        {"limit": verdict.limit, "retryAfter": verdict.retry_after},
    )


async def enforce_pending(pending: asyncio.Future[Verdict] | None) -> None:
    """Wait for an authenticated read's verdict (started by the middleware); RateLimited if refused."""
    if pending is not None:
        verdict = await pending
        if not verdict.allowed:
            raise exceeded(verdict)
