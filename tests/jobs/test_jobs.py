"""Bulk issuing end to end: sheet in, one print PDF out, in order, verifiable, never twice."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdfium2
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import select

from formsvc import db
from formsvc.registry.models import AuditEntry, Certificate

from ..helpers import (
    certificate_count,
    flat,
    override_template,
    pdf_drawn_images,
    pdf_text,
    people,
    photo_zip,
    post_job,
    wait_done,
)


def qr_on_page(document: pypdfium2.PdfDocument, index: int) -> str:
    image = document[index].render(scale=300 / 72).to_pil()
    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(codes) == 1, f"page {index + 1}: {len(codes)} QR codes"
    return codes[0].text


def test_a_sheet_becomes_one_print_pdf_in_sheet_order(jobs_app, auth, sheet_of):
    jobs_app.config["JOB_WORKERS"] = 2  # chunks done side by side, finished in any order
    client = jobs_app.test_client()
    rows = people(230)
    photos = photo_zip([rows[0]["证件号码"], rows[101]["证件号码"]])
    response = post_job(client, auth, sheet_of(rows), photos)
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert job["state"] in ("queued", "running") and job["total"] == 230
    assert response.headers["Location"] == job["links"]["self"]

    final = wait_done(client, auth, job["links"]["self"])
    assert final["state"] == "done", final
    assert final["done"] == final["total"] == 230
    assert final["seen"] == sorted(final["seen"])  # progress only goes forward

    pdf = client.get(final["links"]["print_pdf"], headers=auth)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in pdf.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == 230
    numbers = []
    for index, row in enumerate(rows):
        text = flat(reader.pages[index].extract_text())
        assert row["姓名"] in text and row["证件号码"] in text, f"page {index + 1}"
        numbers.append(text.split("证书编号：")[1][:14])
    assert len(set(numbers)) == 230

    document = pypdfium2.PdfDocument(pdf.data)
    for index in (0, 49, 50, 101, 229):
        url = qr_on_page(document, index)
        assert url.startswith("https://zc.example.gov.cn/v/")
        verified = client.get("/api/v1/verify/" + url.rsplit("/", 1)[1]).get_json()
        assert verified["status"] == "valid"
        assert verified["certificate"]["name"] == rows[index]["姓名"]
    # the two photos are on their people's pages, and on no other
    drawn = pdf_drawn_images(pdf.data)
    assert [i for i, images in enumerate(drawn) if images] == [0, 101]

    archive = zipfile.ZipFile(io.BytesIO(client.get(final["links"]["zip"], headers=auth).data))
    names = archive.namelist()
    assert len(names) == 230 and names[7].endswith(f"-{rows[7]['姓名']}.pdf")
    single = PdfReader(io.BytesIO(archive.read(names[7])))
    assert len(single.pages) == 1 and rows[7]["证件号码"] in flat(single.pages[0].extract_text())

    assert certificate_count(jobs_app) == 230
    with db.transaction(jobs_app) as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("issue") == 230 and actions.count("bulk-issue") == 1


def test_a_sheet_with_errors_issues_nothing_and_says_where(jobs_app, auth, sheet_of):
    client = jobs_app.test_client()
    rows = people(120)
    rows[5]["证件号码"] = rows[5]["证件号码"][:-1] + ("0" if rows[5]["证件号码"][-1] != "0" else "1")
    rows[80]["职称名称"] = "首席顾问"  # no level can be read from it
    rows[99]["姓名"] = "=HYPERLINK(\"http://x\")"
    rows[110] = dict(rows[3])  # the same certificate twice
    response = post_job(client, auth, sheet_of(rows), photo_zip(["110101199001011237"]))
    assert response.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in response.get_json()["errors"]}
    # the header is row 1 of the template's sheet... or wherever it is: rows are sheet rows
    first = min(loc[1] for loc in errors if loc[0] == "rows") - 5
    assert errors[("rows", first + 5, "证件号码")] == f"第{first + 5}行（D{first + 5}）：证件号码校验位错误"
    assert "「首席顾问」" in " ".join(m for loc, m in errors.items() if loc[:2] == ("rows", first + 80))
    assert errors[("rows", first + 99, "姓名")].startswith(f"第{first + 99}行（A{first + 99}）：姓名")
    assert f"与第{first + 3}行是同一证书" in errors[("rows", first + 110, "证件号码")]
    assert errors[("photos", "110101199001011237")] == "照片 110101199001011237 的证件号码不在表中"
    assert certificate_count(jobs_app) == 0
    output = Path(jobs_app.config["OUTPUT_DIR"])
    assert not output.exists() or not any(output.iterdir())


def test_jobs_need_a_token_and_belong_to_their_issuer(jobs_app, auth, sheet_of):
    from formsvc.registry import tokens

    client = jobs_app.test_client()
    sheet = sheet_of(people(3))
    assert post_job(client, {}, sheet).status_code == 401
    response = post_job(client, auth, sheet)
    assert response.status_code == 202
    url = response.get_json()["links"]["self"]
    with jobs_app.app_context():
        other = {"Authorization": f"Bearer {tokens.create(db.session(), '另一个职改办')}"}
    assert client.get(url, headers=other).status_code == 404
    assert client.get(url, headers=auth).status_code == 200
    assert client.get("/api/v1/jobs/" + "0" * 32, headers=auth).status_code == 404
    wait_done(client, auth, url)


def test_a_sheet_with_another_issuers_records_issues_nothing_and_names_no_one(jobs_app, auth, sheet_of):
    from formsvc.registry import issuing, tokens

    client = jobs_app.test_client()
    rows = people(4)
    first = post_job(client, auth, sheet_of(rows[:2]))
    assert first.status_code == 202
    done = wait_done(client, auth, first.get_json()["links"]["self"])
    assert done["state"] == "done"
    with db.transaction(jobs_app) as session:
        theirs = session.scalars(select(Certificate.number)).all()
    with jobs_app.app_context():
        other = {"Authorization": f"Bearer {tokens.create(db.session(), '另一个职改办')}"}
    response = post_job(client, other, sheet_of(rows[1:]))
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["loc"][0] == "rows" and error["msg"].endswith(issuing.OTHER_ISSUER)
    text = response.get_data(as_text=True)
    assert not any(number in text for number in theirs) and "咸宁市职改办" not in text
    assert certificate_count(jobs_app) == 2


def test_upload_errors_are_precise(jobs_app, auth):
    client = jobs_app.test_client()
    response = client.post("/api/v1/jobs", json={"sheet": "x"}, headers=auth)
    assert response.status_code == 415
    response = post_job(client, auth, b"name,id\n", None)
    assert response.status_code == 415
    assert "不是 Excel 工作簿" in response.get_json()["errors"][0]["msg"]


def test_a_job_prints_with_the_instance_certificate_template(jobs_app, auth, sheet_of):
    # the same override a single reprint is drawn with (tests/registry/test_printing.py)
    override_template(jobs_app, "certificate", "本地证书样式")
    client = jobs_app.test_client()
    rows = people(2)
    final = wait_done(client, auth, post_job(client, auth, sheet_of(rows)).get_json()["links"]["self"])
    assert final["state"] == "done", final
    pages = pdf_text(client.get(final["links"]["print_pdf"], headers=auth).data)
    assert [flat(p).startswith("本地证书样式职称证书-") for p in pages] == [True, True]
    assert [row["姓名"] in flat(p) for row, p in zip(rows, pages, strict=True)] == [True, True]
    archive = zipfile.ZipFile(io.BytesIO(client.get(final["links"]["zip"], headers=auth).data))
    for name in archive.namelist():
        [page] = pdf_text(archive.read(name))
        assert flat(page) == flat("本地证书样式" + name.removesuffix(".pdf"))
