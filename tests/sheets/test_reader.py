"""The import maps any tabular form's sheet onto its row model: header checked, cells typed, every
problem located by sheet row and column header."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import FrozenInstanceError
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from pydantic import Field

from formsvc.dates import PastDate
from formsvc.errors import InvalidData
from formsvc.forms.base import FormModel, FormSpec
from formsvc.forms.tabular import columns
from formsvc.sheets import read_rows
from formsvc.sheets import reader as reader_module
from formsvc.sheets.cells import read_cell
from formsvc.text import PersonName, Text

from ..helpers import blank_template, errors_of, fill, part, rezip, sample_rows, upload


class Person(FormModel):
    """A row model unknown to the sheets package: the import knows forms only by their models."""

    name: PersonName = Field(title="姓名", max_length=10)
    born: PastDate = Field(title="出生日期")
    count: int | None = Field(None, title="人数", ge=0)
    note: Text | None = Field(None, title="备注", max_length=20)


class People(FormModel):
    rows: list[Person] = Field(title="人员", min_length=1, max_length=4)


PEOPLE = FormSpec(id="people", title="人员表", source="测试", purpose="测试", model=People,
                  formats=("xlsx",), documents=lambda form: [], row_model=Person, rows_field="rows")
HEADER = ["姓名", "出生日期", "人数", "备注"]
NOT_COMPUTED = "导入时不计算公式：请复制后“选择性粘贴→数值”再导入"
AS_TEXT = "请把该列设为文本格式后重新录入"
AS_DATE = "请按 YYYY-MM-DD 填写（例如 2019-10-01），或把单元格设为日期格式"


def workbook(rows: list[list[Any]], *, above: list[list[Any]] = (), header: list[str] = HEADER,
             formulas: dict[str, str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for line in [*above, header, *rows]:
        sheet.append(line)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # typed text, never a formula
    for ref, formula in (formulas or {}).items():
        sheet[ref] = formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def located(result) -> dict[tuple, str]:
    return {p.loc: p.msg for p in result.errors}


def test_rows_become_models_skipping_blank_and_formatted_empty_rows():
    book = Workbook()
    sheet = book.active
    sheet.append(["人员表"])
    sheet.append(HEADER)
    sheet.append(["李䶮", dt.datetime(1990, 3, 7), 3, "第一行"])
    sheet.append([None, None, None, None])
    sheet.append(["  ", "\u3000", None, " "])
    sheet.append(["王芳", "1992/4/17", "2", None])
    for number in range(7, 200):  # formatted but empty rows, as Excel leaves them
        sheet.cell(number, 2).number_format = "yyyy-mm-dd"
        sheet.cell(number, 1).style = "Normal"
    out = io.BytesIO()
    book.save(out)
    result = read_rows(PEOPLE, out.getvalue())
    assert result.ok, result.errors
    assert (result.sheet, result.header_row, result.row_numbers) == ("Sheet", 2, (3, 6))
    assert result.as_json()["rows"] == [
        {"name": "李䶮", "born": "1990-03-07", "count": 3, "note": "第一行"},
        {"name": "王芳", "born": "1992-04-17", "count": 2, "note": None},
    ]
    assert result.summary() == "2 行数据全部通过校验，0 条提示"
    assert result.require_ok() is result
    with pytest.raises(FrozenInstanceError):
        result.rows = ()  # type: ignore[misc]


def test_every_problem_is_reported_by_sheet_row_and_column_header():
    content = workbook([
        ["张三", "2019-02-30", -1, None],
        ["1234", "明年", 3, "备注太长了备注太长了备注太长了备注太长了备注"],
        [None, None, "三", None],
        ["李四", dt.datetime(1990, 1, 1, 8, 30), 2.5, None],
    ])
    result = read_rows(PEOPLE, content)
    assert not result.ok
    assert located(result) == {
        ("rows", 2, "出生日期"): "第2行（B2）：出生日期不是存在的日期：2019-02-30",
        ("rows", 2, "人数"): "第2行（C2）：人数不能小于0",
        ("rows", 3, "姓名"): "第3行（A3）：姓名含有姓名中不允许的字符「1」",
        ("rows", 3, "出生日期"): (
            "第3行（B3）：出生日期格式无法识别：明年（应为 YYYY-MM-DD、YYYY/MM/DD 或 YYYY年M月D日）"
        ),
        ("rows", 3, "备注"): "第3行（D3）：备注不能超过20个字",
        ("rows", 4, "姓名"): "第4行（A4）：姓名为必填项",
        ("rows", 4, "出生日期"): "第4行（B4）：出生日期为必填项",
        ("rows", 4, "人数"): "第4行（C4）：人数应为整数",
        ("rows", 5, "出生日期"): "第5行（B5）：出生日期应为日期，不应包含时间",
        ("rows", 5, "人数"): "第5行（C5）：人数应为整数",
    }
    # the cell is data too, as the API answers it: nobody reads it back out of the message
    assert [(p.loc[1], p.cell) for p in result.errors] == [
        (2, "B2"), (2, "C2"), (3, "A3"), (3, "B3"), (3, "D3"), (4, "A4"), (4, "B4"), (4, "C4"),
        (5, "B5"), (5, "C5")]
    assert [e["cell"] for e in result.as_json()["errors"]] == [p.cell for p in result.errors]
    assert result.summary() == "发现 10 处错误（涉及 4 行），0 条提示"
    with pytest.raises(InvalidData) as refused:
        result.require_ok()
    assert len(refused.value.problems) == 10


def test_text_starting_with_formula_characters_stays_text():
    values = ["=1+1", "+86 13907151234", "-5", "@SUM(A1)", "=HYPERLINK(\"x\")"]
    content = workbook([["李䶮", "1990-03-07", None, value] for value in values[:3]])
    assert [r.note for r in read_rows(PEOPLE, content).rows] == values[:3]
    content = workbook([["李䶮", "1990-03-07", None, value] for value in values[3:]])
    assert [r.note for r in read_rows(PEOPLE, content).rows] == values[3:]


def test_formulas_are_refused_never_evaluated():
    content = workbook(
        [["李䶮", "1990-03-07", None, None], ["王芳", "1990-03-07", None, None]],
        formulas={"D2": "=1+1", "A3": '=HYPERLINK("http://evil.example/","王芳")', "C2": "=SUM(1,2)"},
    )
    result = read_rows(PEOPLE, content)
    assert located(result) == {
        ("rows", 2, "人数"): f"第2行（C2）：人数是公式（=SUM(1,2)），{NOT_COMPUTED}",
        ("rows", 2, "备注"): f"第2行（D2）：备注是公式（=1+1），{NOT_COMPUTED}",
        ("rows", 3, "姓名"): f"第3行（A3）：姓名是公式（=HYPERLINK(\"http://evil.example/\",\"王芳\")），{NOT_COMPUTED}",
    }
    assert result.rows == ()


def test_formula_with_a_cached_value_is_still_refused():
    # as Excel saves it: the formula and the value it last showed
    content = workbook([["李䶮", "1990-03-07", None, None]])
    sheet = part(content, "xl/worksheets/sheet1.xml")
    cached = sheet.replace(b"</row></sheetData>",
                           b'<c r="D2" t="str"><f>1+1</f><v>2</v></c></row></sheetData>')
    assert cached != sheet
    result = read_rows(PEOPLE, rezip(content, replace={"xl/worksheets/sheet1.xml": cached}))
    assert located(result) == {
        ("rows", 2, "备注"): f"第2行（D2）：备注是公式（=1+1），{NOT_COMPUTED}"
    }


def test_more_rows_than_the_form_allows_stop_the_import():
    content = workbook([["李䶮", "1990-03-07", None, None]] * 5)
    result = read_rows(PEOPLE, content)
    assert located(result) == {("rows",): "数据超过 4 行的上限（第6行起未读）：请分成几个文件导入"}


def test_listed_errors_are_capped_and_the_rest_counted(monkeypatch):
    monkeypatch.setattr(reader_module, "MAX_LISTED_ERRORS", 2)
    result = read_rows(PEOPLE, workbook([[None, None, -1, None]] * 3))
    assert len(result.errors) == 3
    assert result.errors[-1].msg == "错误过多：以上列出前 2 处，另有 7 处未列出，请修正后重新导入查看"


def test_data_beside_the_table_is_ignored_with_a_warning():
    content = workbook([["李䶮", "1990-03-07", None, None, None, "旁注"]])
    result = read_rows(PEOPLE, content)
    assert result.ok
    assert [(w.loc, w.msg) for w in result.warnings] == [
        (("header", "F"), "F列在表格之外（第2行起有内容），其内容已忽略")
    ]


def test_a_wrong_declared_dimension_does_not_hide_rows():
    content = workbook([["李䶮", "1990-03-07", None, None], ["王芳", "1990-03-07", None, None]])
    sheet = part(content, "xl/worksheets/sheet1.xml")
    lying = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1"', sheet)
    assert lying != sheet
    result = read_rows(PEOPLE, rezip(content, replace={"xl/worksheets/sheet1.xml": lying}))
    assert result.row_numbers == (2, 3)


def test_a_sheet_without_data_rows_is_an_error():
    result = read_rows(PEOPLE, workbook([]))
    assert located(result) == {("rows",): "表格中没有数据：请从第2行起，每行填写一条"}


# --- the header --------------------------------------------------------------------------------


def retitle(mapping: dict[int, Any]):
    def edit(sheet, header_row):
        for column, value in mapping.items():
            sheet.cell(header_row, column).value = value
    return edit


def shift(sheet, header_row: int, insert: int | None = None, delete: int | None = None) -> None:
    values = [c.value for c in sheet[header_row]]
    if insert is not None:
        values.insert(insert - 1, "备注")
    if delete is not None:
        del values[delete - 1]
    for column in range(1, max(len(values), sheet.max_column) + 1):
        sheet.cell(header_row, column).value = values[column - 1] if column <= len(values) else None


@pytest.mark.parametrize(("edit", "expected"), [
    (retitle({4: "身份证号"}),
     {("header", "证件号码"): "表头第4列（D2）应为“证件号码”，现为“身份证号”：请勿修改表头"}),
    (retitle({1: None}), {("header", "姓名"): "表头第1列（A2）应为“姓名”，现为空白：请勿修改表头"}),
    (lambda sheet, row: shift(sheet, row, insert=3),
     {("header", "备注"): "表头多出“备注”列（C2），不是本表的字段：请勿插入列"}),
    (lambda sheet, row: shift(sheet, row, delete=5),
     {("header", "出生日期"): "表头缺少“出生日期”列（应在第5列，E列）：请勿删除列"}),
    (retitle({2: "证件类型", 3: "性别"}),
     # one column moved past its neighbour: the matcher names the one out of place
     {("header", "证件类型"): (
         "表头“证件类型”列的位置不对：应在第3列（C列），现在第2列（B2）：请勿调整字段顺序"
     )}),
    (retitle({13: "备注"}), {("header", "备注"): "表头多出“备注”列（M2），不是本表的字段：请勿插入列"}),
], ids=["renamed", "emptied", "inserted", "deleted", "swapped", "appended"])
def test_a_tampered_header_is_refused_naming_the_column(client, edit, expected):
    content = fill(blank_template(client, "title-history"), sample_rows("title-history"), edit=edit)
    response = upload(client, "title-history", content)
    assert response.status_code == 422
    assert errors_of(response) == expected
    # the cell the message names, as data (none for a missing column: it has no cell)
    [error] = response.get_json()["errors"]
    named = re.search(r"（([A-Z]+[0-9]+)）", error["msg"])
    assert error.get("cell") == (named[1] if named else None)


def test_header_spaces_and_stars_are_not_changes(client):
    edit = retitle({1: "*姓 名", 4: " 证件号码\n"})
    content = fill(blank_template(client, "title-history"), sample_rows("title-history"), edit=edit)
    assert upload(client, "title-history", content).status_code == 200


def test_a_sheet_without_the_header_is_refused_saying_what_it_should_be():
    content = workbook([["x", "y"]], header=["编号", "名称"])
    result = read_rows(PEOPLE, content)
    assert located(result) == {("header",): (
        "找不到人员表的表头：工作表“Sheet”的前10行中没有一行依次为 姓名、出生日期、人数、备注。"
        "请使用本系统下载的导入模板，不要修改表头"
    )}


def test_the_header_may_stand_on_the_first_row_or_lower():
    for above in ([], [["人员表"], [], ["单位：某单位"]]):
        result = read_rows(PEOPLE, workbook([["李䶮", "1990-03-07", None, None]], above=above))
        assert result.ok and result.row_numbers == (len(above) + 2,)


# --- one cell ----------------------------------------------------------------------------------

COLUMNS = {c.name: c for c in columns(Person)}
TEXT, DATE, INTEGER = COLUMNS["note"], COLUMNS["born"], COLUMNS["count"]


@pytest.mark.parametrize(("value", "data_type", "column", "expected"), [
    ("  文本 ", "s", TEXT, "文本"),
    ("=1+1", "s", TEXT, "=1+1"),
    (13907151234, "n", TEXT, "13907151234"),
    (430205.0, "n", TEXT, "430205"),
    (1.5, "n", TEXT, "1.5"),
    (dt.datetime(2019, 10, 1), "d", DATE, dt.datetime(2019, 10, 1)),
    ("2019年10月1日", "s", DATE, "2019年10月1日"),
    (3.0, "n", INTEGER, 3),
    ("3", "s", INTEGER, "3"),
    (None, "n", TEXT, None),
    ("   ", "s", DATE, None),
])
def test_cells_are_read_as_their_column_expects(value, data_type, column, expected):
    reading = read_cell(value, data_type, column)
    assert (reading.value, reading.problem) == (expected, None)


@pytest.mark.parametrize(("value", "data_type", "column", "expected"), [
    (420102199003072000, "n", TEXT,
     f"备注被存成了数字（420102199003072000），Excel 只保留15位有效数字，末尾几位已丢失：{AS_TEXT}"),
    (4.20102199003072e17, "n", TEXT,
     f"备注被存成了数字（420102199003072000），Excel 只保留15位有效数字，末尾几位已丢失：{AS_TEXT}"),
    (dt.datetime(2024, 1, 2), "d", TEXT, f"备注被 Excel 识别成了日期或时间（2024-01-02），{AS_TEXT}"),
    (True, "b", TEXT, "备注应为文本，单元格中是逻辑值 TRUE"),
    (20191001, "n", DATE, f"出生日期是数字 20191001，不是日期：{AS_DATE}"),
    (dt.time(8, 30), "d", DATE, f"出生日期是时间（08:30:00），不是日期：{AS_DATE}"),
    ("#VALUE!", "e", DATE, f"出生日期不是有效的日期（单元格显示 #VALUE!）：{AS_DATE}"),
    ("#REF!", "e", TEXT, "备注是错误值 #REF!：请改为实际内容"),
    (dt.datetime(2020, 1, 1), "d", INTEGER, "人数应为整数"),
    ("=A1*2", "f", INTEGER, f"人数是公式（=A1*2），{NOT_COMPUTED}"),
], ids=["id-as-int", "id-as-float", "date-in-text", "bool", "number-in-date", "time", "date-error",
        "error", "date-in-integer", "formula"])
def test_unreadable_cells_say_precisely_why(value, data_type, column, expected):
    reading = read_cell(value, data_type, column)
    assert (reading.value, reading.problem) == (None, expected)


def test_an_openpyxl_round_trip_of_the_template_keeps_it_importable(client):
    # a clerk who opens and saves the template in another program keeps its header
    template = blank_template(client, "title-history")
    book = load_workbook(io.BytesIO(template))
    out = io.BytesIO()
    book.save(out)
    content = fill(out.getvalue(), sample_rows("title-history"))
    assert upload(client, "title-history", content).status_code == 200
