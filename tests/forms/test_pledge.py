"""诚信承诺书: both formats read back with the notice's wording, one pledge per applicant."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from docx import Document

from ..helpers import docx_text, flat, pdf_text, sample, save_artifact

# 咸职改办〔2024〕12号 附件2, verbatim around the two blanks
OPENING = "本人系"
MIDDLE = "（单位）工作人员，现申报"
PLEDGE = (
    "（专业技术任职资格评审）。本人承诺所提交的所有申报评审资料（包括学历、职称、考试、奖励证书"
    "及论文、业绩证明等材料）均为真实。如提供虚假的申报资料，本人自愿三年内停止申报任职资格，"
    "并接受政府职改部门的处理。"
)


def test_pdf_has_one_page_per_applicant_with_the_official_wording(client):
    data = sample("pledge")
    response = client.post("/api/v1/forms/pledge/render?format=pdf", json=data)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    save_artifact("pledge.pdf", response.data)
    pages = [flat(t) for t in pdf_text(response.data)]
    assert len(pages) == len(data["applicants"])
    for page, applicant in zip(pages, data["applicants"], strict=True):
        assert page.startswith("诚信承诺书")
        assert f"{OPENING}{data['unit']}{MIDDLE}" in page
        assert f"{applicant['series']}系列{applicant['speciality']}专业{applicant['qualification']}" in page
        assert PLEDGE in page
        assert f"承诺人签名：{applicant['name']}" in page
        assert "2024年5月10日" in page


def embedded_fonts(content: bytes) -> dict[str, Any]:
    """Each font a PDF embeds, by its PDF name, read back with fontTools from the font program."""
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    fonts = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            [program] = [descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3")
                         if k in descriptor]
            fonts[str(font["/BaseFont"])] = TTFont(io.BytesIO(program.get_object().get_data()))
    return fonts


def test_pdf_embeds_subset_fonts_its_body_in_a_true_fangsong_face(client):
    response = client.post("/api/v1/forms/pledge/render?format=pdf", json=sample("pledge"))
    fonts = embedded_fonts(response.data)
    # subset fonts carry a six-letter tag: ABCDEF+Name
    assert all(name.lstrip("/")[6] == "+" for name in fonts), fonts
    # the body (仿宋) is FandolFang by the font's own name table, not another face renamed
    [body] = [font for name, font in fonts.items() if name.endswith("+仿宋")]
    assert body["name"].getDebugName(1).startswith("FandolFang")
    assert body["CFF "].cff.fontNames == ["FandolFang-Regular"]
    # the title (宋体, bold) is Noto Serif CJK; 䶮, beyond GB 2312, falls back to the whole face
    families = {font["name"].getDebugName(1) for font in fonts.values()}
    assert "Noto Serif CJK SC" in families
    assert len(response.data) < 200_000


def test_docx_zip_has_one_document_per_applicant_with_east_asian_fonts(client):
    data = sample("pledge")
    response = client.post("/api/v1/forms/pledge/render?format=docx", json=data)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert names == [f"诚信承诺书-{a['name']}.docx" for a in data["applicants"]]
        first = archive.read(names[0])
    save_artifact("pledge.docx", first)
    text = flat(docx_text(first))
    assert f"{OPENING}{data['unit']}{MIDDLE}" in text
    assert PLEDGE in text
    assert "承诺人签名：李䶮" in text
    document = Document(io.BytesIO(first))
    east_asian = set()
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            fonts = run._element.rPr.rFonts if run._element.rPr is not None else None
            if fonts is not None and fonts.get(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
            ):
                east_asian.add(fonts.get(
                    "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"))
    assert {"宋体", "仿宋"} <= east_asian
    # the filled values are underlined in place of the blanks
    underlined = [r.text for p in document.paragraphs for r in p.runs if r.font.underline]
    assert data["unit"] in underlined


def test_single_applicant_docx_is_one_word_file(client):
    data = sample("pledge")
    data["applicants"] = data["applicants"][:1]
    response = client.post("/api/v1/forms/pledge/render?format=docx", json=data)
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "filename*=UTF-8''%E8%AF%9A%E4%BF%A1%E6%89%BF%E8%AF%BA%E4%B9%A6" in \
        response.headers["Content-Disposition"]


@pytest.mark.parametrize("extension", ["pdf", "docx"])
def test_blank_pledge_keeps_room_to_write(client, extension):
    response = client.get(f"/api/v1/forms/pledge/blank?format={extension}")
    assert response.status_code == 200
    text = flat(pdf_text(response.data)[0] if extension == "pdf" else docx_text(response.data))
    assert OPENING in text and PLEDGE in text
    assert "承诺人签名：" in text
    assert text.removesuffix("附件2").endswith("年月日")


def test_blank_pdf_keeps_年月日_and_现申报_whole_on_their_lines(client):
    response = client.get("/api/v1/forms/pledge/blank?format=pdf")
    lines = ["".join(line.split()) for line in pdf_text(response.data)[0].splitlines()]
    assert "年月日" in lines
    assert any(line.startswith("现申报") or "现申报" in line for line in lines)
    # each blank left for handwriting is one piece: the wording around it stays on its line
    assert any(line.startswith("本人系") and line.endswith("（单位）工作人员，") for line in lines)


def test_blank_docx_draws_its_blanks_in_libreoffice_too(client):
    """Underlined ordinary spaces at a line end are not drawn by LibreOffice: the blanks are
    no-break spaces, underlined, and nothing breaks inside them."""
    document = Document(io.BytesIO(client.get("/api/v1/forms/pledge/blank?format=docx").data))
    [pledge] = [p for p in document.paragraphs if p.text.startswith("本人系")]
    blanks = [run.text for run in pledge.runs if run.font.underline]
    assert blanks == ["\u00a0" * 32, "\u00a0" * 32]
    [signature] = [p for p in document.paragraphs if p.text.startswith("承诺人签名：")]
    # room for the pen beside the typed name
    assert signature.text == "承诺人签名：" + "\u00a0" * 20


def test_a_typed_name_leaves_room_to_sign_beside_it(client):
    data = sample("pledge")
    data["applicants"] = data["applicants"][:1]
    response = client.post("/api/v1/forms/pledge/render?format=pdf", json=data)
    label = text_span(response.data, "承诺人签名：")
    name = text_span(response.data, data["applicants"][0]["name"])
    # on one line, with at least five characters of 三号 (16 pt) between label and typed name
    assert abs(label[2] - name[2]) < 1
    assert name[0] - label[1] >= 5 * 16 * 0.95


def text_span(content: bytes, text: str) -> tuple[float, float, float]:
    """Left and right edge and baseline (pt) of the first occurrence of text on the first page."""
    import pypdfium2

    document = pypdfium2.PdfDocument(content)
    try:
        page = document[0].get_textpage()
        found = page.search(text).get_next()
        assert found, text
        index, count = found
        left, bottom, _, _ = page.get_charbox(index)
        _, _, right, _ = page.get_charbox(index + count - 1)
        return left, right, bottom
    finally:
        document.close()


def test_hostile_text_is_printed_literally_and_never_fetched(client, caplog):
    data = sample("pledge")
    data["unit"] = '<img src="file:///etc/passwd">'
    data["applicants"][0]["speciality"] = "<link href=http://x.cn/a>"
    response = client.post("/api/v1/forms/pledge/render?format=pdf", json=data)
    assert response.status_code == 200
    page = flat(pdf_text(response.data)[0])
    assert flat('<img src="file:///etc/passwd">') in page
    assert "root:x:0:0" not in page
    assert "print refused" not in caplog.text  # never even asked for: the markup stayed text
    docx = client.post("/api/v1/forms/pledge/render?format=docx", json=data)
    archive = zipfile.ZipFile(io.BytesIO(docx.data))
    assert '<img src="file:///etc/passwd">' in docx_text(archive.read(archive.namelist()[0]))
