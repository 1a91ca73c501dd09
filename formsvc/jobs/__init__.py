"""Bulk certificate issuing and printing: plan, chunked rendering, local pool, Celery."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask


def init_app(app: Flask) -> None:
    from . import cli

    app.config.setdefault("JOB_RESUME", not app.testing)
    cli.init_app(app)
    if _does_background_work(app):
        # without serving.py's hook (another server than gunicorn), the janitor starts with the
        # first request a process serves: a CLI command, a pool worker or the preloading
        # gunicorn master builds the app too, and none of them should watch for jobs
        app.before_request(lambda: start_janitor(app))


def _does_background_work(app: Flask) -> bool:
    # on Celery the workers resume jobs; pool workers turn JOB_RESUME off
    return bool(app.config["JOB_RESUME"]) and not app.config.get("CELERY_BROKER_URL")


def serve(app: Flask) -> None:
    """What a process that serves requests starts beside them (gunicorn's post_worker_init, see
    formsvc/serving.py): the job pool, ready in the background so that serving starts no later,
    and the janitor. Nothing in a pool worker, a CLI command or with Celery."""
    from .runners import LocalRunner, runner_for

    if not _does_background_work(app):
        return
    runner = runner_for(app)
    if isinstance(runner, LocalRunner):
        runner.warm()
    start_janitor(app)


def start_janitor(app: Flask) -> None:
    """The janitor thread of this process, started if it is not running (a process forked
    after it started has the thread no more: is_alive() is False there)."""
    from . import runners

    state = app.extensions.setdefault("formsvc.jobs", {})

    def running() -> bool:
        return state.get("janitor") is not None and state["janitor"].is_alive()

    if running():  # every request asks: answered without the lock
        return
    with state.setdefault("janitor lock", threading.Lock()):
        if not running():
            state["janitor"] = runners.janitor(app)


def __getattr__(name: str) -> Any:
    # `celery -A formsvc.jobs worker` looks for formsvc.jobs.celery: the app of the workers
    if name == "celery":
        from .. import create_app
        from ..errors import SetupError
        from .runners import CeleryRunner, runner_for, worker_process

        app = create_app()
        worker_process()
        runner = runner_for(app)
        if not isinstance(runner, CeleryRunner):
            raise SetupError("FORMSVC_CELERY_BROKER_URL 未设置：Celery 工作进程需要 Redis 等消息队列")
        return runner.celery
    raise AttributeError(name)
