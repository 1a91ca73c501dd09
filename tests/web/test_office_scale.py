"""The office at scale: the register and the audit log paged past 100 rows and filtered, exports as
XLSX read back, identity numbers masked or in full, each person seeing their own issuer's only."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import update

from formsvc import budget, db
from formsvc.identity import mask_identity_number
from formsvc.jobs.models import DONE, Job
from formsvc.registry import audit, issuing, revoking, tokens
from formsvc.registry.batches import BatchPlace
from formsvc.registry.models import AuditEntry, Certificate
from formsvc.registry.records import RegistrySettings
from formsvc.registry.scope import Scope

from ..helpers import SEAL, create_user, make_app, person, person_request

PASSWORD = "correct horse battery"
#: the office logins: an admin, an operator of issuer 甲 and one of issuer 乙
ADMIN, WANG, LI = "admin", "王科长", "李科员"


@pytest.fixture
def office_app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch,
               database_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path, font_dir, monkeypatch, SEAL_IMAGE=str(SEAL), DATABASE_URL=database_url)
    with app.app_context():
        session = db.session()
        tokens.create(session, "甲市职改办")
        tokens.create(session, "乙市职改办")
        create_user(session, ADMIN, PASSWORD, admin=True)
        create_user(session, WANG, PASSWORD, issuer="甲市职改办")
        create_user(session, LI, PASSWORD, issuer="乙市职改办")
    yield app
    db.dispose(app)


def logged_in(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    assert client.post("/office/login", data={"name": name, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def admin(office_app: Flask) -> FlaskClient:
    return logged_in(office_app, ADMIN)


@pytest.fixture
def wang(office_app: Flask) -> FlaskClient:
    return logged_in(office_app, WANG)


def issuer_scope(app: Flask, name: str) -> Scope:
    with app.app_context():
        return Scope(tokens.issuer_named(db.session(), name).id)


def issue(app: Flask, issuer: str, indices: range, *, actor: str, today: dt.date | None = None,
          batch: BatchPlace | None = None) -> list[str]:
    """Certificates of issuer for the people at indices; their numbers, in order."""
    scope = issuer_scope(app, issuer)
    with app.app_context():
        settings = RegistrySettings.from_config(app.config)
        issued = issuing.issue_many(db.session(), [person_request(i) for i in indices], actor=actor,
                                    settings=settings, scope=scope, today=today, batch=batch)
    return [i.certificate.number for i in issued]


def batch_job(app: Flask, issuer: str, indices: range, *, source: str, actor: str,
              today: dt.date | None = None) -> tuple[str, list[str]]:
    """A finished bulk job of issuer for indices, as the worker leaves it: its batch's certificates
    and its bulk-issue line in the audit log."""
    import uuid

    job_id = uuid.uuid4().hex
    scope = issuer_scope(app, issuer)
    with app.app_context():
        session = db.session()
        session.add(Job(id=job_id, state=DONE, total=len(indices), done=len(indices), chunk_count=1,
                        source_name=source, created_by=actor, issuer_id=scope.issuer_id))
        session.commit()
    numbers = issue(app, issuer, indices, actor=actor, today=today, batch=BatchPlace(job_id, 0))
    with app.app_context():
        audit.record(db.session(), actor, "bulk-issue", None, job=job_id, total=len(indices), source=source)
        db.session().commit()
    return job_id, numbers


def listed(html: str) -> list[str]:
    """The certificate numbers of a result table, in order."""
    return re.findall(r'<td><a href="/office/certificates/(\w+)">', html)


def audit_rows(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def page_links(html: str) -> dict[str, str]:
    nav = html[html.index('<nav class="pager"'):]
    nav = nav[:nav.index("</nav>")]
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    return {text: href.replace("&amp;", "&") for href, text in links}


def workbook_rows(content: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


def export_lines(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        return [e for e in audit.entries(db.session(), scope=Scope(None)) if e.action == "export"]


# --- paging ---------------------------------------------------------------------------------


def test_the_register_pages_past_100_rows_and_its_page_links_keep_the_filters(office_app, admin):
    numbers = issue(office_app, "甲市职改办", range(130), actor=f"office:{WANG}")
    first = admin.get("/office/certificates?status=valid")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "共 130 张证书，本页第 1–50 张（第 1 / 3 页）" in html
    seen = listed(html)
    assert seen == list(reversed(numbers))[:50]
    links = page_links(html)
    assert links["下一页"] == "/office/certificates?status=valid&page=2"
    assert links["末页"] == "/office/certificates?status=valid&page=3"
    for page in (2, 3):
        html = admin.get(links["下一页"]).get_data(as_text=True)
        seen += listed(html)
        if page < 3:
            links = page_links(html)
    assert "本页第 101–130 张（第 3 / 3 页）" in html and "下一页" not in page_links(html)
    assert seen == list(reversed(numbers))  # every certificate once, newest first
    # a page past the end shows the end; a page that is not a number, the start
    assert listed(admin.get("/office/certificates?page=99").get_data(as_text=True)) == seen[100:]
    assert listed(admin.get("/office/certificates?page=x").get_data(as_text=True)) == seen[:50]


def test_the_audit_log_pages_past_100_lines_and_keeps_the_filters(office_app, admin):
    issue(office_app, "甲市职改办", range(120), actor=f"office:{WANG}")
    html = admin.get("/office/audit?action=issue").get_data(as_text=True)
    assert "共 120 条记录，本页第 1–50 条（第 1 / 3 页）" in html
    links = page_links(html)
    assert links["末页"] == "/office/audit?action=issue&page=3"
    last = admin.get(links["末页"]).get_data(as_text=True)
    rows = audit_rows(last)
    assert len(rows) == 20 and all("签发证书" in row for row in rows)
    # who acted by name, details by their Chinese labels
    assert f"<td>{WANG}</td>" in rows[0] and not any("office:" in row for row in rows)
    assert "职称名称：" in rows[0] and not any("title：" in row for row in rows)


# --- filters of the register ------------------------------------------------------------------


def test_the_register_filters_by_issue_date_batch_operator_and_status(office_app, admin):
    earlier = issue(office_app, "甲市职改办", range(0, 3), actor="token:甲市职改办",
                    today=dt.date(2025, 3, 1))
    job_id, batch = batch_job(office_app, "甲市职改办", range(3, 8), source="第二批.xlsx",
                              actor=f"office:{WANG}", today=dt.date(2026, 1, 10))
    later = issue(office_app, "乙市职改办", range(8, 10), actor=f"office:{LI}", today=dt.date(2026, 5, 4))
    with office_app.app_context():
        revoking.revoke(db.session(), batch[1], reason="材料不实", actor=f"office:{WANG}", scope=Scope(None))

    def found(query: str) -> set[str]:
        response = admin.get(f"/office/certificates?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return set(listed(response.get_data(as_text=True)))

    assert found("") == {*earlier, *batch, *later}
    assert found("from=2025-03-01&to=2025-03-01") == set(earlier)
    assert found("from=2026-05-04") == set(later)
    assert found("from=2025-03-02&to=2026-05-03") == set(batch)
    assert found("to=2025-12-31") == set(earlier)
    assert found(f"job={job_id}") == set(batch)
    assert found(f"operator=office:{WANG}") == set(batch)
    assert found("operator=token:甲市职改办") == set(earlier)
    assert found("status=revoked") == {batch[1]}
    assert found(f"status=valid&job={job_id}") == set(batch) - {batch[1]}
    # the batch filter offers the batch by its sheet's name
    html = admin.get(f"/office/certificates?job={job_id}").get_data(as_text=True)
    assert f'<option value="{job_id}" selected>第二批.xlsx（' in html


def test_the_register_finds_an_identity_number_by_its_last_4_to_6_characters(office_app, admin):
    numbers = issue(office_app, "甲市职改办", range(20, 23), actor=f"office:{WANG}")
    identity = person(21)["证件号码"]
    for tail in (identity[-4:], identity[-5:], identity[-6:], identity):
        assert listed(admin.get(f"/office/certificates?q={tail}").get_data(as_text=True)) == [numbers[1]]
    assert listed(admin.get(f"/office/certificates?q={identity[-3:]}").get_data(as_text=True)) == []
    # digits from the middle of the number are not its end
    assert listed(admin.get(f"/office/certificates?q={identity[-8:-2]}").get_data(as_text=True)) == []


def test_the_public_look_up_never_matches_part_of_an_identity_number(office_app, admin):
    [number] = issue(office_app, "甲市职改办", range(30, 31), actor=f"office:{WANG}")
    identity, name = person(30)["证件号码"], person(30)["姓名"]
    client = office_app.test_client()
    for tail in (identity[-4:], identity[-6:], identity):
        page = client.get("/verify", query_string={"number": tail, "name": name})
        html = page.get_data(as_text=True)
        # what was typed is shown back in the box; nothing of the certificate is
        assert page.status_code in (404, 422) and number not in html
        assert client.get(f"/api/v1/verify/{tail}").status_code == 404
    assert client.get("/verify", query_string={"number": number, "name": name}).status_code == 200


@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-13-01", "发证日期起应为“年-月-日”格式的日期"),
    ("to=昨天", "发证日期止应为“年-月-日”格式的日期"),
    ("from=2026-03-02&to=2026-03-01", "发证日期起不能晚于发证日期止"),
    ("status=lost", "状态应为有效、已撤销之一"),
    ("job=第二批", "批次编号应为 32 位十六进制字符"),
])
def test_a_wrong_filter_of_the_register_is_named_in_chinese(office_app, admin, query, message):
    response = admin.get(f"/office/certificates?{query}")
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_wrong_filters_of_the_audit_log_are_all_named_at_once(office_app, admin):
    response = admin.get("/office/audit?from=2026-02-30&action=delete&job=x")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("日期起应为“年-月-日”格式的日期", "操作应为签发证书、", "批次编号应为"):
        assert message in html


# --- filters of the audit log -------------------------------------------------------------------


def test_the_audit_log_filters_by_batch_operator_action_date_and_number(office_app, admin, monkeypatch):
    # 2025-06-30 17:00 UTC is 2025-07-01 01:00 in Beijing
    monkeypatch.setattr(audit, "utcnow", lambda: dt.datetime(2025, 6, 30, 17, 0, tzinfo=dt.UTC))
    old = issue(office_app, "甲市职改办", range(0, 2), actor="token:甲市职改办")
    monkeypatch.undo()
    job_id, batch = batch_job(office_app, "甲市职改办", range(2, 5), source="第三批.xlsx",
                              actor=f"office:{WANG}")
    other = issue(office_app, "乙市职改办", range(5, 6), actor=f"office:{LI}")
    with office_app.app_context():
        revoking.revoke(db.session(), batch[0], reason="重复申报", actor=f"office:{ADMIN}", scope=Scope(None))

    def lines(query: str) -> list[str]:
        response = admin.get(f"/office/audit?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return audit_rows(response.get_data(as_text=True))

    by_batch = lines(f"job={job_id}")
    assert len(by_batch) == 5  # the batch's line, its three issues and the revocation
    assert "批量签发" in by_batch[1] and f"批次：{job_id[:8]}；共计：3 条；采集表：第三批.xlsx" in by_batch[1]
    assert all(any(n in row for n in batch) for row in by_batch if "批量签发" not in row)
    assert len(lines(f"operator=office:{WANG}")) == 4
    assert len(lines("operator=token:甲市职改办")) == 2 and len(lines(f"operator=office:{LI}")) == 1
    assert [row for row in lines("action=revoke")] and all("撤销证书" in r for r in lines("action=revoke"))
    # Beijing dates: 2025-06-30 17:00 UTC is 2025-07-01 in Beijing
    assert len(lines("from=2025-07-01&to=2025-07-01")) == 2
    assert lines("from=2025-06-30&to=2025-06-30") == []
    assert len(lines("from=2025-07-02")) == 8  # with the two tokens' creation
    assert len(lines(f"number={other[0]}")) == 1 and len(lines(f"number={old[1].lower()}")) == 1


# --- exports ------------------------------------------------------------------------------------


def test_the_register_exports_every_page_as_xlsx_masked_by_default_and_audited(office_app, admin):
    numbers = issue(office_app, "甲市职改办", range(120), actor=f"office:{WANG}")
    response = admin.post(f"/office/certificates.xlsx?status=valid&operator=office:{WANG}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    rows = workbook_rows(response.data)
    assert rows[0] == ("证书编号", "姓名", "证件号码", "职称名称", "状态", "查验地址")
    assert [r[0] for r in rows[1:]] == list(reversed(numbers))  # all 120, not one page of 50
    identity = person(119)["证件号码"]
    number, name, shown, title, status, url = rows[1]
    assert name == person(119)["姓名"] and title == person(119)["职称名称"] and status == "有效"
    assert shown == mask_identity_number(identity, "居民身份证") and identity[6:14] not in shown
    assert re.fullmatch(r"https://zc\.example\.gov\.cn/v/[\w-]+", url)
    with office_app.app_context():
        code = db.session().query(Certificate.code).filter_by(number=number).scalar()
    assert url.endswith(code)
    [line] = export_lines(office_app)
    assert line.actor == f"office:{ADMIN}"
    assert line.detail == {"list": "证书查询结果", "rows": 120, "id_numbers": "部分隐藏",
                           "filters": f"签发人：{WANG}；状态：有效"}
    html = admin.get("/office/audit?action=export").get_data(as_text=True)
    assert ("清单：证书查询结果；行数：120 行；证件号码：部分隐藏；"
            f"筛选条件：签发人：{WANG}；状态：有效") in html


def test_full_identity_numbers_are_exported_only_when_chosen_and_so_audited(office_app, admin):
    issue(office_app, "甲市职改办", range(3), actor=f"office:{WANG}")
    rows = workbook_rows(admin.post("/office/certificates.xlsx", data={"id_numbers": "full"}).data)
    assert sorted(r[2] for r in rows[1:]) == sorted(person(i)["证件号码"] for i in range(3))
    [line] = export_lines(office_app)
    assert line.detail["id_numbers"] == "完整" and line.detail["filters"] == "全部证书"
    refused = admin.post("/office/certificates.xlsx", data={"id_numbers": "all"})
    assert refused.status_code == 422 and "证件号码应选择部分隐藏或完整" in refused.get_data(as_text=True)
    assert len(export_lines(office_app)) == 1


def test_exported_cells_are_text_never_formulas(office_app, admin):
    [number] = issue(office_app, "甲市职改办", range(1), actor=f"office:{WANG}")
    hostile = '=HYPERLINK("//e.cn","点我")'
    with office_app.app_context():
        # the registry's own checks refuse such a name: written around them, as a restored or
        # migrated database might hold it
        db.session().execute(update(Certificate).where(Certificate.number == number)
                             .values(name=hostile, title="+1-2"))
        db.session().commit()
    content = admin.post("/office/certificates.xlsx").data
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet["B2"].value == hostile and sheet["B2"].data_type == "s"
    assert sheet["D2"].value == "+1-2" and sheet["D2"].data_type == "s"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_a_batch_exports_its_list_in_sheet_order_with_what_it_issued(office_app, admin):
    before = issue(office_app, "甲市职改办", range(40, 42), actor=f"office:{WANG}")
    job_id, batch = batch_job(office_app, "甲市职改办", range(38, 44), source="第四批.xlsx",
                              actor=f"office:{WANG}")
    assert batch[2:4] == before  # rows 40 and 41 were issued before the batch
    page = admin.get(f"/office/jobs/{job_id}").get_data(as_text=True)
    assert "已登记 6 张：本批新签发 <strong>4</strong> 张，此前已签发 <strong>2</strong> 张" in page
    response = admin.post(f"/office/jobs/{job_id}/certificates.xlsx", data={"id_numbers": "full"})
    assert response.status_code == 200
    assert "%E7%AC%AC%E5%9B%9B%E6%89%B9-" in response.headers["Content-Disposition"]  # 第四批-…
    rows = workbook_rows(response.data)
    assert rows[0][-1] == "本批" and [r[0] for r in rows[1:]] == batch
    assert [r[2] for r in rows[1:]] == [person(i)["证件号码"] for i in range(38, 44)]
    assert [r[-1] for r in rows[1:]] == ["新签发"] * 2 + ["此前已签发"] * 2 + ["新签发"] * 2
    [line] = export_lines(office_app)
    assert line.detail == {"list": "批次证书清单", "rows": 6, "id_numbers": "完整", "job": job_id,
                           "source": "第四批.xlsx"}


def test_an_export_over_the_budget_is_refused_before_anything_is_written(office_app, admin, monkeypatch):
    issue(office_app, "甲市职改办", range(12), actor=f"office:{WANG}")
    monkeypatch.setattr(budget, "EXPORT_ROWS", 10)
    response = admin.post("/office/certificates.xlsx?status=valid")
    assert response.status_code == 302 and response.location == "/office/certificates?status=valid"
    html = admin.get(response.location).get_data(as_text=True)
    assert "共 12 张证书，一次最多导出 10 张：请按发证日期、批次或状态缩小范围" in html
    assert export_lines(office_app) == []


# --- each person sees their own issuer's ---------------------------------------------------------


def test_an_operator_lists_filters_and_exports_only_their_issuers_certificates(office_app, admin, wang):
    ours = issue(office_app, "甲市职改办", range(0, 4), actor=f"office:{WANG}")
    job_id, theirs = batch_job(office_app, "乙市职改办", range(4, 7), source="乙批.xlsx",
                               actor=f"office:{LI}")
    assert set(listed(wang.get("/office/certificates").get_data(as_text=True))) == set(ours)
    assert set(listed(admin.get("/office/certificates").get_data(as_text=True))) == {*ours, *theirs}
    # another issuer's people, batch and operators find nothing
    tail = person(5)["证件号码"][-6:]
    assert listed(wang.get(f"/office/certificates?q={tail}").get_data(as_text=True)) == []
    assert listed(wang.get(f"/office/certificates?job={job_id}").get_data(as_text=True)) == []
    assert listed(wang.get(f"/office/certificates?operator=office:{LI}").get_data(as_text=True)) == []
    html = wang.get("/office/certificates").get_data(as_text=True)
    assert f"office:{LI}" not in html and "乙批.xlsx" not in html  # nor are they offered as choices
    assert f'<option value="office:{WANG}">{WANG}</option>' in html
    # the audit log: their own lines only, whatever they filter by
    lines = audit_rows(wang.get("/office/audit").get_data(as_text=True))
    assert len(lines) == 4 and not any(n in row for row in lines for n in theirs)
    assert audit_rows(wang.get(f"/office/audit?job={job_id}").get_data(as_text=True)) == []
    assert len(audit_rows(admin.get(f"/office/audit?job={job_id}").get_data(as_text=True))) == 4
    # exports: the register holds theirs only; another issuer's batch is as unknown as none
    rows = workbook_rows(wang.post("/office/certificates.xlsx", data={"id_numbers": "full"}).data)
    assert {r[0] for r in rows[1:]} == set(ours)
    assert wang.post(f"/office/jobs/{job_id}/certificates.xlsx").status_code == 404
    assert wang.get(f"/office/jobs/{job_id}").status_code == 404
    everything = workbook_rows(admin.post(f"/office/jobs/{job_id}/certificates.xlsx").data)
    assert [r[0] for r in everything[1:]] == theirs
    # the operator's own export is in their log; the admin's is not
    exports = audit_rows(wang.get("/office/audit?action=export").get_data(as_text=True))
    assert len(exports) == 1 and WANG in exports[0] and "证件号码：完整" in exports[0]
