"""The fast layers of the AI answer cache: Redis (TTL, shared by every worker) and, while Redis is
unreachable, a bounded in-process LRU with the same TTL. `once` makes concurrent identical requests
produce one answer: a short Redis lock across workers (SET NX with expiry, so a dead holder frees it)
behind an in-process lock; waiters read the holder's answer from the cache."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.logging import get_logger

log = get_logger("wrestle.ai")
POLL_SECONDS = 0.05

# Deletes the lock only if it is still ours (it may have expired and been taken by another worker).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class Memory:
    """Bounded LRU of answers with expiry, for while Redis is away."""

    def __init__(self, max_entries: int, ttl_seconds: float) -> None:
        self.max_entries = max_entries
        self.ttl = ttl_seconds
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] < time.monotonic():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return item[1]

    def put(self, key: str, value: bytes) -> None:
        self._items[key] = (time.monotonic() + self.ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)

    def forget(self, key: str) -> None:
        self._items.pop(key, None)


class AnswerCache:
    def __init__(self, redis: Redis, ttl_seconds: int, max_entries: int, lock_seconds: float) -> None:
        self.redis = redis
        self.ttl = ttl_seconds
        self.lock_seconds = lock_seconds
        self.memory = Memory(max_entries, ttl_seconds)
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, key: str) -> tuple[str, bytes] | None:
        """(layer, answer) from Redis, or from memory while Redis is unreachable."""
        try:
            value = await self.redis.get(key)
        except (RedisError, OSError):
            value = None
            local = self.memory.get(key)
            return ("memory", local) if local is not None else None
        if value is None:
            return None
        return "redis", value.encode() if isinstance(value, str) else value

    async def put(self, key: str, value: bytes) -> None:
        try:
            await self.redis.set(key, value, ex=self.ttl)
        except (RedisError, OSError):
            self.memory.put(key, value)

    async def forget(self, key: str) -> None:
        self.memory.forget(key)
        try:
            await self.redis.delete(key)
        except (RedisError, OSError):
            log.warning("ai_cache_forget_failed", reason="redis unreachable")

    async def _lock(self, key: str, token: str) -> bool | None:
        """True: ours; False: another worker generates; None: Redis unreachable (this process decides)."""
        try:
            return bool(await self.redis.set(f"lock:{key}", token, nx=True, px=int(self.lock_seconds * 1000)))
        except (RedisError, OSError):
            return None

    async def _release(self, key: str, token: str) -> None:
        with contextlib.suppress(RedisError, OSError):  # the lock expires by itself
            await self.redis.eval(_RELEASE, 1, f"lock:{key}", token)

    async def once(self, key: str, produce: Callable[[], Awaitable[tuple[str, bytes]]]) -> tuple[str, bytes]:
        """(layer, answer): from the cache if it is there by now, else produced by exactly one caller
        (across workers) and stored; `produce` answers (its layer, the answer)."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                hit = await self.get(key)
                if hit is not None:
                    return hit
                token = uuid.uuid4().hex
                mine = await self._lock(key, token)
                deadline = time.monotonic() + self.lock_seconds
                while mine is False and time.monotonic() < deadline:
                    await asyncio.sleep(POLL_SECONDS)
                    hit = await self.get(key)
                    if hit is not None:
                        return hit
                    mine = await self._lock(key, token)
                try:
                    layer, value = await produce()
                    await self.put(key, value)
                    return layer, value
                finally:
                    if mine:
                        await self._release(key, token)
        finally:
            if not lock.locked():
                self._locks.pop(key, None)
