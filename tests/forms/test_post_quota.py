"""事业单位高、中级职称申报情况核定表: three formats read back against 附件1, the grid's rules."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook

from formsvc.clock import china_today
from formsvc.forms.post_quota import PostQuotaForm, applicant_lines

from ..helpers import docx_runs, docx_text, flat, notice_text, pdf_text, sample, save_artifact, setting
from ..libreoffice import to_pdf

URL = "/api/v1/forms/post-quota"

# 咸职改办〔2024〕12号 附件1, verbatim
TITLE = "年度事业单位高、中级职称申报情况核定表"
LABELS = (
    "填报单位（盖章）：", "填报时间：", "合计", "中级", "副高", "正高", "设岗情况",
    "已聘情况（不含“双肩挑”）", "待聘情况", "空岗情况", "申报情况", "空岗申报", "不占岗位申报",
    "申报人员姓名及专业", "主管部门审核意见", "事业单位人事管理部门审核意见", "（盖章）",
)
NOTES = tuple(notice_text("post-quota"))
#: the sample's grid as printed: row label, 合计 (computed), 中级, 副高, 正高
GRID = (
    ("设岗情况", (526, 326, 148, 52)),
    ("已聘情况（不含“双肩挑”）", (512, 318, 144, 50)),
    ("待聘情况", (33, 21, 9, 3)),
    ("空岗情况", (14, 8, 4, 2)),
    ("空岗申报", (8, 4, 3, 1)),
    ("不占岗位申报", (1, 0, 1, 0)),
)
#: the sample's applicants as the list prints them, a line per level
APPLICANTS = (
    "中级（4人）：王晓梅（护理学）、陈思琪（临床医学检验技术）、刘建国（药学）、阿依古丽·买买提（超声医学）",
    "副高（4人）：李䶮（内科学）、欧阳振华（医疗器械）、周婷（妇产科学）、熊志刚（全科医学，不占岗位申报）",
    "正高（1人）：张明远（心血管内科学）",
)
SUPERVISOR = "经审核，该单位申报人数在岗位结构比例内，申报人员符合申报条件，同意推荐。"


def rule(cell: Any, side: str) -> str | None:
    """The style of the line drawn on one side of a sheet cell, None for none."""
    line = getattr(cell.border, side)
    return line.style if line is not None else None


def render(client, data: Any, extension: str) -> bytes:
    response = client.post(f"{URL}/render?format={extension}", json=data)
    assert response.status_code == 200, response.get_json()
    return response.data


def test_pdf_is_one_page_with_every_label_note_value_and_stamp(client):
    content = render(client, sample("post-quota"), "pdf")
    save_artifact("post-quota.pdf", content)
    pages = pdf_text(content)
    assert len(pages) == 1
    page = flat(pages[0])
    assert page.startswith(f"2024{TITLE}")
    for label in (*LABELS, *NOTES):
        assert flat(label) in page, label
    assert "填报单位（盖章）：咸宁市中心医院" in page
    assert "填报时间：2024年5月10日" in page
    for label, cells in GRID:
        assert flat(label) + "".join(map(str, cells)) in page, label
    assert flat("".join(APPLICANTS)) in page
    assert f"主管部门审核意见{SUPERVISOR}（盖章）2024年5月15日" in page
    assert "事业单位人事管理部门审核意见（盖章）年月日" in page


def test_docx_is_the_notice_table_with_merged_cells_and_official_fonts(client):
    content = render(client, sample("post-quota"), "docx")
    save_artifact("post-quota.docx", content)
    document = Document(io.BytesIO(content))
    assert document.paragraphs[0].text == f"2024 {TITLE}"
    assert document.paragraphs[1].text == "填报单位（盖章）：咸宁市中心医院"
    assert document.paragraphs[2].text == "填报时间：2024年5月10日"
    assert [p.text for p in document.paragraphs[3:]] == list(NOTES)
    [table] = document.tables
    assert (len(table.rows), len(table.columns)) == (10, 6)
    cell = table.cell

    def same(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return cell(*a)._tc is cell(*b)._tc

    assert same((0, 0), (0, 1)) and cell(0, 0).text == ""
    assert [flat(cell(0, c).text) for c in range(2, 6)] == ["合计", "中级", "副高", "正高"]
    for row, (label, cells) in enumerate(GRID, start=1):
        label_column = 0 if row <= 4 else 1
        assert cell(row, label_column).text == label
        assert same((row, 0), (row, 1)) == (row <= 4)
        assert [cell(row, c).text for c in range(2, 6)] == [str(n) for n in cells]
    # 申报情况 spans its two sub-rows, as in the notice
    assert same((5, 0), (6, 0)) and cell(5, 0).text == "申报情况"
    assert same((7, 0), (7, 1)) and cell(7, 0).text == "申报人员姓名及专业"
    assert same((7, 2), (7, 5))
    assert [p.text for p in cell(7, 2).paragraphs] == list(APPLICANTS)
    for row, label, opinion, date in (
        (8, "主管部门审核意见", SUPERVISOR, "2024年5月15日"),
        (9, "事业单位人事管理部门审核意见", "", "\u3000\u3000年\u3000\u3000月\u3000\u3000日"),
    ):
        assert same((row, 0), (row, 1)) and same((row, 2), (row, 5))
        assert flat(cell(row, 0).text) == label
        paragraphs = [p.text for p in cell(row, 2).paragraphs]
        assert paragraphs[0] == opinion
        assert paragraphs[-2:] == ["（盖章）", date]
    runs = docx_runs(content)
    assert runs[0] == (f"2024 {TITLE}", "宋体", 22.0, True)  # 二号, bold
    assert {font for text, font, _, _ in runs[1:] if text.strip()} == {"仿宋", "宋体"}
    assert {font for text, font, _, _ in runs if text in ("526", "326")} == {"宋体"}


def test_xlsx_is_a_printable_form_sheet_with_numbers_as_numbers(client):
    content = render(client, sample("post-quota"), "xlsx")
    save_artifact("post-quota.xlsx", content)
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A1"].value == f"2024 {TITLE}"
    assert sheet["A2"].value == "填报单位（盖章）：咸宁市中心医院"
    assert sheet["A3"].value == "填报时间：2024年5月10日"
    assert [flat(sheet.cell(4, c).value) for c in range(3, 7)] == ["合计", "中级", "副高", "正高"]
    for row, (label, cells) in enumerate(GRID, start=5):
        assert sheet.cell(row, 1 if row <= 8 else 2).value == label
        # 合计 is a formula over the three levels, the levels whole numbers
        assert sheet.cell(row, 3).value == f'=IF(COUNT(D{row}:F{row}),SUM(D{row}:F{row}),"")'
        values = [sheet.cell(row, c).value for c in range(4, 7)]
        assert values == list(cells[1:])
        assert all(type(v) is int for v in values)
    [counts] = [v for v in sheet.data_validations.dataValidation if v.type == "whole"]
    assert str(counts.sqref) == "D5:F10"
    assert (counts.operator, counts.formula1, counts.formula2) == ("between", "0", "9999")
    assert counts.showErrorMessage and counts.errorStyle == "stop"
    assert sheet["A9"].value == "申报情况"
    assert sheet["A11"].value == "申报人员姓名及专业"
    assert sheet["C11"].value == "\n".join(APPLICANTS)
    assert flat(sheet["A12"].value) == "主管部门审核意见"
    assert sheet["C12"].value == SUPERVISOR
    assert sheet["C13"].value == "（盖章）\n2024年5月15日"
    assert flat(sheet["A14"].value) == "事业单位人事管理部门审核意见"
    assert sheet["C15"].value == "（盖章）\n\u3000\u3000年\u3000\u3000月\u3000\u3000日"
    assert [flat(sheet.cell(r, 1).value) for r in (16, 17, 18)] == [flat(n) for n in NOTES]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:F1", "A4:B4", "A5:B5", "A8:B8", "A9:A10", "A11:B11", "C11:F11", "A12:B13",
            "C12:F12", "C13:F13", "A14:B15", "C14:F14", "C15:F15", "A18:F18"} <= merged
    assert "A9:B9" not in merged  # 空岗申报 has its own label cell beside 申报情况
    # every edge of the table is ruled: merged cells take their edges from the cells beneath
    for coordinate, side in (("A4", "top"), ("A5", "left"), ("F10", "right"), ("F11", "right"),
                             ("C11", "left"), ("D15", "bottom"), ("F13", "right")):
        assert rule(sheet[coordinate], side) == "thin", (coordinate, side)
    # the opinion and its stamp line read as one box, as in the notice
    assert rule(sheet["C12"], "bottom") is None and rule(sheet["C13"], "top") is None
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.page_setup.orientation == "portrait"
    assert sheet.page_setup.fitToHeight == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_area == "'核定表'!$A$1:$F$18"
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == [
        f"C{row}" for row in range(5, 11)]
    # as a spreadsheet computes them: LibreOffice prints the totals
    printed = flat(pdf_text(to_pdf(content, "xlsx"))[0])
    for label, cells in GRID:
        assert flat(label) + "".join(map(str, cells)) in printed, label


@pytest.mark.parametrize("extension", ["pdf", "docx", "xlsx"])
def test_blank_form_keeps_every_label_and_room_to_write(client, extension):
    response = client.get(f"{URL}/blank?format={extension}")
    assert response.status_code == 200
    if extension == "xlsx":
        sheet = load_workbook(io.BytesIO(response.data)).active
        assert sheet["A1"].value == f"＿＿{TITLE}"
        assert [sheet.cell(5, c).value for c in range(4, 7)] == [None] * 3
        text = flat("".join(str(c.value or "") for row in sheet.iter_rows() for c in row
                            if c.data_type != "f"))
    elif extension == "pdf":
        pages = pdf_text(response.data)
        assert len(pages) == 1
        text = flat(pages[0])
    else:
        text = flat("".join(text for text, *_ in docx_runs(response.data)))
    assert text.startswith(f"＿＿{TITLE}")
    for label in (*LABELS, *NOTES):
        assert flat(label) in text, label
    assert "填报时间：年月日" in text
    assert text.count("（盖章）年月日") == 2
    assert "None" not in text


# --- the rules ---------------------------------------------------------------------------------

def dropping_applicant(index: int) -> Callable[[dict], None]:
    return lambda data: data["applicants"].pop(index)


def many_applicants(count: int) -> Callable[[dict], None]:
    """count 中级 applicants of 8 characters each, the grid adjusted to agree with them."""
    def change(data: dict) -> None:
        data["applicants"] = [
            {"name": "王小明", "speciality": "护理学", "level": "中级", "route": "空岗申报"}
        ] * count
        for row in ("posts", "vacant", "vacancy_applications"):
            data[row] = {"intermediate": count, "associate_senior": 0, "full_senior": 0}
        for row in ("appointed", "awaiting", "off_post_applications"):
            data[row] = {"intermediate": 0, "associate_senior": 0, "full_senior": 0}
    return change


NEXT_YEAR = china_today().year + 1

RULES = [
    # 合计: computed, and a supplied one that disagrees names its cell
    (setting("posts.total", 526), [], []),
    (setting("posts.total", 527),
     [(("posts", "total"), "设岗情况·合计应为526（中级326＋副高148＋正高52），填写的是527")], []),
    (setting("off_post_applications.total", 0),
     [(("off_post_applications", "total"), "不占岗位申报·合计应为1（中级0＋副高1＋正高0），填写的是0")],
     []),
    # the three consistency warnings
    (setting("vacant.intermediate", 7), [],
     [(("vacant", "intermediate"), "空岗情况·中级为7，与设岗减已聘（326－318＝8）不符")]),
    (setting("appointed.full_senior", 53), [],
     [(("vacant", "full_senior"), "空岗情况·正高为2，与设岗减已聘（52－53＝－1）不符：已聘人数超过设岗数")]),
    (setting("vacancy_applications.associate_senior", 5), [],
     [(("vacancy_applications", "associate_senior"), "空岗申报·副高（5人）多于空岗情况·副高（4个）"),
      (("applicants",), "申报人员名单中副高空岗申报3人、不占岗位申报1人，与申报情况（空岗申报5人、"
                        "不占岗位申报1人）不符")]),
    (dropping_applicant(8), [],
     [(("applicants",), "申报人员名单中正高空岗申报0人、不占岗位申报0人，与申报情况（空岗申报1人、"
                        "不占岗位申报0人）不符")]),
    (setting("applicants.7.route", "空岗申报"), [],
     [(("applicants",), "申报人员名单中副高空岗申报4人、不占岗位申报0人，与申报情况（空岗申报3人、"
                        "不占岗位申报1人）不符")]),
    # counts are non-negative integers within bounds
    (setting("posts.intermediate", -1), [(("posts", "intermediate"), "设岗情况·中级不能小于0")], []),
    (setting("awaiting.full_senior", 10000),
     [(("awaiting", "full_senior"), "待聘情况·正高不能大于9999")], []),
    (setting("vacant.associate_senior", "4"), [(("vacant", "associate_senior"), "空岗情况·副高应为整数")],
     []),
    (setting("appointed.intermediate", 318.5),
     [(("appointed", "intermediate"), "已聘情况·中级应为整数")], []),
    (setting("posts.full_senior", True), [(("posts", "full_senior"), "设岗情况·正高应为整数")], []),
    (setting("year", NEXT_YEAR + 1), [(("year",), f"年度不能晚于{NEXT_YEAR}年")], []),
    (setting("year", 1900), [(("year",), "年度不能小于1949")], []),
    (setting("unit", ""), [(("unit",), "填报单位不能为空")], []),
    (setting("date", "2024-02-30"), [(("date",), "填报时间不是存在的日期：2024-02-30")], []),
    (setting("applicants.0.level", "高级"),
     [(("applicants", 0, "level"), "申报级别只能是：中级、副高、正高")], []),
    (setting("applicants.1.route", "破格"),
     [(("applicants", 1, "route"), "申报方式只能是：空岗申报、不占岗位申报")], []),
    (setting("applicants.2.name", "=HYPERLINK(\"http://x.cn\")"),
     [(("applicants", 2, "name"), "姓名含有姓名中不允许的字符「=」")], []),
    (setting("applicants", []), [(("applicants",), "申报人员姓名及专业至少需要1项")], []),
    (setting("posts.extra", 1), [(("posts", "extra"), "“extra”不是本表的字段")], []),
    # what a box cannot hold continues on a 附页: only the schema's limits refuse
    (setting("supervisor_opinion", "同" * 151),
     [(("supervisor_opinion",), "主管部门审核意见不能超过150个字")], []),
    (setting("supervisor_opinion", "审" * 150), [], []),
    (setting("personnel_opinion", "同意。\n" * 4), [], []),
    (many_applicants(500), [], []),
    (many_applicants(501), [(("applicants",), "申报人员姓名及专业最多只能有500项")], []),
]


@pytest.mark.parametrize("change, errors, warnings", RULES)
def test_validation(client, change, errors, warnings):
    data = copy.deepcopy(sample("post-quota"))
    change(data)
    result = client.post(f"{URL}/validate", json=data).get_json()
    assert [(tuple(e["loc"]), e["msg"]) for e in result["errors"]] == errors
    assert [(tuple(w["loc"]), w["msg"]) for w in result["warnings"]] == warnings


def test_sample_has_no_findings(client):
    assert client.post(f"{URL}/validate", json=sample("post-quota")).get_json() == {
        "errors": [], "warnings": []}


@pytest.mark.parametrize("extension", ["pdf", "docx", "xlsx"])
def test_render_carries_the_warnings_in_a_header(client, extension):
    data = sample("post-quota")
    data["vacant"]["intermediate"] = 7
    response = client.post(f"{URL}/render?format={extension}", json=data)
    assert response.status_code == 200
    assert json.loads(response.headers["X-Formsvc-Warnings"]) == [
        {"loc": ["vacant", "intermediate"], "msg": "空岗情况·中级为7，与设岗减已聘（326－318＝8）不符"}
    ]


def test_a_wrong_total_is_a_422_naming_the_cell_and_no_file(client):
    data = sample("post-quota")
    data["vacant"]["total"] = 15
    response = client.post(f"{URL}/render?format=xlsx", json=data)
    assert response.status_code == 422
    assert response.mimetype == "application/json"
    assert response.get_json()["errors"] == [
        {"loc": ["vacant", "total"], "msg": "空岗情况·合计应为14（中级8＋副高4＋正高2），填写的是15"}
    ]


def test_boxes_filled_to_capacity_still_fit_one_page(client):
    data = sample("post-quota")
    many_applicants(26)(data)
    data["unit"] = "咸宁市" + "中心医院" * 9 + "院"  # 40 characters: two lines
    data["supervisor_opinion"] = "审" * 91  # 空两格, then three lines of 31
    data["personnel_opinion"] = "核" * 91
    for row in ("posts", "vacant"):
        data[row]["associate_senior"] = data[row]["full_senior"] = 9999
    data["vacancy_applications"]["associate_senior"] = 0
    pages = pdf_text(render(client, data, "pdf"))
    assert len(pages) == 1
    page = flat(pages[0])
    assert "、".join(["王小明（护理学）"] * 26) in page
    assert "核" * 91 + "（盖章）" in page
    assert flat(NOTES[2]) in page
    assert "附页" not in page


def continued(box: str, annex: str, marker: str, heading: str) -> str:
    """The text of a box and its 附页 joined again, without the marker and the heading."""
    assert box.endswith(marker), box[-40:]
    assert annex.startswith(heading), annex[:40]
    return box[:-len(marker)] + annex[len(heading):]


def test_300_applicants_and_the_longest_opinions_continue_on_附页(client):
    data = sample("post-quota")
    levels = ("中级", "副高", "正高")
    data["applicants"] = [
        {"name": f"欧阳{'振华明远思琪建国'[i % 8]}{'甲乙丙丁戊己庚辛壬癸'[i % 10]}",
         "speciality": "临床医学检验技术", "level": levels[i % 3],
         "route": "不占岗位申报" if i % 7 == 0 else "空岗申报"}
        for i in range(300)
    ]
    data["supervisor_opinion"] = "经审核，" + "同意推荐" * 36 + "。"
    data["personnel_opinion"] = "核" * 150
    form = PostQuotaForm.model_validate(data)
    listed = flat("".join(applicant_lines(form.applicants)))
    content = render(client, data, "pdf")
    save_artifact("post-quota-300.pdf", content)
    first, *annexes = [flat(page) for page in pdf_text(content)]
    box = first[first.index("申报人员姓名及专业") + 9:first.index("主管部门审核意见")]
    annex = "".join(annexes)
    one, two, three = (annex.index(f"附页{n}") for n in (1, 2, 3))
    assert continued(box, annex[one:two], "（续见附页1）", "附页1申报人员姓名及专业（续）") == listed
    start = first.index("主管部门审核意见") + 8
    supervisor = first[start:first.index("（盖章）", start)]
    assert continued(supervisor, annex[two:three], "（续见附页2）", "附页2主管部门审核意见（续）") \
        == data["supervisor_opinion"]
    assert annex[three:].startswith("附页3事业单位人事管理部门审核意见（续）")
    document = Document(io.BytesIO(render(client, data, "docx")))
    paragraphs = [p.text for p in document.paragraphs]
    assert [p for p in paragraphs if p.startswith("附页")] == ["附页1", "附页2", "附页3"]
    cell = document.tables[0].cell(7, 2)
    assert cell.paragraphs[-1].text == "（续见附页1）"
    annex_one = paragraphs[paragraphs.index("附页1") + 2:paragraphs.index("附页2")]
    assert flat("".join(p.text for p in cell.paragraphs[:-1]) + "".join(annex_one)) == listed
    # the sheet takes the whole list in its box, grown over several rows beside one label
    sheet = load_workbook(io.BytesIO(render(client, data, "xlsx"))).active
    label = next(r for r in sheet.merged_cells.ranges if (r.min_row, r.min_col) == (11, 1))
    assert (label.max_col, sheet["A11"].value) == (2, "申报人员姓名及专业")
    rows = range(11, label.max_row + 1)
    assert len(rows) > 1
    assert flat("".join(sheet.cell(row, 3).value for row in rows)) == listed


def test_hostile_text_is_printed_literally(client, caplog):
    data = sample("post-quota")
    data["unit"] = '<img src="file:///etc/passwd">'
    data["applicants"][0]["speciality"] = "<script>alert(1)</script>"
    data["supervisor_opinion"] = '=HYPERLINK("http://x.cn","点我"){{ 7*7 }}'
    page = flat(pdf_text(render(client, data, "pdf"))[0])
    assert flat('填报单位（盖章）：<img src="file:///etc/passwd">') in page
    assert "王晓梅（<script>alert(1)</script>）" in page
    assert flat(data["supervisor_opinion"]) in page
    assert "root:x:0:0" not in page
    assert "print refused" not in caplog.text  # never even asked for: the markup stayed text
    text = docx_text(render(client, data, "docx"))
    for value in (data["unit"], "<script>alert(1)</script>", data["supervisor_opinion"]):
        assert value in text
    sheet = load_workbook(io.BytesIO(render(client, data, "xlsx"))).active
    opinion = sheet["C12"]
    assert opinion.value == data["supervisor_opinion"]
    assert opinion.data_type == "s" and opinion.quotePrefix
