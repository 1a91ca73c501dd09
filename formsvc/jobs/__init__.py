"""Bulk certificate issuing and printing: plan, chunked rendering, local pool, Celery."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask


def init_app(app: Flask) -> None:
    from . import cli, runners

    app.config.setdefault("JOB_RESUME", not app.testing)
    cli.init_app(app)
    if app.config["JOB_RESUME"] and not app.config.get("CELERY_BROKER_URL"):
        # started by the first request a process serves: a CLI command, a pool worker or the
        # preloading gunicorn master builds the app too, and none of them should watch for jobs
        # (a process forked after it started has the thread no more: is_alive() is False there)
        started: list[threading.Thread] = []
        lock = threading.Lock()

        @app.before_request
        def start_janitor() -> None:
            if not started or not started[0].is_alive():
                with lock:
                    if not started or not started[0].is_alive():
                        started[:] = [runners.janitor(app)]


def __getattr__(name: str) -> Any:
    # `celery -A formsvc.jobs worker` looks for formsvc.jobs.celery: the app of the workers
    if name == "celery":
        from .. import create_app
        from ..errors import SetupError
        from .runners import CeleryRunner, runner_for

        app = create_app()
        runner = runner_for(app)
        if not isinstance(runner, CeleryRunner):
            raise SetupError("FORMSVC_CELERY_BROKER_URL 未设置：Celery 工作进程需要 Redis 等消息队列")
        return runner.celery
    raise AttributeError(name)
