"""Per-client rate limits (fixed windows) kept where every gunicorn worker sees them: database or Redis.

VERIFY_RATE_LIMIT reads like "60/minute" ("off" disables it); RATE_LIMIT_STORAGE is "database"
(the registry's database, the default) or a redis:// URL. Each process counts in memory and adds
its counts to the store in batches (Counter says how close to the limit that keeps); the store is
written outside the request's own transaction, so a refused request leaves nothing behind but its
count, and a store that cannot be written only makes the counts per process for a while.

The counting itself — limits, the shared stores and the per-process Counter — is rate_counter.py;
this module is the Flask side: who the client is, the scopes, the view decorator, init_app.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, request

from ..errors import RateLimited
from .rate_counter import Counter, DatabaseWindows, Limit, RedisWindows, Windows

View = TypeVar("View", bound=Callable[..., Any])


def client_key() -> str:
    """Who is asking: the client address; for IPv6 its /64, which one client usually holds whole."""
    return _client_of(request.remote_addr or "unknown")


@functools.lru_cache(maxsize=4096)
def _client_of(address: str) -> str:
    # cached: parsing an address costs more than the rest of counting a look-up
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


#: a scope's limit, when it is not VERIFY_RATE_LIMIT: scope → (config key, what is counted)
SCOPES: dict[str, tuple[str, str]] = {
    "login": ("LOGIN_RATE_LIMIT", "登录"),
    # limits on events rather than clients (see events())
    "lookup-failures": ("LOOKUP_FAILURE_LIMIT", "姓名核对失败"),
    "lookup-anomaly": ("LOOKUP_ANOMALY_LIMIT", "姓名核对失败"),
}


@dataclass(frozen=True)
class Tally:
    """How often an event happened in the current window of its limit."""

    count: int
    limit: Limit
    #: seconds until the window ends
    wait: int

    @property
    def reached(self) -> bool:
        return self.count >= self.limit.count


def events(scope: str, subject: str, *, add: bool = False) -> Tally | None:
    """The count of scope's events about subject (a certificate, or "all") in this window, one
    more when add; None when scope's limit is off. Another worker's latest events may be
    unknown here until they are sent (one per worker at most, for limits under 20)."""
    state = current_app.extensions["formsvc.ratelimit"]
    limit: Limit | None = state["limits"][SCOPES[scope][0]]
    if limit is None:
        return None
    now = time.time()
    window = int(now // limit.period) * limit.period
    key = f"{scope}:{subject}"
    count = state["counter"].hit(key, window, limit) if add else state["counter"].known(key, window)
    return Tally(count, limit, max(math.ceil(window + limit.period - now), 1))


def check(scope: str) -> None:
    """Count this request against the client's limit for scope; RateLimited (429) once over it."""
    state = current_app.extensions["formsvc.ratelimit"]
    key, what = SCOPES.get(scope, ("VERIFY_RATE_LIMIT", "查询"))
    limit: Limit | None = state["limits"][key]
    if limit is None:
        return
    now = time.time()
    window = int(now // limit.period) * limit.period
    hits = state["counter"].hit(f"{scope}:{client_key()}", window, limit)
    if hits > limit.count:
        wait = max(math.ceil(window + limit.period - now), 1)
        raise RateLimited(f"{what}过于频繁：每个客户端{per(limit)}最多{what} {limit.count} 次，"
                          f"请 {wait} 秒后再试", retry_after=wait)


def per(limit: Limit) -> str:
    names = {1: "每秒", 60: "每分钟", 3600: "每小时", 86400: "每天"}
    return names.get(limit.period, f"每 {limit.period} 秒")


def limited(scope: str) -> Callable[[View], View]:
    """Decorate a view so that each client may call it (and the other views of scope) so often."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            check(scope)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


#: RATE_LIMIT_STORAGE: "database", or the scheme of a Redis URL
STORES: dict[str, Callable[[Flask, str], Windows]] = {
    "database": lambda app, _url: DatabaseWindows(app),
    "redis": lambda _app, url: RedisWindows(url),
    "rediss": lambda _app, url: RedisWindows(url),
    "unix": lambda _app, url: RedisWindows(url),
}


def init_app(app: Flask) -> None:
    storage = app.config.get("RATE_LIMIT_STORAGE") or "database"
    scheme = storage.partition("://")[0] if "://" in storage else storage
    if scheme not in STORES:
        raise ValueError(f"RATE_LIMIT_STORAGE 应为 database 或 redis:// 地址，现为 {storage!r}")
    keys = ("VERIFY_RATE_LIMIT", *(key for key, _what in SCOPES.values()))
    app.extensions["formsvc.ratelimit"] = {
        "limits": {key: Limit.parse(str(app.config.get(key, "off")), key) for key in keys},
        "counter": Counter(STORES[scheme](app, storage)),
    }
