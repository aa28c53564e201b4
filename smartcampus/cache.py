"""Django's Redis cache, with one redis-py client per connection pool.

Django's `RedisCacheClient.get_client` makes a new `redis.Redis` around the shared connection pool on
every cache call; making it costs more than a small read. A redis-py client is safe to share between
threads (each command takes a connection from the pool, and the pool starts afresh in a forked
process), so this one keeps the client it made for each pool.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:  # as Django makes the pool of a server
                self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
