"""Django's Redis cache with one client, and so one connection pool, per server process.

Django keeps a cache object per async context (``django.core.cache.caches`` is context-local), and
under ASGI every request is its own context: with Django's ``RedisCache`` each request built a new
``RedisCacheClient`` (looking redis-py's version up in the installed package metadata to name the
driver) and, on its first command, a new connection pool, so a new TCP connection and handshake to
Redis, left for the garbage collector to close. A signed-in request reads its session from the cache
(``SESSION_ENGINE`` is ``cached_db`` with Redis), so that was paid on almost every request: found by
profiling daphne under ``benchmarks/ballots.py`` (docs/pb-web.md, "Ballot throughput").

The client holds nothing per request (redis-py's pools and clients are thread-safe), so the cache
objects of one process share it, and it keeps one ``redis.Redis`` per pool instead of building one
(with its table of response callbacks) for every command.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()


class RedisCacheClient(DjangoRedisCacheClient):
    """One ``redis.Redis`` per connection pool (Django's client builds one per command)."""

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        clients: dict[int, Any] = self.__dict__.setdefault("_clients_by_pool", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    @cached_property
    def _cache(self) -> Any:
        key = (self._class, tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client
