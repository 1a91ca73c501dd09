"""A job survives a crash: killed mid-way, resumed, finished — and no certificate issued twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from ..helpers import ROOT, flat, job_row, people, scalar

FLASK = [sys.executable, "-m", "flask", "--app", "formsvc"]


def test_killed_while_issuing_then_resumed_issues_each_certificate_once(jobs_app, sheet_of, tmp_path,
                                                                        font_dir):
    rows = people(160)
    sheet = tmp_path / "采集表.xlsx"
    sheet.write_bytes(sheet_of(rows))
    url = jobs_app.config["DATABASE_URL"]
    env = {**os.environ,
           "FORMSVC_INSTANCE_PATH": jobs_app.instance_path,
           "FORMSVC_DATABASE_URL": url,
           "FORMSVC_OUTPUT_DIR": jobs_app.config["OUTPUT_DIR"],
           "FORMSVC_FONT_DIR": str(font_dir),
           "FORMSVC_PUBLIC_URL": "https://zc.example.gov.cn",
           "FORMSVC_SECRET_KEY": "test-secret",
           "FORMSVC_JOB_CHUNK_SIZE": "20",
           "FORMSVC_JOB_LEASE_SECONDS": "4"}
    first = subprocess.Popen([*FLASK, "issue", str(sheet), "-o", str(tmp_path / "first.pdf")],
                             cwd=ROOT, env=env, start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        state, done, total = job_row(url)
        if done >= 20:
            break
        assert first.poll() is None, first.stdout.read().decode()[-3000:]  # type: ignore[union-attr]
        time.sleep(0.2)
    # the whole process group: the driving command and its pool of workers, mid-chunk
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    state, done, total = job_row(url)
    assert state == "running" and 20 <= done < total == 160, (state, done, total)
    issued_before = scalar(url, "SELECT count(*) FROM certificates")
    assert not (tmp_path / "first.pdf").exists()

    time.sleep(4.5)  # the killed process's claim runs out
    resumed = subprocess.run([*FLASK, "jobs", "resume"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "继续作业" in resumed.stdout and "已完成：160/160" in resumed.stdout

    assert job_row(url) == ("done", 160, 160)
    assert scalar(url, "SELECT count(*) FROM certificates") == 160 >= issued_before
    assert scalar(url, "SELECT count(DISTINCT number) FROM certificates") == 160
    assert scalar(url, "SELECT count(*) FROM audit_log WHERE action = 'issue'") == 160
    job_id = scalar(url, "SELECT id FROM jobs")
    reader = PdfReader(Path(jobs_app.config["OUTPUT_DIR"]) / job_id / "print.pdf")
    assert len(reader.pages) == 160
    for index in (0, 19, 20, 77, 159):
        assert rows[index]["证件号码"] in flat(reader.pages[index].extract_text())
