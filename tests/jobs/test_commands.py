"""The bulk-job commands: `issue` counts certificates on its bar from the start and says how many
were new; `jobs list` shows times in TIME_ZONE as the office pages do, and a failure's reason."""

from __future__ import annotations

import datetime as dt
import errno
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

from sqlalchemy import update

from formsvc import db, users
from formsvc.jobs import work
from formsvc.jobs.models import Job
from formsvc.jobs.runners import failure_message, submit

from ..helpers import ROOT, people

FLASK = str(Path(sys.executable).with_name("flask"))


def in_a_terminal(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    """What a command writes to a terminal (a pseudo-terminal: click draws its bar only there)."""
    main, terminal = pty.openpty()
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdin=terminal, stdout=terminal, stderr=terminal,
                               start_new_session=True)
    os.close(terminal)
    output = b""
    try:
        while True:
            ready, _, _ = select.select([main], [], [], timeout)
            assert ready, f"no output for {timeout}s: {output.decode(errors='replace')[-2000:]}"
            try:
                chunk = os.read(main, 65536)
            except OSError as error:  # the terminal closed: the command has ended
                if error.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(main)
        process.wait(60)
    assert process.returncode == 0, output.decode(errors="replace")[-3000:]
    return output.decode()


def test_the_bar_counts_certificates_from_the_start_and_the_end_says_how_many_were_new(jobs_app, sheet_of,
                                                                                      tmp_path, font_dir):
    rows = people(60)
    sheet = tmp_path / "采集表.xlsx"
    sheet.write_bytes(sheet_of(rows))
    env = {**os.environ, "FORMSVC_INSTANCE_PATH": jobs_app.instance_path,
           "FORMSVC_DATABASE_URL": jobs_app.config["DATABASE_URL"],
           "FORMSVC_OUTPUT_DIR": jobs_app.config["OUTPUT_DIR"], "FORMSVC_FONT_DIR": str(font_dir),
           "FORMSVC_PUBLIC_URL": "https://zc.example.gov.cn", "FORMSVC_SECRET_KEY": "test-secret",
           "COLUMNS": "100"}
    shown = in_a_terminal([FLASK, "--app", "formsvc", "issue", str(sheet), "-o", str(tmp_path / "a.pdf")],
                          env)
    positions = re.findall(r"(\d+)/(\d+)", shown.split("共 60 张证书")[0])
    assert positions and {total for _, total in positions} == {"60"}, shown  # never 0/1: certificates
    counted = [int(done) for done, _ in positions]
    assert counted[0] == 0 and 5 in counted and counted[-1] == 60, shown  # the small first chunk moved it
    assert counted == sorted(counted)
    assert f"共 60 张证书，新签发 60 张：{tmp_path / 'a.pdf'}" in shown

    # five of the sheet again, with two people more: five exist, two are new
    again = tmp_path / "再次.xlsx"
    again.write_bytes(sheet_of(rows[:5] + people(62)[60:]))
    result = jobs_app.test_cli_runner().invoke(args=["issue", str(again), "-o", str(tmp_path / "b.pdf")])
    assert result.exit_code == 0, result.output
    assert f"共 7 张证书，新签发 2 张，5 张此前已签发（未重复签发）：{tmp_path / 'b.pdf'}" in result.output


def _job(app, sheet: bytes) -> str:
    job_id, _ = submit(app, sheet, source_name="采集表.xlsx", photos=None, actor="测试", issuer_id=None,
                       start=False)
    with app.app_context(), db.own_session(app) as session:
        # 16:30 UTC on New Year's Day is half past midnight on the 2nd in Beijing
        session.execute(update(Job).where(Job.id == job_id)
                        .values(created_at=dt.datetime(2026, 1, 1, 16, 30, tzinfo=dt.UTC)))
        session.commit()
        work.fail(session, job_id, failure_message(OSError(errno.ENOSPC, "No space left on device")))
    return job_id


def test_jobs_list_shows_the_time_the_office_shows_and_why_a_job_failed(jobs_app, sheet_of):
    job_id = _job(jobs_app, sheet_of(people(2)))
    with jobs_app.app_context():
        users.create(db.session(), "clerk", "correct horse battery", admin=True)
    clerk = jobs_app.test_client()
    clerk.post("/office/login", data={"name": "clerk", "password": "correct horse battery"})

    for zone, shown in (("Asia/Shanghai", "2026-01-02 00:30"), ("UTC", "2026-01-01 16:30")):
        jobs_app.config["TIME_ZONE"] = zone
        listed = jobs_app.test_cli_runner().invoke(args=["jobs", "list"])
        assert listed.exit_code == 0, listed.output
        [line] = [line for line in listed.output.splitlines() if line.startswith(job_id)]
        assert f"{job_id}  {shown}  采集表.xlsx  失败：0/2（0%），批量签发中断：磁盘已满。" in line
        assert shown in clerk.get("/office/jobs").get_data(as_text=True)  # the pages say the same
