"""贯通个人申报表: both formats read back with every label, the photo in its cell, eligibility, errors."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import io
import json

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from PIL import Image
from pypdf import PdfReader

from formsvc.clock import china_today
from formsvc.dates import official_date
from formsvc.forms.crossover import CANDIDATE_SOURCES, CROSSOVER_DOCUMENT_TYPES, EDUCATION
from formsvc.forms.crossover_eligibility import anniversary

from ..helpers import bomb_png, docx_text, flat, pdf_drawn_images, pdf_text, sample, save_artifact

URL = "/api/v1/forms/crossover-application"
TITLE = "武汉市专业技术人才向高技能人才贯通个人申报表"
# 武人社规〔2022〕2号 附件2, every label in reading order (line breaks of narrow cells removed)
LABELS = (
    "姓名", "性别", "出生年月", "证件类别", "文化程度", "证件号码", "所在单位", "职称系列", "职称专业",
    "职称证书等级", "考生来源", "申报职业技能等级职业(工种)", "申报等级", "承诺书",
)
PLEDGE = "本人承诺，所提交资料和信息全部真实有效，如有弄虚作假，本人愿承担一切后果。"
OPINIONS = ("所在单位意见", "评价机构意见", "市职鉴中心上网意见")
STAMP = "单位（盖章）年月日"
NOTES = (
    "说明：1.本表格一式三份。武汉市职业技能鉴定指导中心、社会培训评价组织、个人各一份。",
    "2.后附专业技术职称证书复印件。",
    "3.证件类型包括身份证、士兵证、军官证、警官证、港澳台证、护照、其他。",
    "4.文化程度分为：博士、研究生、大学本科、大学专科和专科学校、中等专业学校、技校、高级技校、技师学院、"
    "高中、职高、初中、小学。",
    "5.考生来源包括：国有企业、集体企业、私营企业、个体外企、外商投资、港澳台商投资、职业高中、普通技工学校、"
    "高级技工学校、技师学院、职业技术学院、普通中专、普通高中、普通大专、普通大学、研究生院、其他、"
    "下岗失业人员、现役军人、农民工、劳改劳教人员、其他人员、机关事业单位。",
)
TWO_INCH_PT = (35 / 25.4 * 72, 49 / 25.4 * 72)


def photo_bytes(data: dict) -> bytes:
    return base64.b64decode(data["photo"].split(",", 1)[1])


def without_photo(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "photo"}


def jpeg(size=(400, 560), kind="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(out, kind)
    return out.getvalue()


def pdf_images(content: bytes) -> list[tuple[float, ...]]:
    """The matrix of every image drawn on the first page."""
    return [matrix for _xobject, matrix in pdf_drawn_images(content)[0]]


def render(client, data, extension="pdf"):
    return client.post(f"{URL}/render?format={extension}", json=data)


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_is_one_a4_page_with_every_label_the_pledge_opinions_and_notes(client):
    data = sample("crossover-application")
    response = render(client, data)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    save_artifact("crossover-application.pdf", response.data)
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    text = flat(pdf_text(response.data)[0])
    assert text.startswith(TITLE)
    position = 0
    for label in LABELS:  # in the notice's order
        found = text.find(label, position)
        assert found >= 0, label
        position = found
    assert PLEDGE in text and "本人签名：2024年6月12日" in text
    for opinion in OPINIONS:
        assert f"{opinion}{STAMP}" in text
    assert "".join(NOTES) in text
    for value in ("刘䶮", "男", "1988年3月", "身份证", "大学本科", "420106198803150415",
                  "武汉重型机床集团有限公司", "工程", "机械制造及其自动化", "中级", "国有企业",
                  "机床装调维修工", "一级/高级技师"):
        assert value in text
    assert "2019年12月20日" not in text  # 取得职称时间 has no box on the form
    assert "(照片)" not in text


def test_pdf_draws_the_photo_as_a_two_inch_image_in_the_top_right_cell(client):
    data = sample("crossover-application")
    response = render(client, data)
    drawn = pdf_images(response.data)
    assert len(drawn) == 1
    a, b, c, d, x, y = drawn[0]
    assert (a, d) == pytest.approx(TWO_INCH_PT, abs=0.5)  # 35 × 49 mm
    assert b == c == 0
    page = PdfReader(io.BytesIO(response.data)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert x > width * 0.7 and x + a < width - 20 / 25.4 * 72  # right column, inside the margin
    assert y > height * 0.6  # the top rows
    image = page.images[0].image
    assert image.format == "JPEG" and image.size == (260, 364)


def test_pdf_page_looks_like_a_form(client):
    """Rasterise the page: the photo's pixels sit in the top right, the rest is black on white."""
    import pypdfium2 as pdfium

    response = render(client, sample("crossover-application"))
    picture = pdfium.PdfDocument(response.data)[0].render(scale=1).to_pil().convert("RGB")
    save_artifact("crossover-application.png", _png(picture))
    width, height = picture.size
    # the sample photo's shirt colour (70, 82, 100) in the photo box at the top right
    photo_area = picture.crop((int(width * 0.7), int(height * 0.1), width, int(height * 0.3)))
    assert any(abs(r - 70) < 15 and abs(g - 82) < 15 and abs(b - 100) < 15
               for _, (r, g, b) in photo_area.getcolors(1 << 16))
    # elsewhere only black, white and the greys of anti-aliasing
    rest = picture.crop((0, int(height * 0.35), width, height))
    assert all(max(c) - min(c) < 40 for _, c in rest.getcolors(1 << 16))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- DOCX ------------------------------------------------------------------------------------


def test_docx_is_a_word_table_with_the_notices_merges_and_the_photo_in_its_cell(client):
    data = sample("crossover-application")
    response = render(client, data, "docx")
    assert response.status_code == 200, response.get_json()
    assert response.mimetype.endswith("wordprocessingml.document")
    save_artifact("crossover-application.docx", response.data)
    document = Document(io.BytesIO(response.data))
    assert document.paragraphs[0].text == TITLE
    (grid,) = document.tables
    assert len(grid.rows) == 11 and len(grid.columns) == 7
    cell = grid.cell
    # the photo cell spans the first four rows of the last column
    last = [grid.rows[r]._tr.tc_lst[-1].tcPr.find(qn("w:vMerge")) for r in range(5)]
    assert last[0].get(qn("w:val")) == "restart"
    assert all(v is not None and v.get(qn("w:val")) in (None, "continue") for v in last[1:4])
    assert last[4] is None
    assert cell(3, 6)._tc is cell(0, 6)._tc
    # horizontal merges, row by row as the notice has them
    for row, first, last in ((1, 1, 3), (2, 1, 5), (3, 1, 5), (4, 1, 4), (5, 1, 4), (6, 1, 4),
                             (7, 1, 6), (8, 1, 6), (9, 1, 6), (10, 1, 6)):
        assert cell(row, first)._tc is cell(row, last)._tc, (row, first, last)
    labels = {(0, 0): "姓名", (0, 2): "性别", (0, 4): "出生\n年月", (1, 0): "证件类别",
              (1, 4): "文化\n程度", (2, 0): "证件号码", (3, 0): "所在单位", (4, 0): "职称系列",
              (4, 5): "职称专业", (5, 0): "职称证书\n等级", (5, 5): "考生来源",
              (6, 0): "申报职业技能\n等级职业\n(工种)", (6, 5): "申报\n等级", (7, 0): "承诺书",
              (8, 0): "所在单位\n意见", (9, 0): "评价机构\n意见", (10, 0): "市职鉴\n中心上网\n意见"}
    for (row, column), label in labels.items():
        assert cell(row, column).text == label
    values = {(0, 1): "刘䶮", (0, 3): "男", (0, 5): "1988年3月", (1, 1): "身份证", (1, 5): "大学本科",
              (2, 1): "420106198803150415", (3, 1): "武汉重型机床集团有限公司", (4, 1): "工程",
              (4, 6): "机械制造及其自动化", (5, 1): "中级", (5, 6): "国有企业", (6, 1): "机床装调维修工",
              (6, 6): "一级/高级技师"}
    for (row, column), value in values.items():
        assert cell(row, column).text == value
    assert flat(cell(7, 1).text) == flat(PLEDGE + "本人签名：2024年6月12日")
    for row in (8, 9, 10):
        assert flat(cell(row, 1).text) == STAMP
    notes = [p.text for p in document.paragraphs[1:] if p.text]
    assert [flat(n) for n in notes] == [flat(n) for n in NOTES]

    # the photo: an image part of the package, drawn inline in the photo cell at 35 mm wide
    drawings = cell(0, 6)._tc.findall(f".//{qn('w:drawing')}")
    assert len(drawings) == 1
    extent = drawings[0].find(f".//{qn('wp:extent')}")
    assert int(extent.get("cx")) == pytest.approx(Mm(35), abs=Mm(0.1))
    assert int(extent.get("cy")) == pytest.approx(Mm(49), abs=Mm(0.1))
    blip = drawings[0].find(f".//{qn('a:blip')}")
    part = document.part.related_parts[blip.get(qn("r:embed"))]
    assert part.content_type == "image/jpeg"
    image = Image.open(io.BytesIO(part.blob))
    assert image.format == "JPEG" and image.size == (260, 364)
    assert "(照片)" not in docx_text(response.data)
    assert len(document.inline_shapes) == 1


@pytest.mark.parametrize("extension", ["pdf", "docx"])
def test_blank_form_has_an_empty_photo_box_and_room_to_write(client, extension):
    response = client.get(f"{URL}/blank?format={extension}")
    assert response.status_code == 200
    if extension == "pdf":
        assert len(PdfReader(io.BytesIO(response.data)).pages) == 1
        assert pdf_images(response.data) == []
        text = flat(pdf_text(response.data)[0])
    else:
        assert len(Document(io.BytesIO(response.data)).inline_shapes) == 0
        text = flat(docx_text(response.data))
    assert "(照片)" in text
    for label in (*LABELS, *OPINIONS, PLEDGE, "本人签名：年月日", *NOTES):
        assert flat(label) in text
    if extension == "pdf":
        assert text.count(STAMP) == 3
    else:
        table = Document(io.BytesIO(response.data)).tables[0]
        assert [flat(table.cell(row, 1).text) for row in (8, 9, 10)] == [STAMP] * 3


def test_without_a_photo_the_filled_form_keeps_the_empty_box(client):
    data = without_photo(sample("crossover-application"))
    pdf = render(client, data)
    assert pdf.status_code == 200
    assert pdf_images(pdf.data) == [] and "(照片)" in flat(pdf_text(pdf.data)[0])
    docx = render(client, data, "docx")
    assert "(照片)" in docx_text(docx.data)


def test_notes_3_to_5_are_the_value_lists_the_form_accepts():
    assert NOTES[2] == f"3.证件类型包括{'、'.join(CROSSOVER_DOCUMENT_TYPES)}。"
    assert NOTES[3] == f"4.文化程度分为：{'、'.join(EDUCATION)}。"
    assert NOTES[4] == f"5.考生来源包括：{'、'.join(CANDIDATE_SOURCES)}。"


# --- the photo, as JSON or as a file ---------------------------------------------------------


def multipart(client, data: dict, files: dict, action="render?format=pdf"):
    body = {"data": json.dumps(data, ensure_ascii=False)}
    body.update({name: (io.BytesIO(content), filename) for name, (content, filename) in files.items()})
    return client.post(f"{URL}/{action}", data=body, content_type="multipart/form-data")


def test_a_photo_uploaded_as_a_file_prints_like_the_same_photo_in_json(client):
    data = sample("crossover-application")
    from_json = render(client, data)
    from_file = multipart(client, without_photo(data), {"photo": (photo_bytes(data), "照片.jpg")})
    assert from_file.status_code == 200, from_file.get_json()
    json_image = PdfReader(io.BytesIO(from_json.data)).pages[0].images[0].data
    file_image = PdfReader(io.BytesIO(from_file.data)).pages[0].images[0].data
    assert json_image == file_image
    docx = multipart(client, without_photo(data), {"photo": (photo_bytes(data), "p.png")},
                     "render?format=docx")
    assert len(Document(io.BytesIO(docx.data)).inline_shapes) == 1


def test_multipart_validate_and_a_png_named_jpg(client):
    data = without_photo(sample("crossover-application"))
    png = jpeg(kind="PNG")
    response = multipart(client, data, {"photo": (png, "photo.jpg")}, "validate")
    assert response.status_code == 200
    assert response.get_json()["errors"] == []
    rendered = multipart(client, data, {"photo": (png, "photo.jpg")})
    assert Image.open(io.BytesIO(PdfReader(io.BytesIO(rendered.data)).pages[0].images[0].data)) \
        .format == "JPEG"


def test_an_empty_file_input_means_no_photo(client):
    # what a browser sends for a file input left empty
    response = multipart(client, without_photo(sample("crossover-application")), {"photo": (b"", "")})
    assert response.status_code == 200
    assert pdf_images(response.data) == []


def _gif() -> bytes:
    return jpeg(kind="GIF")


def _truncated() -> bytes:
    raw = jpeg((1200, 1680))
    return raw[: len(raw) // 2]


@pytest.mark.parametrize("how", ["json", "multipart"])
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"just some text", "照片不是有效的 JPEG 或 PNG 图片（无法解码，文件可能已损坏）"),
        (_gif, "照片只能是 JPEG 或 PNG 图片（收到的是 GIF 文件）"),
        (_truncated, "照片不是有效的 JPEG 或 PNG 图片（无法解码，文件可能已损坏）"),
        (lambda: bomb_png(30000), "照片像素过多，不能超过 2500 万像素"),
        (lambda: jpeg() + b"\0" * (10 * 1024 * 1024), "照片不能超过 2 MB"),
    ],
    ids=["not-an-image", "gif", "truncated-jpeg", "decompression-bomb", "10-mb"],
)
def test_bad_photos_are_a_422_naming_the_photo_and_nothing_is_rendered(client, how, make, message):
    data = without_photo(sample("crossover-application"))
    raw = make()
    if how == "json":
        data["photo"] = "data:image/jpeg;base64," + base64.b64encode(raw).decode()
        response = render(client, data)
    else:
        response = multipart(client, data, {"photo": (raw, "photo.jpg")})
    assert response.status_code == 422
    assert "Content-Disposition" not in response.headers
    (error,) = response.get_json()["errors"]
    assert error["loc"] == ["photo"]
    assert error["msg"].startswith(message)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"photo": (b"x", "a.jpg")}, 400, "multipart 请求缺少 data 部分（表单数据的 JSON）"),
        ({"data": "{oops", }, 400, "data 部分：JSON 格式错误：第 1 行第 2 列（字段名应使用双引号）"),
        ({"data": "{}", "picture": (b"x", "a.jpg")}, 400, "不认识的上传文件字段：picture（可上传：photo）"),
        ({"data": "{}", "note": "hi"}, 400, "不认识的表单字段：note（只接受 data 和上传文件）"),
        ({"data": '{"photo": "AAAA"}', "photo": (b"x", "a.jpg")}, 400,
         "photo 既在 data 中又作为文件上传，只能二选一"),
        ({"data": "[1]", "photo": (b"x", "a.jpg")}, 400, "data 部分应为 JSON 对象"),
        ({"data": "{}", "photo": (b"\0" * (17 * 1024 * 1024), "big.jpg")}, 413, "上传内容过大（上限 16 MB）"),
    ],
    ids=["no-data", "bad-json", "unknown-file", "unknown-field", "photo-twice", "data-not-object",
         "over-16-mb"],
)
def test_malformed_multipart_is_refused_precisely(client, body, status, message):
    files = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in body.items()}
    response = client.post(f"{URL}/render?format=pdf", data=files, content_type="multipart/form-data")
    assert response.status_code == status
    assert response.get_json()["errors"][0]["msg"] == message


def test_other_content_types_are_a_415_naming_both_accepted(client):
    response = client.post(f"{URL}/render?format=pdf", data=b"x", content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json()["errors"][0]["msg"] == (
        "请求内容类型应为 application/json 或 multipart/form-data，收到的是 text/plain")


def test_forms_without_uploads_still_refuse_multipart(client):
    response = client.post("/api/v1/forms/pledge/render", data={"data": "{}"},
                           content_type="multipart/form-data")
    assert response.status_code == 415


# --- validation and eligibility --------------------------------------------------------------


def validate(client, data):
    response = client.post(f"{URL}/validate", json=data)
    assert response.status_code == 200
    return response.get_json()


def test_validate_reports_eligibility_with_the_clauses(client):
    result = validate(client, sample("crossover-application"))
    assert result["errors"] == [] and result["warnings"] == []
    assert result["eligibility"] == [
        {"level": "二级/技师", "name": "技师", "clause": "三(二)2", "reason": "取得中级职称"},
        {"level": "一级/高级技师", "name": "高级技师", "clause": "三(二)3",
         "reason": "中级职称2019年12月20日取得，已满3年"},
    ]
    assert result["eligibility_summary"].endswith("可申报技师（三(二)2）、高级技师（三(二)3）")


def test_other_forms_answer_validate_without_eligibility(client):
    result = client.post("/api/v1/forms/pledge/validate", json=sample("pledge")).get_json()
    assert set(result) == {"errors", "warnings"}


@pytest.mark.parametrize(
    ("days_after_anniversary", "ok"), [(0, True), (-1, False)], ids=["exactly-3-years", "a-day-short"]
)
def test_the_3_year_boundary_as_of_today(client, days_after_anniversary, ok):
    today = china_today()  # the day the service judges by: Beijing's, not the server's
    obtained = today.replace(year=today.year - 3) if (today.month, today.day) != (2, 29) \
        else dt.date(today.year - 3, 3, 1)
    assert anniversary(obtained, 3) <= today
    obtained -= dt.timedelta(days=days_after_anniversary)
    data = {**sample("crossover-application"), "title_obtained": obtained.isoformat()}
    result = validate(client, data)
    if ok:
        assert result["errors"] == []
        assert [e["clause"] for e in result["eligibility"]] == ["三(二)2", "三(二)3"]
    else:
        assert [e["loc"] for e in result["errors"]] == [["level"]]
        assert [e["clause"] for e in result["eligibility"]] == ["三(二)2"]


def test_a_level_above_the_rule_is_an_error_on_the_level_and_blocks_rendering(client):
    obtained = china_today() - dt.timedelta(days=400)
    data = {**sample("crossover-application"), "title_grade": "助理级",
            "title_obtained": obtained.isoformat(), "level": "二级/技师"}
    result = validate(client, data)
    assert result["errors"] == [{
        "loc": ["level"],
        "msg": "申报等级超出贯通条件：申报技师须取得助理级职称满3年或取得中级职称（三(二)2）；"
               f"现为助理级职称，{official_date(obtained)}取得，不满3年，最高可申报高级工",
    }]
    assert result["eligibility"] == [
        {"level": "三级/高级工", "name": "高级工", "clause": "三(二)1", "reason": "取得助理级职称"}]
    response = render(client, data)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["loc"] == ["level"]
    assert "Content-Disposition" not in response.headers


def test_without_the_title_date_a_level_needing_3_years_is_a_warning_to_check(client):
    data = {**sample("crossover-application"), "title_obtained": None}
    result = validate(client, data)
    assert result["errors"] == []
    assert result["warnings"] == [{
        "loc": ["level"],
        "msg": "申报等级需核对取得职称时间：申报高级技师须取得中级职称满3年或取得高级（副高级、正高级）"
               "职称（三(二)3）；现为中级职称，未填写取得职称时间，最高可申报技师",
    }]
    response = render(client, data)
    assert response.status_code == 200
    assert json.loads(response.headers["X-Formsvc-Warnings"])[0]["loc"] == ["level"]
    # a level no date could open stays an error
    data["level"] = "一级/高级技师"
    data["title_grade"] = "助理级"
    assert [e["loc"] for e in validate(client, data)["errors"]] == [["level"]]


@pytest.mark.parametrize(
    ("change", "loc", "message"),
    [
        ({"id_number": "420106198803150416"}, "id_number", "证件号码校验位错误"),
        ({"gender": "女"}, "gender", "性别与证件号码不符（证件号码表明为男）"),
        ({"birth_month": "1988-04"}, "birth_month", "出生年月与证件号码不符（证件号码表明为1988年3月15日）"),
        ({"birth_month": "1988-13"}, "birth_month", "出生年月月份不存在：13"),
        ({"birth_month": "2999-01"}, "birth_month", "出生年月不合理：2999年1月"),
        ({"birth_month": "三月"}, "birth_month",
         "出生年月格式无法识别：三月（应为 YYYY-MM、YYYY年M月 或完整日期）"),
        ({"birth_month": "1988-02-30"}, "birth_month", "出生年月不是存在的日期：1988-02-30"),
        ({"birth_month": 198803}, "birth_month", "出生年月应为年月（如 1986-05 或 1986年5月）"),
        ({"document_type": "护照", "id_number": "E12345678", "gender": None}, "gender",
         "证件类型不是身份证时，性别为必填项"),
        ({"document_type": "居民身份证"}, "document_type",
         "证件类别只能是：身份证、士兵证、军官证、警官证、港澳台证、护照、其他"),
        ({"education": "本科"}, "education", "文化程度只能是：" + "、".join(EDUCATION)),
        ({"title_grade": "高级"}, "title_grade", "职称证书等级只能是：助理级、中级、副高级、正高级"),
        ({"level": "技师"}, "level",
         "申报等级只能是：一级/高级技师、二级/技师、三级/高级工、四级/中级工、五级/初级工、无级别"),
        ({"title_obtained": "1987-01-01"}, "title_obtained", "取得职称时间应晚于出生年月"),
        ({"unit": "单" * 41}, "unit", "所在单位不能超过40个字"),
        ({"title_speciality": "专" * 17}, "title_speciality", "职称专业不能超过16个字"),
        ({"occupation": ""}, "occupation", "申报职业技能等级职业（工种）不能为空"),
        ({"name": "=1+1"}, "name", "姓名含有姓名中不允许的字符「=」"),
        ({"signed_on": "2024-02-30"}, "signed_on", "签名日期不是存在的日期：2024-02-30"),
    ],
)
def test_errors_name_the_field(client, change, loc, message):
    data = {**sample("crossover-application"), **change}
    result = validate(client, data)
    assert {"loc": [loc], "msg": message} in result["errors"], result["errors"]


@pytest.mark.parametrize(
    "spelling", ["1988-03", "1988-3", "1988/03", "1988.3", "1988年3月", "1988-03-15", "1988年3月15日"]
)
def test_birth_month_in_every_usual_spelling(client, spelling):
    data = {**sample("crossover-application"), "birth_month": spelling}
    assert validate(client, data)["errors"] == []


def test_a_resident_id_fills_in_gender_and_birth_month(client):
    data = without_photo(sample("crossover-application"))
    data.update(gender=None, birth_month=None)
    response = render(client, data, "docx")
    assert response.status_code == 200, response.get_json()
    table = Document(io.BytesIO(response.data)).tables[0]
    assert (table.cell(0, 3).text, table.cell(0, 5).text) == ("男", "1988年3月")


# --- hostile and extreme text ----------------------------------------------------------------


def test_hostile_text_is_printed_literally_and_never_fetched(client, caplog):
    data = copy.deepcopy(sample("crossover-application"))
    data["unit"] = '<img src="file:///etc/passwd">'
    data["occupation"] = "=HYPERLINK(\"http://x.cn\")"
    data["title_speciality"] = "{{7*7}}{%raw%}"
    pdf = render(client, data)
    assert pdf.status_code == 200, pdf.get_json()
    text = flat(pdf_text(pdf.data)[0])
    for value in (data["unit"], data["occupation"], data["title_speciality"]):
        assert flat(value) in text
    assert "root:x:0:0" not in text and "49" not in text.replace("420106198803150415", "")
    assert "print refused" not in caplog.text
    docx = render(client, data, "docx")
    table = Document(io.BytesIO(docx.data)).tables[0]
    assert table.cell(3, 1).text == data["unit"]
    assert table.cell(6, 1).text == data["occupation"]
    assert table.cell(4, 6).text == data["title_speciality"]


def test_the_longest_values_still_fit_one_page(client):
    data = sample("crossover-application")
    data.update(
        name="阿卜杜热合曼·买买提明·艾力", unit="武汉" + "重型机床集团有限公司" * 3 + "第一二三四分公司",
        title_series="工" * 15, title_speciality="专" * 16, occupation="职" * 30,
        education="大学专科和专科学校", candidate_source="港澳台商投资",
    )
    assert len(data["unit"]) == 40
    pdf = render(client, data)
    assert pdf.status_code == 200, pdf.get_json()
    save_artifact("crossover-application-longest.pdf", pdf.data)
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 1
    text = flat(pdf_text(pdf.data)[0])
    assert data["unit"] in text and "".join(NOTES) in text


def test_schema_carries_the_official_labels(client):
    schema = client.get(f"{URL}/schema").get_json()
    assert schema["title"] == TITLE
    properties = schema["properties"]
    assert properties["occupation"]["title"] == "申报职业技能等级职业（工种）"
    assert properties["title_grade"]["title"] == "职称证书等级"
    assert properties["photo"]["title"] == "照片"
    assert properties["photo"]["anyOf"][0]["contentEncoding"] == "base64"
    assert properties["title_obtained"]["title"] == "取得职称时间"
