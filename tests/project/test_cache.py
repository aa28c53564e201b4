"""The Redis cache keeps one redis-py client per connection pool (Django's makes one per call)."""

from __future__ import annotations

from django.core.cache import cache

from smartcampus.cache import RedisCache


def test_one_client_per_pool_for_reads_and_writes():
    backend = RedisCache("redis://127.0.0.1:6379/0", {"KEY_PREFIX": "t"})  # no connection is opened
    client = backend._cache
    assert client.get_client(write=True) is client.get_client() is client.get_client("key")
    assert client.get_client().connection_pool is client._pools[0]
    other = RedisCache("redis://127.0.0.1:6379/0", {})._cache
    assert other.get_client() is not client.get_client()


def test_the_configured_cache_reads_what_it_wrote():
    cache.set("cache-test", {"n": 1}, 30)
    assert cache.get("cache-test") == {"n": 1}
    assert cache.get_many(["cache-test", "absent"]) == {"cache-test": {"n": 1}}
    cache.delete("cache-test")
    assert cache.get("cache-test") is None
