"""Bulk jobs on real Celery workers with the real Redis broker and PostgreSQL: the same steps,
chosen by configuration; a worker killed mid-job is replaced and the job completes, once."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader

from formsvc import db
from formsvc.registry import tokens

from ..helpers import (
    ROOT,
    WAIT,
    blank_template,
    fill,
    flat,
    job_row,
    make_app,
    people,
    post_job,
    scalar,
    wait_done,
)

CELERY = str(Path(sys.executable).with_name("celery"))


@pytest.fixture
def celery_app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str,
               redis_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path, font_dir, monkeypatch, DATABASE_URL=postgres_url,
                   CELERY_BROKER_URL=redis_url, CELERY_QUEUE=f"formsvc-test-{uuid.uuid4().hex[:8]}",
                   JOB_CHUNK_SIZE=20)
    yield app
    db.dispose(app)


class Worker:
    """`celery -A formsvc.jobs worker` in a process group of its own, configured like the app."""

    def __init__(self, app: Flask, font_dir: Path, log: Path) -> None:
        env = {**os.environ, "FORMSVC_INSTANCE_PATH": app.instance_path}
        for key in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_QUEUE", "OUTPUT_DIR", "PUBLIC_URL",
                    "SECRET_KEY", "JOB_CHUNK_SIZE"):
            env[f"FORMSVC_{key}"] = str(app.config[key])
        env["FORMSVC_FONT_DIR"] = str(font_dir)
        self.log = log
        self.process = subprocess.Popen(
            [CELERY, "-A", "formsvc.jobs", "worker", "--concurrency", "2", "--loglevel", "INFO",
             "--queues", app.config["CELERY_QUEUE"], "--without-gossip", "--without-mingle",
             "--hostname", f"test-{uuid.uuid4().hex[:6]}@%h"],
            cwd=ROOT, env=env, start_new_session=True, stdout=open(log, "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 2 * WAIT  # a worker imports the whole app first
        while b"ready." not in log.read_bytes():
            assert self.process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def auth(celery_app: Flask) -> dict[str, str]:
    with celery_app.app_context():
        return {"Authorization": f"Bearer {tokens.create(db.session(), '武汉市职改办')}"}


def sheet(app: Flask, rows: list[dict[str, Any]]) -> bytes:
    return fill(blank_template(app.test_client(), "title-history"), rows)


def test_a_job_runs_on_celery_workers(celery_app, auth, font_dir, tmp_path):
    worker = Worker(celery_app, font_dir, tmp_path / "worker.log")
    try:
        client = celery_app.test_client()
        rows = people(70)
        response = post_job(client, auth, sheet(celery_app, rows))
        assert response.status_code == 202, response.get_json()
        final = wait_done(client, auth, response.get_json()["links"]["self"], timeout=240)
        assert final["state"] == "done" and final["done"] == 70, final
        reader = PdfReader(io.BytesIO(client.get(final["links"]["print_pdf"], headers=auth).data))
        assert len(reader.pages) == 70
        assert rows[69]["证件号码"] in flat(reader.pages[69].extract_text())
        assert "formsvc.jobs.run_chunk" in (tmp_path / "worker.log").read_text()
    finally:
        worker.stop()


def test_a_killed_worker_is_replaced_and_the_job_completes_once(celery_app, auth, font_dir, tmp_path):
    url = celery_app.config["DATABASE_URL"]
    worker = Worker(celery_app, font_dir, tmp_path / "worker-1.log")
    client = celery_app.test_client()
    rows = people(140)
    response = post_job(client, auth, sheet(celery_app, rows))
    assert response.status_code == 202
    deadline = time.monotonic() + 240
    while job_row(url)[1] < 20:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    worker.kill()
    state, done, total = job_row(url)
    assert state == "running" and done < total, (state, done, total)

    replacement = Worker(celery_app, font_dir, tmp_path / "worker-2.log")
    try:
        final = wait_done(client, auth, response.get_json()["links"]["self"], timeout=240)
    finally:
        replacement.stop()
    assert final["state"] == "done" and final["done"] == 140, final
    assert scalar(url, "SELECT count(*) FROM certificates") == 140
    assert scalar(url, "SELECT count(DISTINCT number) FROM certificates") == 140
    reader = PdfReader(io.BytesIO(client.get(final["links"]["print_pdf"], headers=auth).data))
    assert [rows[i]["证件号码"] in flat(reader.pages[i].extract_text()) for i in (0, 70, 139)] == [True] * 3
