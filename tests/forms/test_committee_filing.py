"""职称评审委员会核准备案表: 附件3's four-column table in both formats, and its rules."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from typing import Any

import pytest
from docx import Document

from formsvc.clock import china_today

from ..helpers import docx_runs, flat, pdf_text, sample, save_artifact, setting

URL = "/api/v1/forms/committee-filing"

TITLE = "市职称评审委员会核准备案表"
#: 咸职改办〔2024〕12号 附件3 as its text was extracted: a row a line, cells between tabs, a merged
#: cell's further columns empty; 近三年评审情况 holds the three sentences
NOTICE_TABLE = (
    "评委会名称\t\t\t",
    "评审范围\t\t评审层级\t",
    "组建单位\t\t承办机构\t",
    "通讯地址\t\t联系电话\t",
    "承办机构 主要负责人\t\t职务\t",
    "专家库现有人数\t\t\t",
    "是否制定相应评审办法、管理制度等\t\t\t",
    "近三年评审情况\t{reviews}\t\t",
    "主要做法\t\t\t",
)
LABELS = (
    "评委会名称", "评审范围", "评审层级", "组建单位", "承办机构", "通讯地址", "联系电话",
    "承办机构主要负责人", "职务", "专家库现有人数", "是否制定相应评审办法、管理制度等",
    "近三年评审情况", "主要做法",
)
#: the sample's review years in the notice's sentence form
REVIEWS = (
    "2021 年，评审 412 人，通过 297 人。",
    "2022 年，评审 455 人，通过 318 人。",
    "2023 年，评审 487 人，通过 336 人。",
)
RULES_ANSWER = "是（《评审工作规程》《评审专家管理办法》《评审纪律和回避制度》）"


def render(client, data: Any, extension: str) -> bytes:
    response = client.post(f"{URL}/render?format={extension}", json=data)
    assert response.status_code == 200, response.get_json()
    return response.data


def table_rows(content: bytes) -> list[str]:
    """Each row of the Word table as the notice's text has it: a merged cell's text once."""
    [table] = Document(io.BytesIO(content)).tables
    rows = []
    for row in table.rows:
        seen, texts = set(), []
        for cell in row.cells:
            texts.append("" if cell._tc in seen else cell.text.replace("\n", " "))
            seen.add(cell._tc)
        rows.append("\t".join(texts))
    return rows


def test_pdf_is_one_page_with_every_label_and_value_in_order(client):
    data = sample("committee-filing")
    content = render(client, data, "pdf")
    save_artifact("committee-filing.pdf", content)
    pages = pdf_text(content)
    assert len(pages) == 1
    page = flat(pages[0])
    expected = (
        f"咸宁{TITLE}",
        "评委会名称咸宁市卫生系列中级职称评审委员会",
        "评审范围全市卫生健康系统中级职称评审层级中级",
        "组建单位咸宁市卫生健康委员会承办机构咸宁市卫生健康委员会人事科",
        "通讯地址咸宁市咸安区银泉大道12号联系电话0715-8125306",
        "承办机构主要负责人欧阳振华职务科长",
        "专家库现有人数186人",
        f"是否制定相应评审办法、管理制度等{RULES_ANSWER}",
        "近三年评审情况" + flat("".join(REVIEWS)),
        "主要做法" + flat(data["practice"]),
        # the notice's 附件3, top left in the margin, drawn after the table
        "附件3",
    )
    assert page == "".join(expected)


def test_docx_is_the_notice_table_with_its_merges_and_official_fonts(client):
    data = sample("committee-filing")
    content = render(client, data, "docx")
    save_artifact("committee-filing.docx", content)
    document = Document(io.BytesIO(content))
    assert document.paragraphs[0].text == f"咸宁{TITLE}"
    values = (
        data["name"], (data["scope"], data["level"]), (data["organizer"], data["office"]),
        (data["address"], data["phone"]), (data["head"], data["head_post"]), "186 人",
        RULES_ANSWER, " ".join(REVIEWS), data["practice"].replace("\n", " "),
    )
    expected = []
    for line, value in zip(NOTICE_TABLE, values, strict=True):
        cells = line.replace("{reviews}", "").split("\t")
        if isinstance(value, tuple):
            cells[1], cells[3] = value
        else:
            cells[1] = value
        expected.append("\t".join(cells))
    assert table_rows(content) == expected
    [table] = document.tables
    assert [p.text for p in table.cell(7, 1).paragraphs] == list(REVIEWS)
    assert [p.text for p in table.cell(8, 1).paragraphs] == data["practice"].split("\n")
    runs = docx_runs(content)
    assert runs[0] == (f"咸宁{TITLE}", "宋体", 22.0, True)  # 二号, bold
    assert {font for text, font, _, _ in runs[1:] if text.strip()} == {"仿宋"}
    assert {size for text, _, size, _ in runs if text in LABELS} == {12.0}  # 小四


@pytest.mark.parametrize("extension", ["pdf", "docx"])
def test_blank_form_is_the_notice_table(client, extension):
    response = client.get(f"{URL}/blank?format={extension}")
    assert response.status_code == 200
    # the notice's wording where it fixes it (咸宁市, the years 2021-2023), blanks for the counts
    blank_reviews = [f"{year} 年，评审＿＿＿人，通过＿＿＿人。" for year in (2021, 2022, 2023)]
    if extension == "docx":
        reviews = " ".join(blank_reviews)
        assert table_rows(response.data) == [line.format(reviews=reviews) for line in NOTICE_TABLE]
        text = flat("".join(text for text, *_ in docx_runs(response.data)))
        assert Document(io.BytesIO(response.data)).sections[0].header.paragraphs[0].text == "附件3"
    else:
        pages = pdf_text(response.data)
        assert len(pages) == 1
        # the notice's 附件3, top left, is drawn after the table
        text = flat(pages[0]).removesuffix("附件3")
    assert text == flat(f"咸宁{TITLE}" + "".join(LABELS[:12]) + "".join(blank_reviews) + LABELS[12])


@pytest.mark.parametrize("place, title", [
    ("黄冈市", "黄冈市"), ("黄冈", "黄冈市"), ("恩施土家族苗族自治州", "恩施土家族苗族自治州"),
    ("神农架林区", "神农架林区"), ("克孜勒苏柯尔克孜自治州", "克孜勒苏柯尔克孜自治州"),
])
def test_the_place_is_the_title_with_its_own_suffix(client, place, title):
    data = sample("committee-filing")
    data["city"] = place
    [page] = pdf_text(render(client, data, "pdf"))
    # the title stays on one line, however long the place's name
    assert page.splitlines()[0] == f"{title}职称评审委员会核准备案表"
    document = Document(io.BytesIO(render(client, data, "docx")))
    assert document.paragraphs[0].text == f"{title}职称评审委员会核准备案表"


# --- the rules ---------------------------------------------------------------------------------

def years(*values: int) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        for review, year in zip(data["reviews"], values, strict=True):
            review["year"] = year
    return change


THIS_YEAR = china_today().year

RULES = [
    (setting("phone", "0715-8125306、139 0715 1234"), []),
    (setting("city", "咸宁市"), []),
    (setting("reviews.1.passed", 455), []),
    (setting("reviews.1.passed", 500),
     [(("reviews", 1, "passed"), "2022年通过人数（500）不能多于评审人数（455）")]),
    (years(2021, 2023, 2023),
     [(("reviews", 1, "year"), "近三年评审情况应为连续的三个年度：第2行应为2022年，填写的是2023年")]),
    (years(2023, 2022, 2021),
     [(("reviews", 1, "year"), "近三年评审情况应为连续的三个年度：第2行应为2024年，填写的是2022年"),
      (("reviews", 2, "year"), "近三年评审情况应为连续的三个年度：第3行应为2025年，填写的是2021年")]),
    (years(THIS_YEAR - 1, THIS_YEAR, THIS_YEAR + 1),
     [(("reviews", 2, "year"),
       f"近三年评审情况的年度不能晚于今年（{THIS_YEAR}年），填写的是{THIS_YEAR + 1}年")]),
    (setting("reviews.0.year", "2021"), [(("reviews", 0, "year"), "年度应为整数")]),
    (setting("reviews.0.reviewed", -5), [(("reviews", 0, "reviewed"), "评审人数不能小于0")]),
    (lambda data: data["reviews"].pop(), [(("reviews",), "近三年评审情况至少需要3项")]),
    (lambda data: data["reviews"].append(dict(data["reviews"][-1], year=2024)),
     [(("reviews",), "近三年评审情况最多只能有3项")]),
    (setting("phone", "12345"),
     [(("phone",), "联系电话格式不正确：「12345」（固定电话如 0715-8123456，手机号码如 13907151234）")]),
    (setting("phone", "0715-8125306、0715-8125307、0715-8125308、13907151234"),
     [(("phone",), "联系电话最多填写3个号码")]),
    (setting("phone", ""), [(("phone",), "联系电话不能为空")]),
    (setting("phone", "0715-8125306、0715-8125307、13907151234"), []),
    (setting("rules_adopted", "有"),
     [(("rules_adopted",), "是否制定相应评审办法、管理制度等只能是：是、否")]),
    (setting("experts", 1.5), [(("experts",), "专家库现有人数应为整数")]),
    (setting("experts", 100000), [(("experts",), "专家库现有人数不能大于99999")]),
    (setting("head", "欧阳振华1"), [(("head",), "承办机构主要负责人含有姓名中不允许的字符「1」")]),
    (setting("city", ""), [(("city",), "地名不能为空")]),
    (setting("city", "克" * 17), [(("city",), "地名不能超过16个字")]),
    (lambda data: data.pop("practice"), [(("practice",), "主要做法为必填项")]),
    # every value up to its schema limit prints: the limit is the only one
    (setting("scope", "全" * 24), []),
    (setting("scope", "全" * 25), [(("scope",), "评审范围不能超过24个字")]),
    (setting("name", "会" * 40), []),
    (setting("rules_detail", "《" + "办" * 58 + "》"), []),
    (setting("practice", "做" * 3000), []),
    (setting("practice", "做" * 3001), [(("practice",), "主要做法不能超过3000个字")]),
]


@pytest.mark.parametrize("change, errors", RULES)
def test_validation(client, change, errors):
    data = copy.deepcopy(sample("committee-filing"))
    change(data)
    result = client.post(f"{URL}/validate", json=data).get_json()
    assert [(tuple(e["loc"]), e["msg"]) for e in result["errors"]] == errors
    assert result["warnings"] == []


def test_an_invalid_filing_is_a_422_with_every_error_and_no_file(client):
    data = sample("committee-filing")
    data["reviews"][0]["passed"] = 413
    data["reviews"][2]["passed"] = 488
    response = client.post(f"{URL}/render?format=pdf", json=data)
    assert response.status_code == 422
    assert response.mimetype == "application/json"
    assert [e["loc"] for e in response.get_json()["errors"]] == [
        ["reviews", 0, "passed"], ["reviews", 2, "passed"]]


FULL = {
    "city": "恩施土家族苗族自治州", "name": "会" * 40, "scope": "范" * 24, "level": "层" * 26,
    "organizer": "组" * 24, "office": "承" * 26, "address": "址" * 24,
    "phone": "0715-8125306、0715-8125307、13907151234", "head": "欧阳" * 10, "head_post": "职" * 13,
    "experts": 99999, "rules_detail": "《" + "办" * 58 + "》",
}


def test_every_field_at_its_schema_limit_prints_and_主要做法_continues_on_a_附页(client):
    data = sample("committee-filing")
    data.update(FULL)
    data["practice"] = "\n".join(f"{n}、" + "做" * 198 for n in "一二三四五六七八九十")
    content = render(client, data, "pdf")
    save_artifact("committee-filing-full.pdf", content)
    first, *annex = pdf_text(content)
    page = flat(first).removesuffix("附件3")
    for field, value in FULL.items():
        assert flat(str(value)) in page, field
    # the box holds what it can and says where the rest is; the 附页 carries the rest under the
    # box's label
    assert page.endswith("（续见附页1）")
    assert flat(annex[0]).startswith("附页1主要做法（续）")
    text = flat("".join(annex))
    assert text.endswith("十、" + "做" * 198)
    kept = page[page.index("主要做法") + 4:-len("（续见附页1）")]
    rest = text[len("附页1主要做法（续）"):]
    assert kept + rest == flat(data["practice"])
    document = Document(io.BytesIO(render(client, data, "docx")))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "恩施土家族苗族自治州职称评审委员会核准备案表"
    assert paragraphs[1:3] == ["附页1", "主要做法（续）"]
    assert document.paragraphs[1].paragraph_format.page_break_before
    cell = document.tables[0].cell(8, 1)
    assert cell.paragraphs[-1].text == "（续见附页1）"
    assert flat("".join(p.text for p in cell.paragraphs[:-1]) + "".join(paragraphs[3:])) == \
        flat(data["practice"])


def test_hostile_text_is_printed_literally(client, caplog):
    data = sample("committee-filing")
    data["name"] = '<img src="file:///etc/passwd">'
    data["practice"] = "{{ 7*7 }}\n<script>alert(1)</script>\n=HYPERLINK(\"http://x.cn\")"
    page = flat(pdf_text(render(client, data, "pdf"))[0])
    assert flat('评委会名称<img src="file:///etc/passwd">') in page
    assert flat("主要做法" + data["practice"]) in page
    assert "root:x:0:0" not in page
    assert "print refused" not in caplog.text
    [table] = Document(io.BytesIO(render(client, data, "docx"))).tables
    assert table.cell(0, 1).text == data["name"]
    assert [p.text for p in table.cell(8, 1).paragraphs] == data["practice"].split("\n")
