"""The shared cache (app/cache.py): a bounded in-process store, Redis, and failures that are only misses.

The Redis tests start their own throwaway redis-server on a free port (never the machine's shared one) and
restart it; they are skipped where redis-server is not installed, except in CI (CI=true).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import cache as cache_module
from app import create_app
from app.cache import Cache, LocalStore, RedisStore
from tests.multi_instance.servers import ThrowawayRedis

# LocalStore


def test_the_local_store_keeps_the_most_recently_used_entries_up_to_its_size():
    store = LocalStore(max_bytes=10)
    store.set_many({"a": b"1234", "b": b"5678"}, ttl=60)
    assert store.get_many(["a"]) == [b"1234"]  # "a" is now the most recently used
    store.set_many({"c": b"abcd"}, ttl=60)  # 12 bytes: "b" goes
    assert store.get_many(["a", "b", "c"]) == [b"1234", None, b"abcd"]
    assert store.size == 8
    store.set_many({"huge": b"x" * 11}, ttl=60)  # larger than the whole store: not kept
    assert store.get_many(["huge"]) == [None] and store.size == 8
    store.set_many({"a": b"12"}, ttl=60)  # replacing counts the new size only
    assert store.size == 6


def test_the_cache_counts_hits_and_misses_and_prefixes_keys():
    store = LocalStore(max_bytes=1000)
    cache = Cache(store, prefix="koop:", ttl=60)
    cache.set("x", b"1")
    assert cache.get_many(["x", "y"]) == [b"1", None]
    assert cache.get_many([]) == []
    assert store.get_many(["koop:x"]) == [b"1"]
    assert (cache.stats.hits, cache.stats.misses, cache.stats.writes) == (1, 1, 1)
    assert not cache.shared


class FlakyStore:
    def __init__(self) -> None:
        self.broken = True
        self.calls = 0
        self.inner = LocalStore(1000)

    def get_many(self, keys):
        self.calls += 1
        if self.broken:
            raise OSError("connection refused")
        return self.inner.get_many(keys)

    def set_many(self, items, ttl):
        self.calls += 1
        if self.broken:
            raise OSError("connection refused")
        self.inner.set_many(items, ttl)


def test_a_failing_store_is_a_miss_then_left_alone_for_a_while(monkeypatch, caplog):
    clock = [1000.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: clock[0])
    store = FlakyStore()
    cache = Cache(store, prefix="", ttl=60)
    with caplog.at_level("WARNING", logger="koop.cache"):
        assert cache.get_many(["a", "b"]) == [None, None]
    assert cache.stats.errors == 1 and cache.stats.misses == 2
    assert "cache read failed (OSError: connection refused)" in caplog.text
    cache.set("a", b"1")
    cache.get("a")
    assert store.calls == 1  # resting: not asked again, so an outage adds no timeout to every request
    store.broken = False
    clock[0] += cache_module.RETRY_AFTER_SECONDS
    cache.set("a", b"1")
    assert cache.get("a") == b"1" and store.calls == 3


def test_the_app_picks_redis_only_when_configured():
    assert isinstance(create_app("testing").extensions["koop_cache"].store, LocalStore)
    app = create_app("testing", {"CACHE_REDIS_URL": "redis://127.0.0.1:1/0", "CACHE_KEY_PREFIX": "k8:"})
    cache = app.extensions["koop_cache"]
    assert isinstance(cache.store, RedisStore) and cache.shared and cache.prefix == "k8:"
    assert cache.get("anything") is None  # nothing listens on port 1: a miss, not an error
    assert cache.stats.errors == 1


# Redis


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing; in CI the Redis cache tests must run")
        pytest.skip("needs redis-server (Debian package redis-server)")
    server = ThrowawayRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_redis_keeps_entries_with_their_ttl(redis_server):
    cache = Cache(RedisStore(redis_server.url()), prefix="koop:", ttl=120)
    cache.set_many({"a": b"1", "b": b"2"})
    assert cache.get_many(["a", "b", "c"]) == [b"1", b"2", None]
    client = cache.store.client  # type: ignore[attr-defined]
    assert 0 < client.ttl("koop:a") <= 120


def test_a_restarted_redis_loses_entries_and_the_cache_carries_on(redis_server, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: clock[0])
    cache = Cache(RedisStore(redis_server.url()), prefix="koop:", ttl=120)
    cache.set("a", b"1")
    redis_server.stop()
    assert cache.get("a") is None  # down: a miss, not an error
    assert cache.stats.errors == 1
    redis_server.start()
    clock[0] += cache_module.RETRY_AFTER_SECONDS
    assert cache.get("a") is None  # back, empty: the entry was dropped with the restart ...
    cache.set("a", b"2")  # ... and is built again
    assert cache.get("a") == b"2" and cache.stats.errors == 1
