"""Run inside a job pool worker by tests: what the worker process holds, and what it starts when
it is asked to do what a serving process does."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


def pid_and_threads() -> tuple[int, list[str]]:
    return os.getpid(), [thread.name for thread in threading.enumerate()]


def children() -> list[int]:
    """The processes this one started that still run."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found.extend(int(pid) for pid in (task / "children").read_text().split())
    return found


def serve_as_a_serving_process_would() -> dict[str, object]:
    """The worker's own app asked to serve (gunicorn's hook, then a request) and to start a pool:
    what would make workers start workers."""
    from formsvc import jobs
    from formsvc.jobs import runners

    app = runners._worker_app
    assert app is not None
    jobs.serve(app)
    status = app.test_client().get("/healthz").status_code
    try:
        runners.runner_for(app).warm()
        refused = ""
    except RuntimeError as error:
        refused = str(error)
    time.sleep(1)  # a process started in the background would be there by now
    return {"pid": os.getpid(), "status": status, "refused": refused, "children": children(),
            "threads": [thread.name for thread in threading.enumerate()]}


def environment(name: str) -> str | None:
    return os.environ.get(name)
