"""Running jobs: a pool of processes on this machine by default, Celery workers when configured.

Both run the same steps (jobs/work.py) and differ only in who calls them: RUNNERS picks one by
configuration (FORMSVC_CELERY_BROKER_URL).

Over 350 lines on purpose: the two runners and the entry points that choose between them (submit,
resume, the janitor) are one contract; the Celery side calls resume and failure_message, and split
apart the two halves would import each other.
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import datetime as dt
import errno
import logging
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.util
import os
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask

from .. import db, scratch
from ..errors import FormsvcError, InvalidData, Problem
from ..registry.scope import Scope
from ..render import subsetting
from . import files, memory, warmup, work
from .plan import check, pending_chunks, stage

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class Runner(Protocol):
    def start(self, job_id: str) -> None:
        """Have the job's pending chunks done, then the job finished, in the background."""


def worker_config(app: Flask) -> dict[str, Any]:
    """The settings a worker process needs to build the same app: everything plain in config."""
    plain = (str, int, float, bool, type(None))
    return {k: v for k, v in app.config.items() if isinstance(v, plain) and k.isupper()}


#: why a job stopped, by what stopped it, in words for the person who submitted it (the first
#: kind along the error's class hierarchy that is here says it)
FAILURES: dict[type[BaseException], Callable[[Any], str]] = {
    FormsvcError: lambda error: "；".join(p.msg for p in error.problems[:5]),
    concurrent.futures.process.BrokenProcessPool: lambda _error: (
        "排版进程接连三次意外退出（常见原因：内存不足）。"
        f"请检查服务器内存后用 {files.RESUME_COMMAND} 继续作业（已签发的证书不会重复签发）"),
    OSError: lambda error: {
        errno.ENOSPC: f"磁盘已满。请清理磁盘后用 {files.RESUME_COMMAND} 继续作业（已签发的证书不会重复签发）",
        errno.EACCES: "输出目录没有写入权限（FORMSVC_OUTPUT_DIR），请联系管理员",
    }.get(error.errno, f"读写作业文件失败（{error.filename or '输出目录'}），请联系管理员"),
}


def failure_message(error: BaseException) -> str:
    for kind in type(error).__mro__:
        if kind in FAILURES:
            return "批量签发中断：" + FAILURES[kind](error)
    return "批量签发中断：服务器内部错误，请联系管理员后重新提交或继续"


# --- on this machine -------------------------------------------------------------------------

_worker_app: Flask | None = None


def _init_worker(config: dict[str, Any], instance_path: str, parent: int,
                 environment: dict[str, str]) -> None:
    from .. import create_app

    global _worker_app
    # the parent's pid as it sent it: a parent killed while this process was still starting (a
    # pool now starts with the service) must not be waited for
    watch_parent(parent)
    # the environment of the pool's owner now, not the one the fork server started with
    os.environ.clear()
    os.environ.update(environment)
    os.environ["FORMSVC_INSTANCE_PATH"] = instance_path
    # a pool worker renders chunks and nothing else: resuming jobs is the serving processes'
    # part, and a pool of its own would have workers start pools without end
    _worker_app = create_app({**config, "JOB_RESUME": False, "JOB_POOL": False})
    worker_process()
    try:
        warmup.rehearse(_worker_app)
    except Exception:
        # a rehearsal that fails leaves the first chunk slower, and the real render says why
        log.exception("job pool worker: rehearsing a certificate failed")
    memory.give_back()  # the rehearsal's first layout leaves most of its pages free


def worker_process() -> None:
    """What makes a process one that renders chunks and nothing else (a pool or Celery worker):
    fonts subset by WeasyPrint, without faces prepared for one-page forms (30 MB less each;
    render/subsetting.py says why)."""
    subsetting.keep_prepared_faces(False)


def _ready() -> int:
    """What a warm-up sends each new worker: it answers once its initializer is done."""
    return os.getpid()


def watch_parent(parent: int, interval: float = 1.0) -> threading.Thread:
    """Exit when the process that owns this one's pool is gone (SIGKILLed gunicorn worker or CLI):
    orphaned pool workers would otherwise live on, holding memory and the job's files. Watched
    by pid rather than by prctl(PR_SET_PDEATHSIG), which fires when the *thread* that started the
    pool ends, and pools are started from short-lived job threads. A pool worker's own parent
    is the fork server (pool_context), which exits with the owner: either going ends this one."""
    server = os.getppid()

    def watch() -> None:
        while os.getppid() == server and scratch.alive(parent):
            time.sleep(interval)
        os._exit(0)

    thread = threading.Thread(target=watch, name="parent-watch", daemon=True)
    thread.start()
    return thread


def _run_chunk(job_id: str, index: int) -> bool:
    assert _worker_app is not None
    return work.run_chunk(_worker_app, job_id, index)


def pool_context() -> multiprocessing.context.BaseContext:
    """Where pool workers come from: forked from a server process that has imported this module
    (and with it WeasyPrint, pyHanko and the forms) once, not from this process, whose database
    connections and threads a fork would share. A worker is ready without importing the service
    again (about a second and a half each when spawned), and the workers share those pages."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    try:
        with scratch.socket_sized():
            multiprocessing.util.get_temp_dir()  # made once per process, where the socket goes
        multiprocessing.forkserver.ensure_running()
    except OSError as error:
        log.warning("job pool: no fork server (%s); workers are spawned, each importing the service",
                    error)
        return multiprocessing.get_context("spawn")
    return context


class LocalRunner:
    """Chunks in a pool of worker processes (one per core), driven by a thread of this process."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        #: how long this process may hold a job without renewing its claim: after a crash,
        #: another process takes the job over once the claim has run out
        self.lease = dt.timedelta(seconds=app.config["JOB_LEASE_SECONDS"])
        self._lock = threading.Lock()
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None

    def executor(self) -> concurrent.futures.ProcessPoolExecutor:
        if not self.app.config["JOB_POOL"]:
            raise RuntimeError("a job pool worker starts no pool of its own")
        with self._lock:
            if self._executor is None:
                self._executor = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self.app.config["JOB_WORKERS"],
                    mp_context=pool_context(),
                    initializer=_init_worker,
                    initargs=(worker_config(self.app), self.app.instance_path, os.getpid(),
                              dict(os.environ)),
                    # no max_tasks_per_child: Python 3.11's pool can hang when it replaces a
                    # worker with work still queued, and a worker's memory stays flat anyway
                    # (benchmarks/bench_bulk.py measures it over 10,000 certificates)
                )
            return self._executor

    def warm(self) -> threading.Thread:
        """Start the pool's processes now, in the background, so that the first job does not wait
        for them (each gets ready to render in its initializer); logs when all are ready."""
        begun = time.monotonic()
        executor = self.executor()
        # one task per worker: while none is idle, each submit starts another process
        answers = [executor.submit(_ready) for _ in range(self.app.config["JOB_WORKERS"])]

        def report() -> None:
            try:
                pids = {answer.result() for answer in answers}
            except Exception:
                log.exception("starting the job pool failed")
                return
            log.info("作业进程池已就绪：%d 个进程，用时 %.1f 秒", len(pids), time.monotonic() - begun)

        thread = threading.Thread(target=report, name="job-pool-warm-up", daemon=True)
        thread.start()
        return thread

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def start(self, job_id: str) -> None:
        threading.Thread(target=self.drive, args=(job_id,), name=f"job-{job_id[:8]}",
                         daemon=True).start()

    def drive(self, job_id: str, progress: Progress | None = None) -> bool:
        """Run the job to its end in this thread; False if another process holds it."""
        with self.app.app_context(), db.own_session(self.app) as session:
            if not work.claim(session, job_id, self.lease):
                return False
            try:
                for attempt in range(3):
                    try:
                        self._run_pending(session, job_id, progress)
                        break
                    except concurrent.futures.process.BrokenProcessPool:
                        # a worker died (killed, out of memory): its chunk was not counted and
                        # is done again by a fresh pool
                        log.warning("job %s: worker pool broke, attempt %d", job_id, attempt + 1)
                        self._discard_executor()
                        if attempt == 2:
                            raise
                work.finish(self.app, job_id)
            except Exception as error:
                log.exception("job %s failed", job_id)
                work.fail(session, job_id, failure_message(error))
            finally:
                work.release(session, job_id)
        return True

    def _discard_executor(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None

    def _run_pending(self, session: Any, job_id: str, progress: Progress | None) -> None:
        executor = self.executor()
        futures = {executor.submit(_run_chunk, job_id, index) for index in pending_chunks(session, job_id)}
        renewed = time.monotonic()
        while futures:
            finished, futures = concurrent.futures.wait(
                futures, timeout=min(5.0, self.lease.total_seconds() / 4),
                return_when=concurrent.futures.FIRST_COMPLETED,
            )
            for future in finished:
                future.result()
            if progress is not None:
                current = work.status(session, job_id)
                session.rollback()  # end the read, so the next one sees the workers' commits
                if current is not None:
                    progress(current.done, current.total)
            if time.monotonic() - renewed > self.lease.total_seconds() / 3:
                work.claim(session, job_id, self.lease, renew=True)
                renewed = time.monotonic()


# --- on Celery workers -----------------------------------------------------------------------


def make_celery(app: Flask) -> Any:
    """The Celery app of the workers (`celery -A formsvc.jobs worker`) and of the web side."""
    from celery import Celery
    from celery.signals import worker_ready

    celery = Celery("formsvc", broker=app.config["CELERY_BROKER_URL"])
    celery.conf.update(
        task_ignore_result=True,
        # a chunk is acknowledged when done: a worker killed mid-chunk leaves it to another
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=app.config["CELERY_QUEUE"],
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )

    @celery.task(name="formsvc.jobs.run_chunk")
    def run_chunk_task(job_id: str, index: int) -> None:
        try:
            last = work.run_chunk(app, job_id, index)
        except Exception as error:
            log.exception("job %s chunk %d failed", job_id, index)
            with app.app_context(), db.own_session(app) as session:
                work.fail(session, job_id, failure_message(error))
            return
        if last:
            work.finish(app, job_id)

    @worker_ready.connect(weak=False)
    def resume_on_start(**_: Any) -> None:
        # whatever a killed worker left unfinished is queued again; doing a chunk twice is harmless
        resumed = resume(app, only_orphaned=False)
        if resumed:
            log.info("resumed jobs %s", ", ".join(resumed))

    celery.formsvc_run_chunk = run_chunk_task  # type: ignore[attr-defined]
    return celery


class CeleryRunner:
    """Chunks as Celery tasks on a Redis broker; the worker finishing the last chunk joins them."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.celery = make_celery(app)

    def start(self, job_id: str) -> None:
        with self.app.app_context(), db.own_session(self.app) as session:
            pending = list(pending_chunks(session, job_id))
        if not pending:
            work.finish(self.app, job_id)
        for index in pending:
            self.celery.formsvc_run_chunk.delay(job_id, index)


RUNNERS: dict[str, Callable[[Flask], Runner]] = {"local": LocalRunner, "celery": CeleryRunner}


def runner_for(app: Flask) -> Runner:
    state = app.extensions.setdefault("formsvc.jobs", {})
    if "runner" not in state:
        kind = "celery" if app.config.get("CELERY_BROKER_URL") else "local"
        state["runner"] = RUNNERS[kind](app)
    return state["runner"]


# --- entry points ----------------------------------------------------------------------------


def submit(app: Flask, sheet: bytes, *, source_name: str, photos: bytes | None, actor: str,
           issuer_id: int | None, start: bool = True) -> tuple[str, tuple[Problem, ...]]:
    """Check a whole 采集表 (and its photos), stage it as a job of issuer_id (None: the whole
    registry's, for admins and the command line) and start it.

    Returns the job id and the sheet's warnings; raises InvalidData with every error, and then
    nothing is issued and no job exists.
    """
    # room for the staged rows and photos, and for the job's outputs to begin
    files.ensure_free_space(app, needed=len(sheet) + len(photos or b""))
    with app.app_context(), db.own_session(app) as session:
        plan = check(session, sheet, photos, scope=Scope(issuer_id))
        job_id = stage(session, plan, output_dir=app.config["OUTPUT_DIR"],
                       chunk_size=app.config["JOB_CHUNK_SIZE"],
                       first_chunk_size=app.config["JOB_FIRST_CHUNK_SIZE"], source_name=source_name,
                       actor=actor, issuer_id=issuer_id)
    if start:
        runner_for(app).start(job_id)
    return job_id, plan.warnings


def resume(app: Flask, *, only_orphaned: bool = True, failed: bool = False) -> list[str]:
    """Start again every unfinished job that no process holds (all unfinished ones if asked),
    and the failed ones too if asked (after a full disk was cleared: nothing is issued twice)."""
    from sqlalchemy import select

    from .models import UNFINISHED, Job

    with app.app_context(), db.own_session(app) as session:
        if failed:
            for job_id in work.failed(session):
                work.reopen(session, job_id)
        if only_orphaned:
            job_ids = work.orphaned(session)
        else:
            job_ids = list(session.scalars(select(Job.id).where(Job.state.in_(UNFINISHED))))
    runner = runner_for(app)
    for job_id in job_ids:
        runner.start(job_id)
    return job_ids


def janitor(app: Flask) -> threading.Thread:
    """A thread that resumes orphaned jobs now and then (after a crash of the whole service the
    old claims run out, and one of the restarted processes takes each job over), and removes the
    files of jobs older than JOB_RETENTION_DAYS."""
    interval = app.config["JOB_LEASE_SECONDS"] / 2

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                resume(app)
                files.expire(app)
            except Exception:
                log.exception("resuming or expiring jobs failed")

    thread = threading.Thread(target=watch, name="job-janitor", daemon=True)
    thread.start()
    return thread


__all__ = ["RUNNERS", "CeleryRunner", "InvalidData", "LocalRunner", "resume", "runner_for", "submit"]
