"""Run inside a job pool worker by tests: what the worker process holds."""

from __future__ import annotations

import os
import threading


def pid_and_threads() -> tuple[int, list[str]]:
    return os.getpid(), [thread.name for thread in threading.enumerate()]
