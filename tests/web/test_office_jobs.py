"""Bulk issuing from the office through the test client: check, start, follow, download."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc import db
from formsvc.jobs.models import Job
from formsvc.web import uploads

from ..helpers import blank_template, create_user, fill, pdf_text, people, person_request, photo_zip

PASSWORD = "correct horse battery"


@pytest.fixture
def office_app(jobs_app: Flask) -> Flask:
    """The bulk-job tests' app (real worker processes), with an office user; chunks of 2 rows."""
    jobs_app.config["JOB_CHUNK_SIZE"] = 2
    with jobs_app.app_context():
        create_user(db.session(), "clerk", PASSWORD, admin=True)
    return jobs_app


@pytest.fixture
def clerk(office_app: Flask) -> FlaskClient:
    client = office_app.test_client()
    assert client.post("/office/login", data={"name": "clerk", "password": PASSWORD}).status_code == 302
    return client


def sheet_of(app: Flask, rows) -> bytes:
    return fill(blank_template(app.test_client(), "title-history"), rows)


def check(client: FlaskClient, sheet: bytes, photos: bytes | None = None, name: str = "采集表.xlsx"):
    import io

    data = {"sheet": (io.BytesIO(sheet), name)}
    if photos is not None:
        data["photos"] = (io.BytesIO(photos), "照片.zip")
    return client.post("/office/jobs/check", data=data, content_type="multipart/form-data")


def kept(app: Flask) -> list[Path]:
    root = Path(app.config["OUTPUT_DIR"]) / ".uploads"
    return sorted(root.iterdir()) if root.is_dir() else []


def jobs(app: Flask) -> list[Job]:
    with app.app_context():
        return list(db.session().query(Job))


@pytest.mark.parametrize(("make", "message"), [
    (lambda app: b"", "请选择要上传的湖北省职称历史数据采集表"),
    (lambda app: b"PK\x03\x04 not really a workbook", "文件已损坏"),
    (lambda app: b"name,gender\n", "xlsx"),
    (lambda app: sheet_of(app, [{**people(2)[0], "证件号码": "420102199001010000"}, people(2)[1]]),
     "第3行（D3）：证件号码校验位错误"),
])
def test_a_sheet_with_errors_is_reported_and_nothing_kept(office_app, clerk, make, message):
    response = check(clerk, make(office_app))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "未通过校验" in html and message in html
    assert kept(office_app) == [] and jobs(office_app) == []
    # no start without a checked upload
    start = clerk.post("/office/jobs/start")
    assert start.location == "/office/jobs"
    assert "上传的文件已失效" in clerk.get("/office/jobs").get_data(as_text=True)


def test_photos_of_people_not_in_the_sheet_are_reported(office_app, clerk):
    rows = people(2)
    response = check(clerk, sheet_of(office_app, rows), photo_zip(["420102199001019999"]))
    assert response.status_code == 422
    assert "照片 420102199001019999 的证件号码不在表中" in response.get_data(as_text=True)


def test_the_check_page_counts_new_and_already_issued_certificates(office_app, clerk):
    from formsvc.registry import issuing
    from formsvc.registry.records import RegistrySettings
    from formsvc.registry.scope import WHOLE_REGISTRY

    rows = people(5)
    with office_app.app_context():
        issuing.issue_many(db.session(), [person_request(1), person_request(3)], actor="cli",
                           scope=WHOLE_REGISTRY,
                           settings=RegistrySettings.from_config(office_app.config))
    html = check(clerk, sheet_of(office_app, rows)).get_data(as_text=True)
    assert ("表中 <strong>5</strong> 条数据：新证书 <strong>3</strong> 张，"
            "已签发过 <strong>2</strong> 张（不重复签发，按原证书重新打印）") in html


def test_checked_sheet_starts_once_runs_and_downloads(office_app, clerk):
    rows = people(5)
    response = check(clerk, sheet_of(office_app, rows), photo_zip([rows[1]["证件号码"]]), "第一批.xlsx")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "《第一批.xlsx》通过校验：5 条职称数据，1 张照片" in html and "开始签发" in html
    assert len(kept(office_app)) == 1 and jobs(office_app) == []  # nothing issued before the start

    started = clerk.post("/office/jobs/start")
    job_url = started.location
    [job] = jobs(office_app)
    assert job_url == f"/office/jobs/{job.id}" and job.created_by == "office:clerk" and job.total == 5
    assert kept(office_app) == []
    assert clerk.post("/office/jobs/start").location == "/office/jobs"  # a second start does nothing
    assert len(jobs(office_app)) == 1

    deadline = time.monotonic() + 120
    while (status := clerk.get(f"{job_url}/status").get_json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    assert status["state"] == "done" and status["done"] == 5 and status["progress"] == 1
    page = clerk.get(job_url).get_data(as_text=True)
    assert "已完成：5/5（100%）" in page
    pdf = clerk.get(status["links"]["print_pdf"])
    assert pdf.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in pdf.headers["Content-Disposition"]
    texts = pdf_text(pdf.data)
    assert [row["姓名"] in "".join(text.split()) for row, text in zip(rows, texts, strict=True)] == [True] * 5
    assert clerk.get(status["links"]["zip"]).mimetype == "application/zip"
    listing = clerk.get("/office/jobs").get_data(as_text=True)
    assert "第一批.xlsx" in listing and "已完成" in listing


def test_a_finished_job_keeps_its_batch_for_the_register_the_audit_log_and_the_export(office_app, clerk):
    """The worker records each chunk's certificates as the job's batch (chunks of 2 rows here)."""
    from openpyxl import load_workbook

    from formsvc.registry import issuing
    from formsvc.registry.records import RegistrySettings
    from formsvc.registry.scope import WHOLE_REGISTRY

    rows = people(5)
    with office_app.app_context():
        [before] = issuing.issue_many(db.session(), [person_request(2)], actor="cli", scope=WHOLE_REGISTRY,
                                      settings=RegistrySettings.from_config(office_app.config))
    assert check(clerk, sheet_of(office_app, rows), name="第五批.xlsx").status_code == 200
    job_url = clerk.post("/office/jobs/start").location
    deadline = time.monotonic() + 120
    while clerk.get(f"{job_url}/status").get_json()["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    page = clerk.get(job_url).get_data(as_text=True)
    assert "已登记 5 张：本批新签发 <strong>4</strong> 张，此前已签发 <strong>1</strong> 张" in page
    job_id = job_url.rsplit("/", 1)[1]
    export = clerk.post(f"{job_url}/certificates.xlsx", data={"id_numbers": "full"})
    sheet = load_workbook(io.BytesIO(export.data)).worksheets[0]
    listed = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[2] for row in listed] == [row["证件号码"] for row in rows]  # in the sheet's order
    assert listed[2][0] == before.certificate.number and listed[2][-1] == "此前已签发"
    register = clerk.get(f"/office/certificates?job={job_id}").get_data(as_text=True)
    assert "共 5 张证书" in register
    log = clerk.get(f"/office/audit?job={job_id}").get_data(as_text=True)
    # the four issues, the earlier issue of the one found, the bulk issue, the export
    assert "共 7 条记录" in log
    lines = log.split("<tbody>")[1]
    assert lines.count("签发证书") == 5 and "批量签发" in lines and "导出证书清单" in lines


def test_an_unknown_job_is_not_found(clerk):
    assert clerk.get("/office/jobs/" + "0" * 32, headers={"Accept": "text/html"}).status_code == 404
    assert clerk.get("/office/jobs/../secret").status_code == 404
    assert clerk.get("/office/jobs/" + "0" * 32 + "/status").status_code == 404


def test_job_pages_need_the_login(office_app):
    client = office_app.test_client()
    for path in ("/office/jobs", "/office/jobs/" + "0" * 32, "/office/jobs/" + "0" * 32 + "/status"):
        assert client.get(path).location.startswith("/office/login")
    assert client.post("/office/jobs/check").location.startswith("/office/login")


# --- the store of checked uploads ---------------------------------------------------------------


def test_an_upload_is_taken_back_once(office_app):
    upload = uploads.Upload(b"sheet", b"photos", "采集表.xlsx")
    token = uploads.keep(office_app, upload)
    assert uploads.take(office_app, token) == upload
    assert uploads.take(office_app, token) is None
    assert uploads.take(office_app, None) is None
    assert uploads.take(office_app, "../../etc/passwd") is None
    without = uploads.keep(office_app, uploads.Upload(b"sheet", None, "表.xlsx"))
    assert uploads.take(office_app, without) == uploads.Upload(b"sheet", None, "表.xlsx")


def test_uploads_expire_after_a_day(office_app):
    import os

    token = uploads.keep(office_app, uploads.Upload(b"old", None, "旧.xlsx"))
    folder = kept(office_app)[0]
    day_ago = time.time() - uploads.KEEP_SECONDS - 60
    os.utime(folder, (day_ago, day_ago))
    assert uploads.take(office_app, token) is None
    assert kept(office_app) == []
    stale = uploads.keep(office_app, uploads.Upload(b"stale", None, "旧.xlsx"))
    os.utime(kept(office_app)[0], (day_ago, day_ago))
    fresh = uploads.keep(office_app, uploads.Upload(b"fresh", None, "新.xlsx"))  # keeping sweeps
    assert [p.name for p in kept(office_app)] == [fresh]
    assert uploads.take(office_app, stale) is None  # swept, not merely hidden behind the fresh one
    assert uploads.take(office_app, fresh) == uploads.Upload(b"fresh", None, "新.xlsx")


def test_the_report_takes_the_cell_from_the_problem_not_from_its_message():
    from formsvc.errors import Problem
    from formsvc.web.office.jobs import SheetPlace, sheet_place

    row = Problem(("rows", 7, "证件号码"), "证件号码校验位错误", "D7")
    assert sheet_place(row) == SheetPlace(7, "证件号码", "D7")
    header = Problem(("header", "姓名"), "表头第1列应为“姓名”", "A2")
    assert sheet_place(header) == SheetPlace("", "表头 姓名", "A2")
    # a message that quotes something looking like a cell is only a message
    assert sheet_place(Problem(("rows", 7, "备注"), "第7行：备注“（B9）”")) == SheetPlace(7, "备注", "")
    assert sheet_place(Problem(("photos", "1.jpg"), "照片过大")) == SheetPlace("", "照片压缩包", "1.jpg")
