"""The streaming PDF writer: pages in order, readable by two PDF engines, nothing half-written."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import weasyprint
from pypdf import PdfReader

from formsvc.render.compose import StreamingPdfWriter


def chunk(label: str, pages: int) -> bytes:
    body = "".join(
        f"<section style='break-after: page'><h1>证书 {label}-{i}</h1><p>龚䶮 工程师</p>"
        f"<svg width='40' height='40'><rect width='20' height='20'/></svg></section>"
        for i in range(pages)
    )
    return weasyprint.HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def test_pages_of_every_chunk_in_order(tmp_path):
    target = tmp_path / "print.pdf"
    with StreamingPdfWriter(target) as writer:
        for label, pages in (("a", 3), ("b", 1), ("c", 4)):
            writer.append(chunk(label, pages))
    expected = [f"证书 {c}-{i}" for c, n in (("a", 3), ("b", 1), ("c", 4)) for i in range(n)]
    texts = [page.extract_text().split("\n")[0] for page in PdfReader(target).pages]
    assert texts == expected
    document = pypdfium2.PdfDocument(target)
    assert len(document) == 8
    assert "龚䶮" in document[7].get_textpage().get_text_range()


def test_a_failed_merge_leaves_no_file(tmp_path):
    target = tmp_path / "print.pdf"
    with pytest.raises(ValueError), StreamingPdfWriter(target) as writer:
        writer.append(chunk("a", 1))
        raise ValueError("chunk 2 failed")
    assert list(tmp_path.iterdir()) == []


def test_single_pages_are_whole_pdfs_of_one_page_each():
    from formsvc.render.compose import single_pages

    singles = list(single_pages(chunk("s", 3)))
    assert len(singles) == 3
    for index, single in enumerate(singles):
        reader = PdfReader(io.BytesIO(single))
        assert len(reader.pages) == 1
        assert reader.pages[0].extract_text().startswith(f"证书 s-{index}")
        assert len(pypdfium2.PdfDocument(single)) == 1


def test_a_background_is_stored_once_and_drawn_beneath_every_page():
    from formsvc.render.compose import underlay

    background = weasyprint.HTML(string="<html><body><p>底纹 共享层</p></body></html>").write_pdf()
    pages = chunk("p", 3)
    layered = underlay(background, pages)
    reader = PdfReader(io.BytesIO(layered))
    assert len(reader.pages) == 3
    forms = set()
    for index, page in enumerate(reader.pages):
        text = page.extract_text()
        assert "底纹共享层" in "".join(text.split()) and f"证书 p-{index}" in text
        forms |= {page["/Resources"]["/XObject"].raw_get(n).idnum for n in page["/Resources"]["/XObject"]
                  if page["/Resources"]["/XObject"][n]["/Subtype"] == "/Form"}
    assert len(forms) == 1
    document = pypdfium2.PdfDocument(layered)
    assert "底纹" in document[2].get_textpage().get_text_range()


def test_a_single_page_carries_only_the_images_it_draws():
    from formsvc.render.compose import single_pages

    png = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (40, 40), (200, 30, 30)).save(png, "PNG")
    import base64

    source = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    html = ("<html><body><section style='break-after: page'>有照片<img src='" + source
            + "'></section><section>无照片</section></body></html>")
    pdf = weasyprint.HTML(string=html).write_pdf()
    with_photo, without = (PdfReader(io.BytesIO(p)) for p in single_pages(pdf))
    assert len(with_photo.pages[0]["/Resources"]["/XObject"]) == 1
    assert "/XObject" not in without.pages[0]["/Resources"]


def test_singles_cut_from_a_composed_pdf_are_whole_and_keep_their_background():
    from formsvc.render.compose import single_pages, underlay

    background = weasyprint.HTML(string="<html><body><p>底纹 共享层</p></body></html>").write_pdf()
    composed = underlay(background, chunk("c", 3))
    singles = list(single_pages(composed))
    assert len(singles) == 3
    for index, single in enumerate(singles):
        reader = PdfReader(io.BytesIO(single))
        assert len(reader.pages) == 1
        text = "".join(reader.pages[0].extract_text().split())
        assert "底纹共享层" in text and f"证书c-{index}" in text
        # a second engine reads it too: the cross-reference table points at whole objects
        assert f"证书 c-{index}" in pypdfium2.PdfDocument(single)[0].get_textpage().get_text_range()
