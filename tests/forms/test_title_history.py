"""湖北省职称历史数据采集表: the import template, its round trip, per-cell errors, the PDF listing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from formsvc.forms.title_history import IDENTITY_LABELS, TitleRecord, check_record

from ..helpers import (
    blank_template,
    blank_workbook,
    change_row,
    errors_of,
    fill,
    flat,
    pdf_text,
    rendered_pdf,
    sample,
    sample_rows,
    save_artifact,
    title_records,
    upload,
)

FORM = "title-history"
# 咸职改办〔2024〕12号 附件4, as the notice prints it
NOTICE_TITLE = "湖北省职称历史数据采集表"
NOTICE_COLUMNS = [
    "姓名", "性别", "证件类型", "证件号码", "出生日期", "职称系列", "专业名称", "职称名称", "评审组织",
    "批准单位", "批准文号", "批准日期",
]
NOTICE_NOTES = [
    "备注: 1.本次采集范围为 2012 年至 2021 年的中、初级职称数据, 2011 年及以前年份的职称数据根据实际情况"
    "也可纳入本次采集范围。",
    "2.采集表为 excel 格式, 可通过系统下载导入模版。",
    "3.每条职称数据包含 12 项字段信息, 均为必填项。",
    "4.需要生成电子证书的, 采集个人照片后以附件形式通过系统上传。",
]
TITLE_DOCUMENT_TYPES = [
    "居民身份证", "港澳居民居住证", "台湾居民居住证", "港澳居民来往内地通行证", "台湾居民来往大陆通行证",
    "外国人永久居留身份证", "护照", "其他",
]


def test_blank_template_has_the_notices_columns_dropdowns_formats_and_notes(client):
    book = blank_workbook(client, FORM, ["职称数据", "备注"], NOTICE_TITLE)
    sheet = book["职称数据"]
    assert [c.value for c in sheet[2]] == NOTICE_COLUMNS
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("D9D9D9") for c in sheet[2])
    assert sheet.freeze_panes == "B3"
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"}
    assert lists == {"B3:B20002": '"男,女"', "C3:C20002": '"' + ",".join(TITLE_DOCUMENT_TYPES) + '"'}
    for letter in "EL":  # 出生日期, 批准日期
        assert sheet.column_dimensions[letter].number_format == "yyyy-mm-dd"
        assert sheet[f"{letter}3"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["D"].number_format == "@"  # 证件号码 stays text
    assert sheet.column_dimensions["I"].width >= 2 * len("咸宁市工程系列中级职称评审委员会")
    assert all(c.value is None for c in sheet[3])
    notes = book["备注"]
    lines = [notes.cell(row, 1).value for row in range(1, 6)]
    assert flat(" ".join(lines)) == flat(" ".join(NOTICE_NOTES))


def test_the_filled_xlsx_carries_typed_cells_and_imports_back(client):
    response = client.post(f"/api/v1/forms/{FORM}/render?format=xlsx", json=sample(FORM))
    assert response.status_code == 200
    save_artifact("title-history.xlsx", response.data)
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert sheet["A1"].value == NOTICE_TITLE and [c.value for c in sheet[2]] == NOTICE_COLUMNS
    assert flat(" ".join(c.value for c in book["备注"]["A"])) == flat(" ".join(NOTICE_NOTES))
    first = [c.value for c in sheet[3]]
    assert first[:5] == ["李䶮", "男", "居民身份证", "420102199003072315", dt.datetime(1990, 3, 7)]
    assert sheet["D3"].data_type == "s" and sheet["E3"].number_format == "yyyy-mm-dd"
    assert sheet.max_row == 2 + len(sample(FORM)["rows"])
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert {str(v.sqref) for v in lists} == {"B3:B20002", "C3:C20002"}
    again = upload(client, FORM, response.data)
    assert again.status_code == 200
    assert len(again.get_json()["rows"]) == len(sample(FORM)["rows"])


def test_hostile_text_goes_back_into_excel_as_text(client):
    data = sample(FORM)
    data["rows"][0]["speciality"] = "=HYPERLINK(\"http://x.cn\")"
    data["rows"][1]["approval_number"] = "@SUM(1,2)"
    response = client.post(f"/api/v1/forms/{FORM}/render?format=xlsx", json=data)
    assert response.status_code == 200, response.get_json()
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert (sheet["G3"].data_type, sheet["G3"].value) == ("s", data["rows"][0]["speciality"])
    assert sheet["G3"].quotePrefix and sheet["K4"].quotePrefix
    again = upload(client, FORM, response.data).get_json()
    assert again["rows"][0]["speciality"] == data["rows"][0]["speciality"]


def test_pdf_listing_is_a4_landscape_with_every_label_value_and_note(client):
    data = sample(FORM)
    text, size = rendered_pdf(client, FORM, data, "title-history.pdf")
    assert size == (842, 595)
    assert text.startswith(NOTICE_TITLE)
    for label in NOTICE_COLUMNS:
        assert label in text
    assert flat("".join(NOTICE_COLUMNS)) in text  # in the notice's order
    for note in NOTICE_NOTES:
        assert flat(note) in text
    for row in data["rows"]:
        for value in (row["name"], row["id_number"], row["birth_date"], row["approval_number"]):
            assert flat(value) in text


def test_blank_pdf_has_the_header_and_notes_and_room_to_write(client):
    response = client.get(f"/api/v1/forms/{FORM}/blank?format=pdf")
    assert response.status_code == 200
    text = flat(pdf_text(response.data)[0])
    assert flat("".join(NOTICE_COLUMNS)) in text
    assert all(flat(note) in text for note in NOTICE_NOTES)


@pytest.mark.parametrize(("edit", "loc", "msg"), [
    (change_row(0, 证件号码="420102199003072316"), ("rows", 3, "证件号码"),
     "第3行（D3）：证件号码校验位错误"),
    (change_row(1, 性别="男"), ("rows", 4, "性别"), "第4行（B4）：性别与证件号码不符（证件号码表明为女）"),
    (change_row(0, 出生日期=dt.date(1990, 3, 8)), ("rows", 3, "出生日期"),
     "第3行（E3）：出生日期与证件号码不符（证件号码表明为1990年3月7日）"),
    (change_row(2, 职称名称=None), ("rows", 5, "职称名称"), "第5行（H5）：职称名称为必填项"),
    (change_row(3, 批准日期="2017-13-08"), ("rows", 6, "批准日期"),
     "第6行（L6）：批准日期不是存在的日期：2017-13-08"),
    (change_row(3, 批准日期="2099-01-01"), ("rows", 6, "批准日期"), "第6行（L6）：批准日期不能晚于今天"),
    (change_row(4, 证件类型="身份证明"), ("rows", 7, "证件类型"),
     "第7行（C7）：证件类型只能是：" + "、".join(TITLE_DOCUMENT_TYPES)),
    # typed into a number cell, Excel keeps 4.20106199204173E+17
    (change_row(1, 证件号码=4.20106199204173e17), ("rows", 4, "证件号码"),
     "第4行（D4）：证件号码被存成了数字（420106199204173000），Excel 只保留15位有效数字，末尾几位已丢失："
     "请把该列设为文本格式后重新录入"),
    (change_row(0, 批准日期=dt.date(1989, 1, 1)), ("rows", 3, "批准日期"),
     "第3行（L3）：批准日期应晚于出生日期"),
    (change_row(5, 性别=None), ("rows", 8, "性别"), "第8行（B8）：性别为必填项"),
    (change_row(0, 姓名="=HYPERLINK(\"http://x\")"), ("rows", 3, "姓名"),
     "第3行（A3）：姓名含有姓名中不允许的字符「=」"),
], ids=["check-digit", "gender", "birth-date", "missing", "bad-date", "future", "not-in-list",
        "id-as-number", "approval-before-birth", "missing-gender", "formula-text-in-name"])
def test_a_bad_row_gets_its_error_by_row_and_column(client, edit, loc, msg):
    content = fill(blank_template(client, FORM), sample_rows(FORM), edit=edit)
    response = upload(client, FORM, content)
    assert response.status_code == 422
    assert errors_of(response) == {loc: msg}


def test_every_bad_cell_is_reported_not_only_the_first(client):
    edits = [change_row(0, 证件号码="420102199003072316"), change_row(1, 性别="男"),
             change_row(2, 职称名称=None, 批准文号=None), change_row(4, 证件类型="身份证明")]

    def edit(sheet, header_row):
        for change in edits:
            change(sheet, header_row)

    response = upload(client, FORM, fill(blank_template(client, FORM), sample_rows(FORM), edit=edit))
    assert sorted(errors_of(response)) == [
        ("rows", 3, "证件号码"), ("rows", 4, "性别"), ("rows", 5, "批准文号"), ("rows", 5, "职称名称"),
        ("rows", 7, "证件类型"),
    ]


def test_a_repeated_record_is_a_warning_and_身份证_means_居民身份证(client):
    rows = sample_rows(FORM)
    rows.append({**rows[0], "证件类型": "身份证"})
    response = upload(client, FORM, fill(blank_template(client, FORM), rows))
    assert response.status_code == 200
    body = response.get_json()
    assert body["rows"][-1]["document_type"] == "居民身份证"
    assert body["warnings"] == [{
        "loc": ["rows", 9],
        "msg": "第9行：与第3行重复（证件号码、职称名称、批准文号相同），请确认不是重复录入",
    }]


def test_validate_applies_the_same_rules_to_json_rows(client):
    data = sample(FORM)
    data["rows"][1]["gender"] = "男"
    data["rows"].append(data["rows"][0])
    body = client.post(f"/api/v1/forms/{FORM}/validate", json=data).get_json()
    assert body["errors"] == [
        {"loc": ["rows", 1, "gender"], "msg": "性别与证件号码不符（证件号码表明为女）"}
    ]
    assert body["warnings"] == [{
        "loc": ["rows", 6],
        "msg": "与第1行重复（证件号码、职称名称、批准文号相同），请确认不是重复录入",
    }]


def test_the_record_model_stays_reusable_for_certificates():
    from formsvc.forms.base import FindingsBuilder

    record = TitleRecord.model_validate(sample(FORM)["rows"][0])
    found = FindingsBuilder()
    check_record(found, ("record",), record)
    assert found.done().errors == () and IDENTITY_LABELS["number"] == "证件号码"


def test_import_refuses_non_tabular_forms_and_wrong_requests(client):
    content = fill(blank_template(client, FORM), sample_rows(FORM))
    assert upload(client, "committee-filing", content).status_code == 404
    assert upload(client, "no-such-form", content).status_code == 404
    response = client.post(f"/api/v1/forms/{FORM}/import", data=content,
                           content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response.status_code == 415
    assert "multipart/form-data" in response.get_json()["errors"][0]["msg"]
    response = client.post(f"/api/v1/forms/{FORM}/import", data={"other": (io.BytesIO(content), "a.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert errors_of(response) == {("file",): "缺少上传的Excel 工作簿（.xlsx）（字段名 file）"}
    forms = client.get("/api/v1/forms").get_json()["forms"]
    links = {f["id"]: f["links"] for f in forms}
    assert links[FORM]["import"] == f"/api/v1/forms/{FORM}/import"
    assert "import" not in links["committee-filing"]
    document = client.get("/api/v1/openapi.json").get_json()
    rows = document["paths"][f"/api/v1/forms/{FORM}/import"]["post"]["responses"]["200"]
    reference = rows["content"]["application/json"]["schema"]["properties"]["rows"]["items"]["$ref"]
    row_schema = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert row_schema["properties"]["name"]["title"] == "姓名"


def test_200_rows_print_every_number_whole_on_one_line(client):
    rows = title_records(200)
    response = client.post("/api/v1/forms/title-history/render?format=pdf", json={"rows": rows})
    assert response.status_code == 200, response.get_json()
    save_artifact("title-history-200.pdf", response.data)
    # a reader puts the lines of one table row on one line, a space where a cell's text wraps
    lines = [line for page in pdf_text(response.data) for line in page.splitlines()]
    for row in rows:
        for field in ("id_number", "approval_number", "birth_date", "approval_date"):
            assert any(row[field] in line for line in lines), (field, row[field])
