"""gunicorn's settings for serving formsvc (`make run`; `gunicorn -c python:formsvc.serving …`).

Each serving process, once it has built the app, starts what it does beside answering requests:
the bulk-job pool, made ready in the background so that the first job is as fast as the next
and serving starts no later, and the janitor that resumes orphaned jobs (formsvc/jobs/__init__.py).
The pool's own processes build the app without gunicorn, and start neither.
"""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    from .jobs import serve

    serve(worker.wsgi)
