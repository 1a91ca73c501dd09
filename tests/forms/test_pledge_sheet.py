"""诚信承诺书 from a sheet of applicants: the template, the import, a pledge per row, bad sheets refused."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from openpyxl import load_workbook

from ..helpers import (
    blank_template,
    change_row,
    docx_text,
    errors_of,
    fill,
    flat,
    pdf_text,
    rezip,
    sample,
    sample_rows,
    upload,
    zip_bomb,
)

FORM = "pledge"
HEADERS = ["承诺人", "*职称系列", "*专业", "*申报资格"]


def imported(client, rows) -> dict:
    response = upload(client, FORM, fill(blank_template(client, FORM), rows))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_template_is_the_blank_xlsx_with_the_applicants_columns(client):
    workbook = load_workbook(io.BytesIO(blank_template(client, FORM)))
    sheet = workbook.worksheets[0]
    assert sheet.title == "申报人员"
    assert sheet["A1"].value == "诚信承诺书申报人员名单"
    assert [c.value for c in sheet[2]] == HEADERS
    assert sheet.freeze_panes == "B3"
    # text columns stay text, so that Excel keeps what is typed as typed
    assert all(sheet.column_dimensions[letter].number_format == "@" for letter in "ABCD")
    assert all(c.value is None for c in sheet[3])
    notes = [c.value for c in workbook["填写说明"]["A"]]
    assert notes[0] == "填写说明：" and any("单位和承诺日期" in (n or "") for n in notes)
    # the catalogue offers it; the filled pledge itself is still no spreadsheet
    [entry] = [f for f in client.get("/api/v1/forms").get_json()["forms"] if f["id"] == FORM]
    assert entry["tabular"] is True
    assert entry["links"]["blank"]["xlsx"] == "/api/v1/forms/pledge/blank?format=xlsx"
    assert entry["links"]["import"] == "/api/v1/forms/pledge/import"
    response = client.post("/api/v1/forms/pledge/render?format=xlsx", json=sample(FORM))
    assert response.status_code == 404
    assert errors_of(response) == {("format",): "诚信承诺书没有 xlsx 格式（可用：docx、pdf）"}


@pytest.mark.parametrize("extension", ["pdf", "docx"])
def test_a_filled_sheet_gives_a_pledge_per_applicant(client, extension):
    rows = sample_rows(FORM)
    body = imported(client, rows)
    assert body["rows"] == sample(FORM)["applicants"]
    assert body["row_numbers"] == [3, 4, 5]
    data = {"unit": "咸宁市中心医院", "date": "2024-05-10", "applicants": body["rows"]}
    response = client.post(f"/api/v1/forms/pledge/render?format={extension}", json=data)
    assert response.status_code == 200, response.get_json()
    if extension == "pdf":
        pages = [flat(text) for text in pdf_text(response.data)]
    else:
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            pages = [flat(docx_text(archive.read(name))) for name in archive.namelist()]
    assert len(pages) == len(rows)
    for page, row in zip(pages, rows, strict=True):
        application = f"{row['职称系列']}系列{row['专业']}专业{row['申报资格']}"
        assert f"本人系咸宁市中心医院（单位）工作人员，现申报{application}" in page
        assert f"承诺人签名：{row['承诺人']}" in page


def test_a_blank_承诺人_is_left_to_sign_by_hand(client):
    rows = sample_rows(FORM)
    rows[1]["承诺人"] = None
    body = imported(client, rows)
    assert "name" not in body["rows"][1] or body["rows"][1]["name"] is None


@pytest.mark.parametrize(("edit", "loc", "msg"), [
    (change_row(1, 专业=None), ("rows", 4, "专业"), "第4行（C4）：专业为必填项"),
    (change_row(2, 承诺人="李12"), ("rows", 5, "承诺人"), "第5行（A5）：承诺人含有姓名中不允许的字符「1」"),
    (change_row(0, 申报资格="高" * 21), ("rows", 3, "申报资格"), "第3行（D3）：申报资格不能超过20个字"),
    (change_row(0, 职称系列=2024), ("rows", 3, "职称系列"), None),
], ids=["missing", "name", "too-long", "number-is-text"])
def test_a_bad_cell_is_named_by_row_and_cell(client, edit, loc, msg):
    response = upload(client, FORM, fill(blank_template(client, FORM), sample_rows(FORM), edit=edit))
    if msg is None:
        # a number typed into a text column is the text Excel shows
        assert response.status_code == 200
        assert response.get_json()["rows"][0]["series"] == "2024"
        return
    assert response.status_code == 422
    assert errors_of(response) == {loc: msg}


def test_a_formula_is_refused_never_computed(client):
    def formula(sheet, header_row):
        sheet.cell(header_row + 2, 2).value = '=CONCAT("卫","生")'

    response = upload(client, FORM, fill(blank_template(client, FORM), sample_rows(FORM), edit=formula))
    assert response.status_code == 422
    assert errors_of(response) == {("rows", 4, "职称系列"): (
        '第4行（B4）：职称系列是公式（=CONCAT("卫","生")），'
        "导入时不计算公式：请复制后“选择性粘贴→数值”再导入")}


def test_every_bad_cell_is_listed_at_once(client):
    edits = [change_row(0, 专业=None), change_row(1, 承诺人="王5"),
             change_row(2, 申报资格=None, 职称系列=None)]

    def edit(sheet, header_row):
        for change in edits:
            change(sheet, header_row)

    response = upload(client, FORM, fill(blank_template(client, FORM), sample_rows(FORM), edit=edit))
    assert sorted(errors_of(response)) == [
        ("rows", 3, "专业"), ("rows", 4, "承诺人"), ("rows", 5, "申报资格"), ("rows", 5, "职称系列"),
    ]


def test_a_touched_header_is_refused_by_column(client):
    def edit(sheet, header_row):
        sheet.cell(header_row, 3).value = "专业名称"

    response = upload(client, FORM, fill(blank_template(client, FORM), sample_rows(FORM), edit=edit))
    assert response.status_code == 422
    assert errors_of(response) == {
        ("header", "专业"): "表头第3列（C2）应为“专业”，现为“专业名称”：请勿修改表头"}


def test_more_applicants_than_a_form_holds_are_refused(client):
    rows = sample_rows(FORM) * 167  # 501 applicants; the form holds 500
    response = upload(client, FORM, fill(blank_template(client, FORM), rows))
    assert response.status_code == 422
    assert errors_of(response)[("rows",)] == "数据超过 500 行的上限（第503行起未读）：请分成几个文件导入"


def test_hostile_files_are_refused_before_parsing(client):
    filled = fill(blank_template(client, FORM), sample_rows(FORM))
    bomb = zip_bomb(filled)
    assert len(bomb) < 1024 * 1024
    response = upload(client, FORM, bomb)
    assert response.status_code == 413
    assert "压缩炸弹" in errors_of(response)[("file",)]

    big = rezip(filled, add={"xl/media/photo.bin": os.urandom(10 * 1024 * 1024)},
                compression=zipfile.ZIP_STORED)
    response = upload(client, FORM, big)
    assert response.status_code == 413
    assert errors_of(response)[("file",)].startswith("文件过大：10.")

    response = upload(client, FORM, "承诺人,职称系列,专业,申报资格\n李䶮,卫生,内科学,副主任医师\n".encode(),
                      filename="名单.csv")
    assert response.status_code == 415
    assert "文本文件（如 CSV）" in errors_of(response)[("file",)]

    response = upload(client, FORM, b"PK\x03\x04" + b"\0" * (17 * 1024 * 1024))
    assert response.status_code == 413
    assert "上传内容过大" in response.get_json()["errors"][0]["msg"]
