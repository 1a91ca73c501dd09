"""Per-client rate limits (fixed windows) kept where every gunicorn worker sees them: database or Redis.

VERIFY_RATE_LIMIT reads like "60/minute" ("off" disables it); RATE_LIMIT_STORAGE is "database"
(the registry's database, the default) or a redis:// URL. Each process counts in memory and adds
its counts to the store in batches (Counter says how close to the limit that keeps); the store is
written outside the request's own transaction, so a refused request leaves nothing behind but its
count, and a store that cannot be written only makes the counts per process for a while.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import os
import re
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from flask import Flask, current_app, request
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from .. import db
from ..errors import RateLimited, first_line
from ..registry.models import RateWindow

logger = logging.getLogger(__name__)

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
    def add(self, counts: dict[tuple[str, int], int], period: int) -> dict[tuple[str, int], int]:
        """Add counts of (key, window start) in one round trip; each window's total so far."""


_UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class DatabaseWindows:
    """Counts in the rate_windows table: one upsert per client and window in each batch."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def add(self, counts: dict[tuple[str, int], int], period: int) -> dict[tuple[str, int], int]:
        totals = {}
        with db.transaction(self.app) as session:
            insert = _UPSERT[session.get_bind().dialect.name](RateWindow)
            for (key, window), count in sorted(counts.items()):
                totals[key, window] = hits = session.execute(
                    insert.values(key=key, window_start=window, hits=count)
                    .on_conflict_do_update(index_elements=["key", "window_start"],
                                           set_={"hits": RateWindow.hits + count})
                    .returning(RateWindow.hits)
                ).scalar_one()
                if hits == count:
                    # a client's first count in a window clears out windows that have ended
                    session.execute(delete(RateWindow).where(RateWindow.window_start < window - period))
        return totals


class RedisWindows:
    """Counts in Redis: INCRBY, and an expiry so that old windows vanish by themselves."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def add(self, counts: dict[tuple[str, int], int], period: int) -> dict[tuple[str, int], int]:
        pipeline = self.redis.pipeline()
        for (key, window), count in counts.items():
            name = f"formsvc:rate:{key}:{window}"
            pipeline.incrby(name, count)
            pipeline.expire(name, period * 2)
        replies = pipeline.execute()
        return {entry: int(total) for entry, total in zip(counts, replies[::2], strict=True)}


@dataclass
class _Window:
    """One client's window as this process knows it."""

    period: int
    #: the shared total when this process last heard it (its own hits included)
    shared: int = 0
    #: hits counted here, on their way to the shared store
    sending: int = 0
    #: hits counted here and not yet sent
    pending: int = 0

    @property
    def known(self) -> int:
        """The fewest hits the client can have made in this window."""
        return self.shared + self.sending + self.pending


class Counter:
    """Counts in this process and adds them to the shared store in batches.

    A look-up asks the store itself only when its client's unsent hits reach the limit's slack
    (count // 20; so limits under 20 stay exact); a client known to be over its limit is refused
    without asking; everything else is sent every SYNC_SECONDS by a thread of the process, off
    the request's path. So verification costs a dictionary look-up, not a database write, and
    across W workers a client gets at most W × (slack − 1) look-ups beyond its limit (under 5 %
    per worker) plus what it makes within one SYNC_SECONDS. When the store cannot be written
    (read-only or unreachable database, Redis down), counting goes on in this process alone,
    with a logged warning, and the store is tried again after RETRY_SECONDS.
    """

    SYNC_SECONDS = 1.0
    RETRY_SECONDS = 30.0

    def __init__(self, store: Windows) -> None:
        self.store = store
        self.lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.pid = os.getpid()
        self.windows: dict[tuple[str, int], _Window] = {}
        #: monotonic time until which the store is not asked (it failed); 0 when it works
        self.down_until = 0.0
        self.flusher: threading.Thread | None = None

    def hit(self, key: str, window: int, limit: Limit) -> int:
        """Count one request of key in the window starting at window; the count so far, as
        well as this process knows it."""
        with self.lock:
            if self.pid != os.getpid():
                self._reset()  # forked: the parent's counts are the parent's
            if self.flusher is None:
                self._start_flusher()
            entry = self.windows.setdefault((key, window), _Window(limit.period))
            entry.pending += 1
            if entry.known > limit.count or entry.pending < slack(limit):
                return entry.known
        self.send([(key, window)])
        return entry.known

    def known(self, key: str, window: int) -> int:
        """What this process knows of key's count in the window, counting nothing."""
        with self.lock:
            entry = self.windows.get((key, window))
            return 0 if entry is None or self.pid != os.getpid() else entry.known

    def send(self, names: list[tuple[str, int]] | None = None) -> None:
        """Send the unsent hits of names (of every window when None) to the store, in one batch
        per period, and learn the totals of the other processes' hits."""
        with self.lock:
            if time.monotonic() < self.down_until:
                return
            batches: dict[int, dict[tuple[str, int], int]] = {}
            for name in self.windows if names is None else names:
                entry = self.windows[name]
                if entry.pending:
                    batches.setdefault(entry.period, {})[name] = entry.pending
                    entry.sending, entry.pending = entry.sending + entry.pending, 0
        for period, counts in batches.items():
            try:
                totals = self.store.add(counts, period)
            except Exception as error:  # whatever the store's failure, verification goes on
                self._failed(counts, error)
                return
            with self.lock:
                for name, total in totals.items():
                    entry = self.windows.get(name)
                    if entry is not None:  # else its window ended meanwhile
                        entry.sending -= counts[name]
                        entry.shared = max(entry.shared, total)
                if self.down_until:
                    logger.warning("rate limit store available again; counts are shared")
                    self.down_until = 0.0

    def _failed(self, counts: dict[tuple[str, int], int], error: Exception) -> None:
        with self.lock:
            for name, count in counts.items():
                entry = self.windows.get(name)
                if entry is not None:
                    entry.sending, entry.pending = entry.sending - count, entry.pending + count
            self.down_until = time.monotonic() + self.RETRY_SECONDS
        logger.warning("rate limit store unavailable (%s: %s); counting in this process only, "
                       "trying again in %d s", type(error).__name__, first_line(error), self.RETRY_SECONDS)

    def forget_ended(self, now: float) -> None:
        """Drop the windows that ended before now (wall time), sent or not."""
        with self.lock:
            for name in [n for n, e in self.windows.items() if n[1] + e.period <= now]:
                del self.windows[name]

    def _start_flusher(self) -> None:
        # started by the first look-up of each process (after gunicorn's fork), and holding the
        # counter only weakly, so that an app that is dropped takes its thread with it
        reference = weakref.ref(self)

        def flush_periodically() -> None:
            while True:
                time.sleep(self.SYNC_SECONDS)
                counter = reference()
                if counter is None or counter.pid != os.getpid():
                    return
                counter.send()
                counter.forget_ended(time.time())
                del counter

        self.flusher = threading.Thread(target=flush_periodically, name="formsvc-ratelimit",
                                        daemon=True)
        self.flusher.start()


def slack(limit: Limit) -> int:
    """How many hits of a client one process may hold back before telling the others."""
    return max(1, limit.count // 20)


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
