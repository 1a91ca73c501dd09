"""Production serving: `gunicorn 'formsvc:create_app()'` with several workers, each with its own pool."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from formsvc import db

from ..helpers import code_of
from ..services import free_port, wait_for_port

VENV_BIN = Path(sys.executable).parent


def test_a_forked_worker_opens_its_own_connections(registry_app):
    with registry_app.app_context():
        parent_engine = db.engine_for(registry_app)
        with parent_engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                engine = db.engine_for(registry_app)
                with engine.connect() as connection:
                    connection.execute(text("SELECT count(*) FROM certificates")).scalar()
                code = 0 if engine is not parent_engine else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        # the parent's pooled connection was left alone by the child and still works
        assert db.engine_for(registry_app) is parent_engine
        with parent_engine.connect() as connection:
            assert connection.execute(text("SELECT 2")).scalar() == 2


@pytest.fixture
def gunicorn(registry_app, tmp_path, font_dir):
    port = free_port()
    environment = {
        **os.environ,
        "FORMSVC_INSTANCE_PATH": str(tmp_path / "served"),
        "FORMSVC_DATABASE_URL": registry_app.config["DATABASE_URL"],
        "FORMSVC_PUBLIC_URL": "https://zc.example.gov.cn",
        "FORMSVC_FONT_DIR": str(font_dir),
        "FORMSVC_VERIFY_RATE_LIMIT": "off",
        "FORMSVC_SECRET_KEY": "served",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    # --preload: the app is built once in the master and forked, the case that shares state
    # by accident; the workers must still each open their own database connections
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", "2", "--preload", "--bind", f"127.0.0.1:{port}",
         "formsvc:create_app()"],
        env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2],
    )
    try:
        wait_for_port(port, timeout=120, process=process, log=tmp_path / "gunicorn.log")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def fetch(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_gunicorn_workers_verify_concurrently(gunicorn, issued):
    code = code_of(issued)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(fetch, [f"{gunicorn}/api/v1/verify/{code}"] * 64))
    assert {status for status, _ in answers} == {200}
    assert {body["certificate"]["number"] for _, body in answers} == {issued["number"]}
    assert fetch(f"{gunicorn}/api/v1/verify/{'A' * 22}")[0] == 404
    assert fetch(f"{gunicorn}/healthz") == (200, {"status": "ok"})
