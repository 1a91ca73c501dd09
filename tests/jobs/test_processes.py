"""The processes of the service: pool workers die with their parent, run no janitor and start no
processes (no pool of their own, whatever they are asked); only a process that serves requests
resumes jobs and readies a pool; temporary files live under the instance folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from formsvc import db

from ..helpers import WAIT, make_app

ROOT = Path(__file__).resolve().parent.parent.parent

#: a serving process's app with a job pool of two, as gunicorn's worker would build it
PARENT = """
import json, os, sys, time
from formsvc import create_app
from formsvc.jobs.runners import LocalRunner
from tests.jobs.pool_probe import pid_and_threads, serve_as_a_serving_process_would
app = create_app({"DATABASE_URL": sys.argv[1], "FONT_DIR": sys.argv[2], "SECRET_KEY": "x",
                  "JOB_WORKERS": 2, "JOB_RESUME": True, "JOB_LEASE_SECONDS": 1000000})
executor = LocalRunner(app).executor()
probes = dict(executor.submit(pid_and_threads).result() for _ in range(20))
served = executor.submit(serve_as_a_serving_process_would).result()
server = executor.submit(os.getppid).result()
print(json.dumps({"probes": probes, "served": served, "server": server}), flush=True)
time.sleep(600)
"""


def running(pid: int) -> bool:
    """Whether pid is a live process (a zombie nobody reaped has exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_pool_workers_run_no_janitor_start_no_processes_and_exit_with_their_parent(tmp_path, font_dir):
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    env = {**os.environ, "FORMSVC_INSTANCE_PATH": str(tmp_path / "instance")}
    parent = subprocess.Popen([sys.executable, "-c", PARENT, url, str(font_dir)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True)
    try:
        answer = json.loads(parent.stdout.readline())
        probes = {int(pid): names for pid, names in answer["probes"].items()}
        assert probes, "no pool worker answered"
        for names in probes.values():
            assert "job-janitor" not in names and "parent-watch" in names
        # asked to serve and to ready a pool, a worker refuses the pool and starts nothing
        served = answer["served"]
        assert served["status"] == 200 and served["refused"], served
        assert served["children"] == [], f"a pool worker started processes: {served}"
        assert not {"job-janitor", "job-pool-warm-up"} & set(served["threads"]), served
        # forked from a fork server, not from the serving process with its connections
        server = answer["server"]
        assert server != parent.pid and running(server)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + WAIT
        while any(running(pid) for pid in [*probes, server]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(running(pid) for pid in probes), "pool workers outlived their parent"
        assert not running(server), "the pool's fork server outlived its owner"
    finally:
        parent.kill()
        for pid in [*probes, answer["server"]] if "answer" in locals() else ():
            if running(pid):
                os.kill(pid, signal.SIGKILL)


def janitors() -> int:
    return sum(thread.name == "job-janitor" for thread in threading.enumerate())


def test_only_a_process_that_serves_requests_starts_the_janitor(tmp_path, font_dir, monkeypatch):
    before = janitors()
    app = make_app(tmp_path, font_dir, monkeypatch, JOB_RESUME=True, JOB_LEASE_SECONDS=1_000_000)
    try:
        # building the app (as a CLI command or a pool worker does) starts nothing
        assert janitors() == before
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz").status_code == 200
        assert janitors() == before + 1
    finally:
        db.dispose(app)


def test_temporary_files_live_under_the_instance_and_a_dead_process_leaves_none(tmp_path, font_dir,
                                                                              monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    monkeypatch.setenv("TMPDIR", os.environ.get("TMPDIR", "/tmp"))
    finished = subprocess.Popen(["true"])
    finished.wait()
    left = tmp_path / "instance" / "tmp" / str(finished.pid) / "weasyprint-abc123"
    left.mkdir(parents=True)
    (left / "font.otf").write_bytes(b"\0" * 1024)
    app = make_app(tmp_path, font_dir, monkeypatch, PROCESS_TMPDIR=True)
    try:
        assert not left.parent.exists()
        own = tmp_path / "instance" / "tmp" / str(os.getpid())
        assert Path(tempfile.gettempdir()) == own and os.environ["TMPDIR"] == str(own)
        assert tempfile.mkdtemp(prefix="weasyprint-").startswith(str(own))
    finally:
        db.dispose(app)


def test_a_pool_worker_has_its_owners_environment_of_now_not_the_fork_servers(jobs_app,
                                                                              monkeypatch):
    from formsvc.jobs.runners import runner_for

    from .pool_probe import environment

    runner = runner_for(jobs_app)
    # the fork server of this process may have started long before, under another environment
    runner.executor().submit(environment, "PATH").result()
    runner.shutdown()
    monkeypatch.setenv("FORMSVC_PROBE", "设置于启动之后")
    assert runner.executor().submit(environment, "FORMSVC_PROBE").result() == "设置于启动之后"


def test_without_a_fork_server_the_pool_spawns_its_workers(monkeypatch, caplog):
    import multiprocessing.forkserver

    from formsvc.jobs import runners

    def refuse() -> None:
        raise OSError("AF_UNIX path too long")

    monkeypatch.setattr(multiprocessing.forkserver, "ensure_running", refuse)
    assert runners.pool_context().get_start_method() == "spawn"
    assert "AF_UNIX path too long" in caplog.text


#: a process whose temporary folder is too deep for a socket's path, as under a deep instance
DEEP_TEMP = """
import json, sys, tempfile
from pathlib import Path
from multiprocessing import util
from formsvc import scratch
from formsvc.jobs.runners import pool_context
deep = Path(sys.argv[1])
deep.mkdir(parents=True)
tempfile.tempdir = str(deep)
method = pool_context().get_start_method()
print(json.dumps({"method": method, "socket_folder": util.get_temp_dir(),
                  "system": scratch.SYSTEM_TMPDIR}))
"""


def test_a_deep_temporary_folder_still_gets_a_fork_server(tmp_path):
    deep = tmp_path / ("实例目录" * 8) / "tmp" / "12345"
    assert len(str(deep).encode()) > 107
    done = subprocess.run([sys.executable, "-c", DEEP_TEMP, str(deep)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.splitlines()[-1])
    assert answer["method"] == "forkserver", done.stderr
    assert answer["socket_folder"].startswith(answer["system"])
