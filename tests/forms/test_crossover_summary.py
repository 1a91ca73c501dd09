"""武汉市专业技术人才向高技能人才贯通申报汇总表: 附件1's 32 columns and lists, import, PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from formsvc.forms import get_form
from formsvc.forms.crossover_summary import SummaryRow
from formsvc.sheets import ImportResult, read_rows

from ..helpers import (
    blank_template,
    blank_workbook,
    change_row,
    errors_of,
    fill,
    flat,
    notice_text,
    pdf_text,
    rendered_pdf,
    sample,
    sample_rows,
    save_artifact,
    upload,
)

FORM = "crossover-summary"
# 武人社规〔2022〕2号 附件1, as the notice prints it (its heading's 高技术人才 is a slip for 高技能人才)
NOTICE_TITLE = "武汉市专业技术人才向高技能人才贯通申报汇总表"
NOTICE_COLUMNS = [
    "序号", "姓名", "证件类型", "证件号", "性别", "出生日期", "文化程度", "考生来源", "证书领取", "职业名称",
    "工种名称", "级别", "申报条件", "手机号码", "参加工作时间", "从事专业", "专业年限", "民族", "政治面貌",
    "学历证书编号", "简要经历", "邮政编码", "所在单位", "通讯地址", "邮寄地址", "邮箱", "户籍所在地", "省份",
    "城市", "原证书职业", "原证书等级", "原证书编号",
]
NOTICE_NOTES = notice_text("crossover-summary")


def notice_list(pattern: str, note: int) -> list[str]:
    match = re.search(pattern, NOTICE_NOTES[note - 1])
    assert match, pattern
    return match[1].split("、")


#: the dropdowns, read out of the notice's own 填表说明
NOTICE_LISTS = {
    "证件类型": notice_list(r"证件类型包括(.+?)。", 3),
    "文化程度": notice_list(r"文化程度分为：(.+?)。", 6),
    "考生来源": notice_list(r"考生来源包括：(.+?)。", 7),
    "证书领取": [*notice_list(r"包括(自取)与(?:快递到付)", 8), "快递到付"],
    "级别": [*notice_list(r"级别分为(.+?)；", 10), "无级别"],
}
#: the columns marked * (the choice is argued in formsvc/forms/crossover_summary.py)
REQUIRED = {"姓名", "证件类型", "证件号", "文化程度", "考生来源", "证书领取", "职业名称", "级别", "申报条件",
            "手机号码", "所在单位", "原证书职业", "原证书等级", "原证书编号"}


def test_blank_template_has_the_notices_32_columns_lists_and_notes(client):
    book = blank_workbook(client, FORM, ["汇总表", "填表说明"], NOTICE_TITLE)
    sheet = book["汇总表"]
    assert sheet["A2"].value == "申报单位：（盖章）"
    assert "填表说明附后" in [c.value for c in sheet[2]]
    header = [c.value for c in sheet[3]]
    assert [h.lstrip("*") for h in header] == NOTICE_COLUMNS
    assert {h[1:] for h in header if h.startswith("*")} == REQUIRED
    assert all(sheet.cell(3, i).font.color.rgb.endswith("C00000") for i, h in enumerate(header, 1)
               if h.startswith("*"))
    assert sheet.freeze_panes == "C4"
    lists = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type == "list":
            (cells,) = validation.sqref.ranges
            column = header[cells.min_col - 1].lstrip("*")
            assert (cells.min_row, cells.max_row) == (4, 2003)
            lists[column] = validation.formula1.strip('"').split(",")
    assert lists == {**NOTICE_LISTS, "性别": ["男", "女"]}
    for column in ("出生日期", "参加工作时间"):
        letter = sheet.cell(3, NOTICE_COLUMNS.index(column) + 1).column_letter
        assert sheet.column_dimensions[letter].number_format == "yyyy-mm-dd"
        assert sheet[f"{letter}4"].number_format == "yyyy-mm-dd"
    notes = book["填表说明"]
    assert notes["A1"].value == "填表说明："
    assert [notes.cell(row, 1).value for row in range(2, 13)] == NOTICE_NOTES


def test_the_import_is_reusable_from_python(client):
    content = fill(blank_template(client, FORM), sample_rows(FORM))
    result = read_rows(get_form(FORM), content)
    assert isinstance(result, ImportResult) and result.ok
    assert all(isinstance(row, SummaryRow) for row in result.rows)
    first = result.rows[0]
    # 填表说明4: a 身份证 speaks for 性别 and 出生日期 left blank
    assert (first.gender, first.person_gender, first.person_birth_date) == (None, "男", dt.date(1990, 3, 7))
    assert [loc.label for loc in result.located()] == ["第4行", "第5行", "第6行", "第7行", "第8行"]
    assert result.summary() == "5 行数据全部通过校验，0 条提示"


def test_the_filled_xlsx_names_the_unit_and_imports_back(client):
    data = sample(FORM)
    response = client.post(f"/api/v1/forms/{FORM}/render?format=xlsx", json=data)
    assert response.status_code == 200, response.get_json()
    save_artifact("crossover-summary.xlsx", response.data)
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    assert sheet["A1"].value == NOTICE_TITLE and "填表说明附后" in [c.value for c in sheet[2]]
    assert [str(c.value).lstrip("*") for c in sheet[3]] == NOTICE_COLUMNS
    assert sheet["A2"].value == f"申报单位：{data['unit']}（盖章）"
    assert [c.value for c in sheet[4]][:6] == [1, "李䶮", "身份证", "420102199003072315", None, None]
    assert sheet["F5"].value == dt.datetime(1992, 4, 17) and sheet["F5"].number_format == "yyyy-mm-dd"
    assert [book["填表说明"].cell(r, 1).value for r in range(2, 13)] == NOTICE_NOTES
    again = upload(client, FORM, response.data)
    assert again.status_code == 200
    assert again.get_json()["rows"][0]["name"] == "李䶮"


def test_rows_without_serial_are_numbered_in_order(client):
    data = sample(FORM)
    for row in data["rows"]:
        del row["serial"]
    response = client.post(f"/api/v1/forms/{FORM}/render?format=xlsx", json=data)
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [sheet.cell(r, 1).value for r in range(4, 9)] == [1, 2, 3, 4, 5]


def test_pdf_is_a3_landscape_with_every_column_note_and_value(client):
    data = sample(FORM)
    text, size = rendered_pdf(client, FORM, data, "crossover-summary.pdf")
    assert size == (1191, 842)
    assert text.startswith(NOTICE_TITLE)
    assert f"申报单位：{data['unit']}（盖章）" in text
    for label in NOTICE_COLUMNS:
        assert label in text, label
    assert "填表说明附后" in text and "填表说明：" in text
    for note in NOTICE_NOTES:
        assert flat(note) in text, note
    for row in data["rows"]:
        for key in ("name", "id_number", "mobile", "original_number"):
            assert flat(row[key]) in text, (key, row[key])


def test_blank_pdf_leaves_the_unit_to_be_written_and_stamped(client):
    response = client.get(f"/api/v1/forms/{FORM}/blank?format=pdf")
    assert response.status_code == 200
    text = flat(pdf_text(response.data)[0])
    assert "申报单位：（盖章）" in text
    assert all(label in text for label in NOTICE_COLUMNS)
    assert all(flat(note) in text for note in NOTICE_NOTES)


@pytest.mark.parametrize(("edit", "errors"), [
    (change_row(0, 证件号="420102199003072316"), {("rows", 4, "证件号"): "第4行（D4）：证件号校验位错误"}),
    (change_row(1, 性别="男"), {("rows", 5, "性别"): "第5行（E5）：性别与证件号码不符（证件号码表明为女）"}),
    (change_row(0, 出生日期=dt.date(1990, 3, 8)),
     {("rows", 4, "出生日期"): "第4行（F4）：出生日期与证件号码不符（证件号码表明为1990年3月7日）"}),
    (change_row(2, 职业名称=None), {("rows", 6, "职业名称"): "第6行（J6）：职业名称为必填项"}),
    (change_row(3, 出生日期="1991-02-30"),
     {("rows", 7, "出生日期"): "第7行（F7）：出生日期不是存在的日期：1991-02-30"}),
    (change_row(0, 证书领取="快递到付"),
     {("rows", 4, "邮寄地址"): "第4行（Y4）：证书领取为快递到付时，邮寄地址为必填项"}),
    (change_row(4, 文化程度="大专"),
     {("rows", 8, "文化程度"): "第8行（G8）：文化程度只能是：" + "、".join(NOTICE_LISTS["文化程度"])}),
    (change_row(2, 级别="高级技师"),
     {("rows", 6, "级别"): "第6行（L6）：级别只能是：" + "、".join(NOTICE_LISTS["级别"])}),
    (change_row(0, 证件号=4.20102199003072e17),
     {("rows", 4, "证件号"): (
         "第4行（D4）：证件号被存成了数字（420102199003072000），Excel 只保留15位有效数字，"
         "末尾几位已丢失：请把该列设为文本格式后重新录入"
     )}),
    (change_row(3, 性别=None, 出生日期=None),
     {("rows", 7, "性别"): "第7行（E7）：证件类型不是身份证时，性别为必填项",
      ("rows", 7, "出生日期"): "第7行（F7）：证件类型不是身份证时，出生日期为必填项"}),
    (change_row(1, 手机号码="1862700123"),
     {("rows", 5, "手机号码"): "第5行（N5）：手机号码应为以1开头的11位数字，现为「1862700123」"}),
    (change_row(0, 参加工作时间=dt.date(1989, 9, 1)),
     {("rows", 4, "参加工作时间"): "第4行（O4）：参加工作时间应晚于出生日期"}),
    (change_row(1, 邮箱="zhangxy@"), {("rows", 5, "邮箱"): "第5行（Z5）：邮箱格式不正确：「zhangxy@」"}),
], ids=["check-digit", "gender", "birth-date", "missing", "bad-date", "express-without-address",
        "education-not-in-list", "level-not-in-list", "id-as-number", "non-id-without-gender",
        "mobile", "work-before-birth", "email"])
def test_a_bad_row_gets_its_errors_by_row_and_column(client, edit, errors):
    content = fill(blank_template(client, FORM), sample_rows(FORM), edit=edit)
    response = upload(client, FORM, content)
    assert response.status_code == 422
    assert errors_of(response) == errors


def test_numbers_typed_as_numbers_are_taken_where_exact(client):
    edit = change_row(0, 手机号码=13907151234, 邮政编码=430205, 专业年限=12.0)
    content = fill(blank_template(client, FORM), sample_rows(FORM), edit=edit)
    response = upload(client, FORM, content)
    assert response.status_code == 200, response.get_json()
    first = response.get_json()["rows"][0]
    assert (first["mobile"], first["postal_code"], first["profession_years"]) == ("13907151234", "430205", 12)


def test_a_tampered_header_names_the_column(client):
    def edit(sheet, header_row):
        sheet.cell(header_row, 4).value = "*证件号码"

    content = fill(blank_template(client, FORM), sample_rows(FORM), edit=edit)
    response = upload(client, FORM, content)
    assert response.status_code == 422
    assert errors_of(response) == {
        ("header", "证件号"): "表头第4列（D3）应为“证件号”，现为“证件号码”：请勿修改表头"
    }


def test_validate_reports_the_conditional_rules_on_json(client):
    data = sample(FORM)
    data["rows"][0]["delivery"] = "快递到付"
    del data["rows"][3]["gender"]
    body = client.post(f"/api/v1/forms/{FORM}/validate", json=data).get_json()
    assert body["errors"] == [
        {"loc": ["rows", 0, "mailing_address"], "msg": "证书领取为快递到付时，邮寄地址为必填项"},
        {"loc": ["rows", 3, "gender"], "msg": "证件类型不是身份证时，性别为必填项"},
    ]


def test_schema_properties_carry_the_official_labels(client):
    schema = client.get(f"/api/v1/forms/{FORM}/schema").get_json()
    row = schema["$defs"]["SummaryRow"]["properties"]
    assert [p["title"] for p in row.values()] == NOTICE_COLUMNS
