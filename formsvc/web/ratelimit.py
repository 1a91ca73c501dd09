"""Per-client rate limits (fixed windows) kept where every gunicorn worker sees them: database or Redis.

VERIFY_RATE_LIMIT reads like "60/minute" ("off" disables it); RATE_LIMIT_STORAGE is "database"
(the registry's database, the default) or a redis:// URL. Counting happens outside the request's
own transaction, so a refused request leaves nothing behind but its count.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from flask import Flask, current_app, request
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from .. import db
from ..errors import RateLimited
from ..registry.models import RateWindow

PERIODS: dict[str, int] = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*")

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Limit:
    """At most count requests per period seconds."""

    count: int
    period: int

    @classmethod
    def parse(cls, text: str, key: str = "VERIFY_RATE_LIMIT") -> Limit | None:
        """"60/minute", "1000/hour", "10/5minutes"; None for "off". key names the setting in errors."""
        if text.strip().lower() in ("off", "none", "0", ""):
            return None
        match = _LIMIT.fullmatch(text.lower())
        if not match or int(match[1]) < 1:
            raise ValueError(f"{key} 应形如 60/minute 或 off，现为 {text!r}")
        return cls(int(match[1]), int(match[2] or 1) * PERIODS[match[3]])


class Windows(Protocol):
    def hit(self, key: str, window: int, period: int) -> int:
        """Count one request of key in the window starting at window; the count so far."""


_UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class DatabaseWindows:
    """Counts in the rate_windows table: one upsert per request."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def hit(self, key: str, window: int, period: int) -> int:
        with db.transaction(self.app) as session:
            insert = _UPSERT[session.get_bind().dialect.name](RateWindow)
            hits = session.execute(
                insert.values(key=key, window_start=window, hits=1)
                .on_conflict_do_update(index_elements=["key", "window_start"],
                                       set_={"hits": RateWindow.hits + 1})
                .returning(RateWindow.hits)
            ).scalar_one()
            if hits == 1:
                # a client's first request in a window clears out windows that have ended
                session.execute(delete(RateWindow).where(RateWindow.window_start < window - period))
        return hits


class RedisWindows:
    """Counts in Redis: INCR, and an expiry so that old windows vanish by themselves."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def hit(self, key: str, window: int, period: int) -> int:
        name = f"formsvc:rate:{key}:{window}"
        pipeline = self.redis.pipeline()
        pipeline.incr(name)
        pipeline.expire(name, period * 2)
        hits, _ = pipeline.execute()
        return int(hits)


def client_key() -> str:
    """Who is asking: the client address; for IPv6 its /64, which one client usually holds whole."""
    address = request.remote_addr or "unknown"
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
}


def check(scope: str) -> None:
    """Count this request against the client's limit for scope; RateLimited (429) once over it."""
    state = current_app.extensions["formsvc.ratelimit"]
    key, what = SCOPES.get(scope, ("VERIFY_RATE_LIMIT", "查询"))
    limit: Limit | None = state["limits"][key]
    if limit is None:
        return
    now = time.time()
    window = int(now // limit.period) * limit.period
    hits = state["windows"].hit(f"{scope}:{client_key()}", window, limit.period)
    if hits > limit.count:
        wait = max(math.ceil(window + limit.period - now), 1)
        raise RateLimited(f"{what}过于频繁：每个客户端{_per(limit)}最多{what} {limit.count} 次，"
                          f"请 {wait} 秒后再试", retry_after=wait)


def _per(limit: Limit) -> str:
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
        "windows": STORES[scheme](app, storage),
    }
