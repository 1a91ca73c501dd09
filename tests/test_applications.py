"""POST /forms/crossover-summary/applications: a filled 汇总表 becomes every applicant's 个人申报表."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from docx import Document
from PIL import Image

from .helpers import (
    blank_template,
    change_row,
    errors_of,
    fill,
    flat,
    pdf_drawn_images,
    pdf_text,
    sample,
    sample_rows,
    save_artifact,
)

URL = "/api/v1/forms/crossover-summary/applications"
SUMMARY = "crossover-summary"
PLEDGE = "本人承诺，所提交资料和信息全部真实有效，如有弄虚作假，本人愿承担一切后果。"


def summary_sheet(client, edit=None) -> bytes:
    return fill(blank_template(client, SUMMARY), sample_rows(SUMMARY), edit=edit)


def post(client, sheet: bytes | None, fmt: str = "pdf", photos: bytes | None = None, **extra):
    data = {} if sheet is None else {"file": (io.BytesIO(sheet), "汇总表.xlsx")}
    if photos is not None:
        data["photos"] = (io.BytesIO(photos), "照片.zip")
    data.update({k: (io.BytesIO(v), k) for k, v in extra.items()})
    return client.post(f"{URL}?format={fmt}", data=data, content_type="multipart/form-data")


def picture(size=(300, 420), kind="JPEG", colour=(60, 70, 90)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


ROWS = sample(SUMMARY)["rows"]


def test_a_valid_sheet_gives_one_pdf_page_per_applicant_in_sheet_order(client):
    response = post(client, summary_sheet(client))
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    save_artifact("crossover-applications.pdf", response.data)
    pages = [flat(text) for text in pdf_text(response.data)]
    assert len(pages) == len(ROWS)
    for page, row in zip(pages, ROWS, strict=True):
        assert page.startswith("武汉市专业技术人才向高技能人才贯通个人申报表")
        assert flat(row["name"]) in page and row["id_number"] in page
        assert PLEDGE in page and "(照片)" in page
    # the mapping of the first row: 原证书职业 工程-电气工程, 职业名称 电工 (工种 维修电工)
    first = pages[0]
    assert "职称系列工程职称专业电气工程" in first
    assert "职称证书等级中级考生来源国有企业" in first
    assert "电工（维修电工）" in first and "二级/技师" in first
    assert "1990年3月" in first and "男" in first  # from the 身份证 number: the sheet leaves them
    # 王建国 (sheet row 8): 助理级 applying for 技师, the sheet has no title date to check 满3年
    warnings = json.loads(response.headers["X-Formsvc-Warnings"])
    assert [w["loc"] for w in warnings] == [["rows", 8, "级别"]]
    assert warnings[0]["msg"].startswith("第8行（L8）：个人申报表的申报等级需核对取得职称时间：")


def test_docx_is_a_zip_of_word_files_named_in_sheet_order(client):
    response = post(client, summary_sheet(client), "docx")
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert names == [f"贯通个人申报表-{n}-{row['name']}.docx" for n, row in enumerate(ROWS, 4)]
        third = Document(io.BytesIO(archive.read(names[2])))
    table = third.tables[0]
    row = ROWS[2]
    assert table.cell(0, 1).text == row["name"]
    assert table.cell(2, 1).text == row["id_number"]
    assert table.cell(5, 1).text == row["original_level"]
    assert table.cell(6, 6).text == row["level"]
    assert table.cell(0, 6).text == "(照片)"


def test_photos_from_a_zip_named_by_identity_number(client):
    first, third = ROWS[0], ROWS[2]
    photos = zipped({
        f"{first['id_number']}.jpg": picture(),
        f"照片/{third['id_number']}.jpg": picture(kind="PNG"),  # a PNG named .jpg: judged by content
        "__MACOSX/._x.jpg": b"junk",
        "420106198803150415.jpg": picture(),  # nobody in the sheet
    })
    response = post(client, summary_sheet(client), photos=photos)
    assert response.status_code == 200, response.get_json()
    drawn = pdf_drawn_images(response.data)
    assert [len(images) for images in drawn] == [1, 0, 1, 0, 0]
    assert (drawn[0][0][0]["/Width"], drawn[0][0][0]["/Height"]) == (300, 420)
    pages = [flat(text) for text in pdf_text(response.data)]
    assert "(照片)" not in pages[0] and "(照片)" in pages[1]
    warnings = {tuple(w["loc"]): w["msg"] for w in json.loads(response.headers["X-Formsvc-Warnings"])}
    assert warnings[("photos", "420106198803150415.jpg")] == (
        "照片 420106198803150415.jpg 没有对应的申报人员（证件号 420106198803150415）")
    assert warnings[("photos", "__MACOSX/._x.jpg")] == (
        "照片压缩包中的 __MACOSX/._x.jpg 不是以证件号命名的照片，已忽略")
    docx = post(client, summary_sheet(client), "docx", photos=photos)
    with zipfile.ZipFile(io.BytesIO(docx.data)) as archive:
        shapes = [len(Document(io.BytesIO(archive.read(n))).inline_shapes) for n in archive.namelist()]
    assert shapes == [1, 0, 1, 0, 0]


def test_a_sheet_with_errors_is_a_422_with_every_cell_and_nothing_rendered(client):
    edit = [change_row(0, 证件号="420102199003072316"), change_row(2, 职业名称=None)]
    sheet = summary_sheet(client, edit=lambda s, h: [e(s, h) for e in edit])
    response = post(client, sheet)
    assert response.status_code == 422
    assert "Content-Disposition" not in response.headers
    assert errors_of(response) == {
        ("rows", 4, "证件号"): "第4行（D4）：证件号校验位错误",
        ("rows", 6, "职业名称"): "第6行（J6）：职业名称为必填项",
    }


def test_what_the_application_cannot_take_is_reported_at_the_sheet_cell(client):
    edits = [
        change_row(0, 原证书等级="高级"),  # 副高级 or 正高级?
        change_row(1, 原证书职业="工程", 从事专业="计算机软件与理论及其应用技术研究所"),
        change_row(2, 原证书职业="工程", 从事专业=None),
        change_row(3, 原证书等级="助理级", 级别="一级/高级技师"),
        change_row(4, 职业名称="焊工" * 10, 工种名称="电焊工" * 4,
                原证书职业="工程技术研究与开发管理系列专业技术"),
    ]
    sheet = summary_sheet(client, edit=lambda s, h: [e(s, h) for e in edits])
    response = post(client, sheet, "docx")
    assert response.status_code == 422, response.headers
    assert errors_of(response) == {
        ("rows", 4, "原证书等级"):
            "第4行（AE4）：个人申报表的职称证书等级只能是：助理级、中级、副高级、正高级",
        ("rows", 5, "从事专业"): "第5行（P5）：个人申报表的职称专业不能超过16个字",
        ("rows", 6, "从事专业"):
            "第6行（P6）：个人申报表的职称专业取自原证书职业（系列-专业）或从事专业：请填写其一",
        ("rows", 7, "级别"): (
            "第7行（L7）：个人申报表的申报等级超出贯通条件：申报高级技师须取得中级职称满3年或取得高级"
            "（副高级、正高级）职称（三(二)3）；现为助理级职称，未填写取得职称时间，最高可申报高级工"),
        ("rows", 8, "职业名称"): "第8行（J8）：个人申报表的申报职业技能等级职业（工种）不能超过30个字",
        ("rows", 8, "原证书职业"): "第8行（AD8）：个人申报表的职称系列不能超过15个字",
    }


def test_a_bad_photo_names_the_person_and_the_file(client):
    first = ROWS[0]
    out = io.BytesIO()
    Image.new("RGB", (300, 420)).save(out, "GIF")
    photos = zipped({f"{first['id_number']}.jpg": out.getvalue(),
                     f"{ROWS[1]['id_number']}.jpg": picture(),
                     f"x/{ROWS[1]['id_number']}.png": picture()})
    response = post(client, summary_sheet(client), photos=photos)
    assert response.status_code == 422
    assert errors_of(response) == {
        ("photos", f"{first['id_number']}.jpg"):
            f"第4行（李䶮）的照片 {first['id_number']}.jpg：只能是 JPEG 或 PNG 图片（收到的是 GIF 文件）",
        ("photos", f"x/{ROWS[1]['id_number']}.png"):
            f"照片压缩包中证件号 {ROWS[1]['id_number']} 有两张照片："
            f"{ROWS[1]['id_number']}.jpg、x/{ROWS[1]['id_number']}.png",
    }


def test_a_character_print_cannot_draw_stops_the_pdf_but_not_the_docx(client):
    sheet = summary_sheet(client, edit=change_row(1, 姓名="张𒀀"))
    response = post(client, sheet)
    assert response.status_code == 422
    ((loc, message),) = errors_of(response).items()
    assert loc == ("rows", 5, "姓名")
    assert message.startswith("第5行（B5）：个人申报表的姓名中的字符「𒀀」（U+12000）无法打印")
    assert post(client, sheet, "docx").status_code == 200


@pytest.mark.parametrize(
    ("make", "status", "message"),
    [
        (lambda c: post(c, summary_sheet(c), "xlsx"), 404,
         "武汉市专业技术人才向高技能人才贯通个人申报表没有 xlsx 格式（可用：docx、pdf）"),
        (lambda c: post(c, None), 400, "缺少上传的汇总表（.xlsx）（字段名 file）"),
        (lambda c: c.post(URL, json={}), 415,
         "请以 multipart/form-data 上传汇总表（.xlsx）（字段名 file），收到的内容类型是 application/json"),
        (lambda c: post(c, summary_sheet(c), other=b"x"), 400,
         "不认识的上传文件字段：other（只接受 file、photos）"),
        (lambda c: post(c, picture()), 415, "上传的是JPEG 图片，不是 Excel 工作簿（.xlsx）"),
        (lambda c: post(c, summary_sheet(c), photos=picture()), 415,
         "照片压缩包应为 ZIP 文件（照片以证件号命名，如 420106198803150415.jpg）"),
        (lambda c: post(c, summary_sheet(c), photos=zipped({"1.jpg": b"\0" * (40 * 1024 * 1024)})),
         413, "文件疑似“压缩炸弹”"),
    ],
    ids=["no-xlsx-format", "no-file", "json", "unknown-part", "not-a-sheet", "photos-not-zip",
         "photos-zip-bomb"],
)
def test_bad_requests_are_refused_precisely(client, make, status, message):
    response = make(client)
    assert response.status_code == status
    assert response.get_json()["errors"][0]["msg"].startswith(message)


def test_the_route_is_in_the_openapi_document(client):
    from formsvc.web.openapi import _route_paths

    paths = _route_paths(client.application)
    operation = paths["/api/v1/forms/crossover-summary/applications"]["post"]
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["file"] and set(body["properties"]) == {"file", "photos"}
