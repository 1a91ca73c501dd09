"""Concurrency slots of the expensive endpoints: a few at once per client, and a cap for everyone.

Rendering and importing are CPU-bound: on two cores, two at a time already use the machine whole.
A request takes one of its client's slots and one of the shared slots, or is refused at once with
429 and Retry-After. The slots are lock files under the instance, locked with flock(2), so every
gunicorn worker (and every thread) on the machine sees the same slots; the kernel releases a lock
when its holder ends, so a killed worker cannot leak one.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app

from ..errors import RateLimited
from .ratelimit import client_key

View = TypeVar("View", bound=Callable[..., Any])

#: clients share this many groups of slots (by a hash of their address), so that a crowd of
#: addresses cannot fill the disk with lock files
CLIENT_BUCKETS = 1024
#: seconds a refused client is asked to wait: a budgeted request takes a few seconds
RETRY_AFTER = 3


def _take(folder: Path, names: list[str]) -> int | None:
    """A descriptor holding the lock of the first free slot of names, or None if all are held."""
    for name in names:
        fd = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return fd
    return None


@contextlib.contextmanager
def slot(app: Flask, client: str) -> Iterator[None]:
    """Hold one of client's slots and one shared slot for the block, or raise RateLimited."""
    folder = Path(app.extensions["formsvc.slots"])
    per_client, total = app.config["HEAVY_PER_CLIENT"], app.config["HEAVY_TOTAL"]
    bucket = int.from_bytes(hashlib.blake2b(client.encode(), digest_size=4).digest()) % CLIENT_BUCKETS
    with contextlib.ExitStack() as held:
        mine = _take(folder, [f"client-{bucket}-{i}" for i in range(per_client)])
        if mine is None:
            raise RateLimited(f"同一客户端同时进行的生成或导入请求最多 {per_client} 个："
                              f"请等前面的请求完成，{RETRY_AFTER} 秒后再试", retry_after=RETRY_AFTER)
        held.callback(os.close, mine)
        shared = _take(folder, [f"all-{i}" for i in range(total)])
        if shared is None:
            raise RateLimited(f"服务器正忙：同时进行的生成或导入请求已达上限（{total} 个），"
                              f"请 {RETRY_AFTER} 秒后再试", retry_after=RETRY_AFTER)
        held.callback(os.close, shared)
        yield


def heavy(view: View) -> View:
    """Decorate an expensive view: it runs in a slot (see slot) or answers 429."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with slot(current_app._get_current_object(), client_key()):  # type: ignore[attr-defined]
            return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    folder = Path(app.instance_path) / "slots"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    app.extensions["formsvc.slots"] = str(folder)
