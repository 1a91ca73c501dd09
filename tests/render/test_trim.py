"""A page cut out alone carries only its own glyphs, renumbered, and still looks and reads the same."""

from __future__ import annotations

import io

import pypdfium2
import weasyprint
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from formsvc.render.compose import single_pages, underlay

NAMES = ("龚䶮", "欧阳娜娜", "司马懿", "诸葛亮", "李龑")


def composed() -> bytes:
    """A chunk as bulk printing makes it: a shared layer, and a page per person in two faces."""
    layer = weasyprint.HTML(string="<html><body><h2>职称证书 共享层</h2></body></html>").write_pdf()
    body = "".join(
        f"<section style='break-after: page'><h1>证书 {i}</h1><p>{name} 工程师 Résumé</p>"
        f"<p style='font-family: serif'>批准文号 武职改办〔2019〕{i}号</p></section>"
        for i, name in enumerate(NAMES)
    )
    return underlay(layer, weasyprint.HTML(string=f"<html><body>{body}</body></html>").write_pdf())


def font_programs(pdf: bytes) -> list[TTFont]:
    reader = PdfReader(io.BytesIO(pdf))
    programs = []
    for number in range(1, len(reader.xref[0]) + 1):
        obj = reader.get_object(number)
        if hasattr(obj, "get") and obj.get("/Type") == "/FontDescriptor":
            for key in ("/FontFile2", "/FontFile3"):
                if key in obj:
                    programs.append(TTFont(io.BytesIO(obj[key].get_data())))
    return programs


def pixels(pdf: bytes, index: int = 0) -> bytes:
    return pypdfium2.PdfDocument(pdf)[index].render(scale=1.5).to_pil().tobytes()


def test_each_single_draws_and_reads_exactly_as_its_page_of_the_chunk():
    chunk = composed()
    singles = list(single_pages(chunk))
    assert len(singles) == len(NAMES)
    whole = PdfReader(io.BytesIO(chunk))
    for index, single in enumerate(singles):
        # the same pixels in a second engine: every glyph id was renumbered with its font
        assert pixels(single) == pixels(chunk, index)
        page = PdfReader(io.BytesIO(single)).pages[0]
        assert page.extract_text() == whole.pages[index].extract_text()
        assert NAMES[index] in pypdfium2.PdfDocument(single)[0].get_textpage().get_text_range()


def test_a_single_carries_its_own_glyphs_only():
    chunk = composed()
    chunk_glyphs = sum(len(f.getGlyphOrder()) for f in font_programs(chunk))
    for index, single in enumerate(single_pages(chunk)):
        programs = font_programs(single)
        assert programs
        glyphs = sum(len(f.getGlyphOrder()) for f in programs)
        # every face holds .notdef and the characters shown: the layer's, the page's own
        shown = f"证书 {index}{NAMES[index]} 工程师 Résumé批准文号 武职改办〔2019〕{index}号职称证书 共享层"
        own = set(shown) - {" "}
        assert glyphs <= len(own) + 2 * len(programs), (glyphs, len(own), len(programs))
        assert glyphs < chunk_glyphs
        # ids are dense: no face carries empty entries up to a high glyph id
        for program in programs:
            assert program["maxp"].numGlyphs == len(program.getGlyphOrder()) < 64


def test_a_pdf_weasyprint_wrote_is_cut_the_same_way():
    pdf = weasyprint.HTML(string="<p>无共享层 龚䶮</p>").write_pdf()
    (single,) = single_pages(pdf)
    assert "龚䶮" in PdfReader(io.BytesIO(single)).pages[0].extract_text()
    assert pixels(single) == pixels(pdf)
    assert len(single) < len(pdf)
