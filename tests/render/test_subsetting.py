"""Subsetting from prepared faces embeds the same glyphs as WeasyPrint's own subsetting."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from weasyprint.pdf import fonts as pdf_fonts

from formsvc.render import subsetting

from ..helpers import pdf_text, sample


def embedded_fonts(pdf: bytes) -> dict[str, TTFont]:
    """Each embedded font program by its name without the subset tag."""
    found = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            program = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            found[str(descriptor["/FontName"]).split("+", 1)[1]] = TTFont(
                io.BytesIO(program.get_object().get_data()))
    return found


def glyph_programs(font: TTFont) -> list[list]:
    charstrings = font["CFF "].cff[0].CharStrings
    programs = []
    for name in font.getGlyphOrder():
        charstrings[name].decompile()
        programs.append(charstrings[name].program)
    return programs


def test_prepared_subsets_embed_the_glyphs_weasyprint_embeds(client, monkeypatch):
    data = sample("pledge")
    url = "/api/v1/forms/pledge/render?format=pdf"
    ours = client.post(url, json=data).data
    assert pdf_fonts.Font._harfbuzz_subset is subsetting._harfbuzz_subset
    with monkeypatch.context() as patch:
        patch.setattr(pdf_fonts, "get_hb_object_data", subsetting._original_face_data)
        patch.setattr(pdf_fonts.Font, "_harfbuzz_subset", subsetting._original_subset)
        theirs = client.post(url, json=data).data
    assert pdf_text(ours) == pdf_text(theirs)
    mine, reference = embedded_fonts(ours), embedded_fonts(theirs)
    # 宋体 (title), 仿宋 (body), 黑体 and the whole Noto face for 䶮, beyond GB 2312
    assert set(mine) == set(reference) and len(mine) >= 3
    for name, font in mine.items():
        assert sorted(font.keys()) == sorted(reference[name].keys()), name
        assert font["maxp"].numGlyphs == reference[name]["maxp"].numGlyphs, name
        assert glyph_programs(font) == glyph_programs(reference[name]), name


def test_each_face_is_read_once_per_process(client):
    data = sample("pledge")
    client.post("/api/v1/forms/pledge/render?format=pdf", json=data)
    prepared = dict(subsetting._prepared)
    assert prepared
    client.post("/api/v1/forms/pledge/render?format=pdf", json=data)
    assert subsetting._prepared == prepared


def test_a_bulk_worker_keeps_no_prepared_face_and_embeds_the_same_glyphs(client):
    data = sample("pledge")
    url = "/api/v1/forms/pledge/render?format=pdf"
    prepared = client.post(url, json=data).data
    subsetting.keep_prepared_faces(False)  # as jobs/runners.worker_process does
    try:
        assert not subsetting._prepared
        alone = client.post(url, json=data).data
        assert not subsetting._prepared
    finally:
        subsetting.keep_prepared_faces(True)
    mine, reference = embedded_fonts(alone), embedded_fonts(prepared)
    assert set(mine) == set(reference)
    for name, font in mine.items():
        assert glyph_programs(font) == glyph_programs(reference[name]), name


@pytest.fixture(params=[True, False], ids=["serving", "bulk-worker"])
def keeping(request):
    """A serving process (faces kept prepared) and a bulk job's worker (none kept)."""
    subsetting.keep_prepared_faces(request.param)
    yield request.param
    subsetting.keep_prepared_faces(True)


def test_the_fallback_collection_is_subset_without_being_copied(client, monkeypatch, keeping):
    # pledge's sample names 䶮, beyond GB 2312: printed from the installed Noto collection, in a
    # bulk worker as in a serving process (a rare name in a job's chunk)
    data = sample("pledge")
    url = "/api/v1/forms/pledge/render?format=pdf"
    client.post(url, json=data)
    read: list[int] = []
    original = subsetting._original_face_data

    def counting(hb_object, *args):
        content = original(hb_object, *args)
        if not args and content:
            read.append(len(content))
        return content

    monkeypatch.setattr(subsetting, "_original_face_data", counting)
    pdf = client.post(url, json=data).data
    assert "䶮" in "".join(pdf_text(pdf))
    assert "Noto-Serif-CJK-SC" in embedded_fonts(pdf)
    # only the subsets HarfBuzz made are read, never a whole collection of 20 MB or more
    assert read and max(read) < subsetting.MAX_PREPARED_BYTES


def test_an_unread_face_is_read_when_something_reads_it(client, monkeypatch):
    # a failed one-pass subset leaves it to WeasyPrint's own, which reads the whole face
    monkeypatch.setattr(subsetting, "_subset_unprepared", lambda *args: None)
    pdf = client.post("/api/v1/forms/pledge/render?format=pdf", json=sample("pledge")).data
    assert "䶮" in "".join(pdf_text(pdf))
    assert "Noto-Serif-CJK-SC" in embedded_fonts(pdf)
