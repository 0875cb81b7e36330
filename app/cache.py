"""A shared cache of rendered bytes: Redis when CACHE_REDIS_URL is set, otherwise a small in-process LRU.

Callers put a version into every key (e.g. a meeting's id with its updated_at and sequence), so an entry is
never invalidated, only no longer asked for: no instance can serve stale data, whichever instance wrote it,
and a restart of Redis only costs rebuilding. The cache is an optimisation and never an error: when Redis
does not answer, reads miss and writes are dropped (with a warning in the log), and for a few seconds Redis is
not asked at all, so that an outage does not add a timeout to every request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app

log = logging.getLogger("koop.cache")

EXTENSION_KEY = "koop_cache"
# After a failure Redis is left alone this long; then the next request tries again.
RETRY_AFTER_SECONDS = 5.0
# Redis answers on the same network within milliseconds; waiting longer only makes an outage slower.
REDIS_TIMEOUT_SECONDS = 0.5


class Store(Protocol):
    def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    def set_many(self, items: Mapping[str, bytes], ttl: int) -> None: ...


class LocalStore:
    """Least recently used entries up to a total size, in this process only (one per worker)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()  # the development server and threaded workers share the store

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        found: list[bytes | None] = []
        with self._lock:
            for key in keys:
                value = self._entries.get(key)
                if value is not None:
                    self._entries.move_to_end(key)
                found.append(value)
        return found

    def set_many(self, items: Mapping[str, bytes], ttl: int) -> None:
        # No expiry needed: keys carry their version, and the size bound drops what nobody asks for any more.
        with self._lock:
            for key, value in items.items():
                if len(value) > self.max_bytes:
                    continue
                old = self._entries.pop(key, None)
                if old is not None:
                    self.size -= len(old)
                self._entries[key] = value
                self.size += len(value)
            while self.size > self.max_bytes and self._entries:
                _key, dropped = self._entries.popitem(last=False)
                self.size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


class RedisStore:
    """Entries in Redis, shared by every instance; each entry expires after `ttl` seconds."""

    def __init__(self, url: str) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # One immediate retry reconnects after a Redis restart; more would only stretch an outage.
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 1),
        )

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return list(self.client.mget(list(keys)))

    def set_many(self, items: Mapping[str, bytes], ttl: int) -> None:
        pipeline = self.client.pipeline(transaction=False)
        for key, value in items.items():
            pipeline.set(key, value, ex=ttl)
        pipeline.execute()


@dataclass
class Stats:
    """What this process's cache did, for tests and the curious (never needed for correctness)."""

    hits: int = 0
    misses: int = 0
    writes: int = 0
    errors: int = 0


class Cache:
    """get_many/set_many of bytes under versioned keys; a broken store only means misses."""

    def __init__(self, store: Store, *, prefix: str, ttl: int) -> None:
        self.store = store
        self.prefix = prefix
        self.ttl = ttl
        self.stats = Stats()
        self._resting_until = 0.0

    @property
    def shared(self) -> bool:
        """True when every instance sees the same entries (Redis)."""
        return isinstance(self.store, RedisStore)

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The values of the keys, None for each one that is missing (or when the store does not answer)."""
        if not keys:
            return []
        values: list[bytes | None] = [None] * len(keys)
        if self._available():
            try:
                values = self.store.get_many([self.prefix + key for key in keys])
            except Exception as error:  # noqa: BLE001 -- any failure of the store is a miss, never an error page
                self._failed("read", error)
        hits = sum(value is not None for value in values)
        self.stats.hits += hits
        self.stats.misses += len(keys) - hits
        return values

    def get(self, key: str) -> bytes | None:
        return self.get_many([key])[0]

    def set_many(self, items: Mapping[str, bytes]) -> None:
        """Keep the values; silently nothing when the store does not answer."""
        if not items or not self._available():
            return
        try:
            self.store.set_many({self.prefix + key: value for key, value in items.items()}, self.ttl)
        except Exception as error:  # noqa: BLE001 -- see get_many
            self._failed("write", error)
            return
        self.stats.writes += len(items)

    def set(self, key: str, value: bytes) -> None:
        self.set_many({key: value})

    def _available(self) -> bool:
        return time.monotonic() >= self._resting_until

    def _failed(self, what: str, error: Exception) -> None:
        self.stats.errors += 1
        self._resting_until = time.monotonic() + RETRY_AFTER_SECONDS
        log.warning(
            "cache %s failed (%s: %s); building without the cache for %.0f s",
            what,
            type(error).__name__,
            error,
            RETRY_AFTER_SECONDS,
        )


def init_app(app: Flask) -> None:
    """Give the app its cache: Redis at CACHE_REDIS_URL, else an in-process store of CACHE_LOCAL_MAX_BYTES."""
    url = app.config.get("CACHE_REDIS_URL")
    store: Store = RedisStore(url) if url else LocalStore(int(app.config.get("CACHE_LOCAL_MAX_BYTES", 32 << 20)))
    app.extensions[EXTENSION_KEY] = Cache(
        store, prefix=app.config.get("CACHE_KEY_PREFIX", "koop:"), ttl=int(app.config.get("CACHE_TTL", 86400))
    )


def cache() -> Cache:
    """The current app's cache."""
    return current_app.extensions[EXTENSION_KEY]
