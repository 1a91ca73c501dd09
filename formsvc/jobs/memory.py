"""Giving a worker's free memory back to the system between chunks.

glibc keeps the pages that freed objects leave in its heap: a pool worker's first render (the
rehearsal) and each chunk's layout of fifty pages leave some 70 MB free but resident, which the
next chunk only partly reuses, so every worker held 300 MB where 230 MB were in use. malloc_trim
returns those pages; it costs well under a millisecond a chunk. Elsewhere than on glibc (musl,
macOS) there is nothing to call, and nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def give_back() -> None:
    """Return the heap's free pages to the system (glibc), so that they count nowhere."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
