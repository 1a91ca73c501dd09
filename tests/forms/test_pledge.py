"""诚信承诺书: both formats read back with the seed's wording, one pledge per applicant."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document

from ..conftest import docx_text, flat, pdf_text, sample, save_artifact

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


def test_pdf_embeds_subset_noto_cjk_fonts(client):
    from pypdf import PdfReader

    response = client.post("/api/v1/forms/pledge/render?format=pdf", json=sample("pledge"))
    reader = PdfReader(io.BytesIO(response.data))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"])] = embedded
    assert any("Noto-Serif-CJK-SC" in name for name in fonts), fonts
    assert all(fonts.values()), f"every font must be embedded: {fonts}"
    # subset fonts carry a six-letter tag: ABCDEF+Name
    assert all(name.lstrip("/")[6] == "+" for name in fonts), fonts
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
    assert text.endswith("年月日")


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
