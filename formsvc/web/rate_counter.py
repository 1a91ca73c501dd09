"""Counting for the rate limits: a limit, the stores every worker shares, and the Counter that
batches each process's counts into them (see Counter for what that costs in exactness)."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Protocol

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from .. import db
from ..errors import first_line
from ..registry.models import RateWindow

#: the rate limits' log, under the name it has always had, so that log settings keep working
logger = logging.getLogger("formsvc.web.ratelimit")

PERIODS: dict[str, int] = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*")


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
