"""The streaming PDF writer: pages in order, readable by two PDF engines, nothing half-written."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import weasyprint
from pypdf import PdfReader

from formsvc.jobs.merge import StreamingPdfWriter


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
    from formsvc.jobs.merge import single_pages

    singles = list(single_pages(chunk("s", 3)))
    assert len(singles) == 3
    for index, single in enumerate(singles):
        reader = PdfReader(io.BytesIO(single))
        assert len(reader.pages) == 1
        assert reader.pages[0].extract_text().startswith(f"证书 s-{index}")
        assert len(pypdfium2.PdfDocument(single)) == 1
