"""Subsetting the print faces from a face prepared once per process.

WeasyPrint (70) embeds each font of a render by copying Pango's whole face into Python (2-6 MB for
the compact CJK faces, formsvc/render/fonts.py) and subsetting it twice with HarfBuzz, each time
from a face it has not seen: the subsetter parses the face's tables afresh on every render, a third
of a one-page form's time. Here the face's bytes are read once, HarfBuzz prepares the face for
repeated subsetting once (hb_subset_preprocess), and each render subsets it in one pass with
WeasyPrint's own settings (glyph ids kept, the glyphs after the last one used dropped, hinting as
asked, the same tables dropped), so the embedded font is the same as before.

A face too large to keep prepared (the installed Noto collection print falls back to for a
character beyond GB 2312, a rare name's 䶮 say) is not copied into Python at all: WeasyPrint copies
the whole 20-27 MB collection on every render only to subset it, which the one pass here does
from Pango's face as it is. The copy is made only if something does read it (a failed subset).

install() replaces two methods of WeasyPrint's Font; the version this was written against is
checked, so that an upgrade falls back to WeasyPrint's own code instead of misbehaving.
"""

from __future__ import annotations

import threading
from typing import Any

import uharfbuzz as hb
import weasyprint
from weasyprint.pdf import fonts as pdf_fonts
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

#: the WeasyPrint whose Font internals this module knows
WEASYPRINT_VERSION = "70."
#: faces up to this size are kept prepared: the compact faces (2-6 MB each). The installed Noto
#: collections (a fallback for characters beyond GB 2312, 20-60 MB) are left to WeasyPrint's own
#: code, so that no process, a bulk worker's least of all, holds them in memory for good
MAX_PREPARED_BYTES = 16 * 1024 * 1024
#: the tables WeasyPrint drops from every embedded face (weasyprint/pdf/fonts.py)
DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT",
                  "SVG ")


class _Prepared:
    """One face's bytes and the HarfBuzz face prepared for subsetting, kept with Pango's blob
    (referenced, so that its address, the key, is never reused while this lives)."""

    def __init__(self, blob: Any, data: bytes, index: int) -> None:
        self.blob = blob
        self.data = data
        self.face = hb.subset_preprocess(hb.Face(hb.Blob(data), index))


_prepared: dict[tuple[int, int, int], _Prepared] = {}
_lock = threading.Lock()
#: whether faces are prepared in this process (keep_prepared_faces)
_keeping = True


def keep_prepared_faces(keep: bool) -> None:
    """Whether this process keeps prepared faces (the default), or subsets each face in one pass
    from Pango's face as it is, the way a face too large to prepare always is.

    A prepared face takes about 14 MB for each 3 MB face (its bytes and HarfBuzz's preprocessed
    tables), some 40 MB for the certificate's three faces. A bulk job's worker subsets each face
    only twice per chunk of fifty certificates, where preparing saves nothing measurable
    (benchmarks/bench_bulk.py, process time per certificate within noise), so it does without
    and each worker holds 30 MB less."""
    global _keeping
    with _lock:
        _keeping = keep
        if not keep:
            _prepared.clear()


def prepared(hb_face: Any, *, make: bool = True) -> _Prepared | None:
    """The prepared face behind Pango's hb_face, made on first use (when make); None for a face
    with no data of its own, or too large to keep."""
    blob = harfbuzz.hb_face_reference_blob(hb_face)
    length = ffi.new("unsigned int *")
    data = harfbuzz.hb_blob_get_data(blob, length)
    if not _keeping or data == ffi.NULL or not 0 < length[0] <= MAX_PREPARED_BYTES:
        harfbuzz.hb_blob_destroy(blob)
        return None
    key = (int(ffi.cast("uintptr_t", data)), int(length[0]), harfbuzz.hb_face_get_index(hb_face))
    with _lock:
        found = _prepared.get(key)
        if found is None and make:
            found = _prepared[key] = _Prepared(blob, ffi.unpack(data, key[1]), key[2])
            return found
    harfbuzz.hb_blob_destroy(blob)
    return found


class _Unread:
    """The data of a face not read yet (Font.file_content until something reads it)."""


_UNREAD = _Unread()


def _face_data(hb_object: Any, ot_color: Any = None, glyph: Any = None) -> Any:
    """WeasyPrint's get_hb_object_data, answering a whole face from the prepared copy, and for a
    face too large to prepare not at all yet (_UNREAD: read when Font.file_content is read). It
    only looks faces up: WeasyPrint also asks it for the faces its own subsetting makes, which
    are not Pango's and must not be kept."""
    if ot_color is None:
        face = prepared(hb_object, make=False)
        if face is not None:
            return face.data
        if _face_length(hb_object) > MAX_PREPARED_BYTES:
            return _UNREAD
    return _original_face_data(hb_object, ot_color, glyph)


def _face_length(hb_face: Any) -> int:
    blob = harfbuzz.hb_face_reference_blob(hb_face)
    try:
        return int(harfbuzz.hb_blob_get_length(blob))
    finally:
        harfbuzz.hb_blob_destroy(blob)


def _get_file_content(self: Any) -> Any:
    content = self.__dict__.get("_file_content")
    if content is _UNREAD:
        content = self.__dict__["_file_content"] = _original_face_data(self.hb_face)
    return content


def _set_file_content(self: Any, value: Any) -> None:
    self.__dict__["_file_content"] = value


def _flags(font: Any, hinting: bool) -> int:
    """WeasyPrint's subsetting flags in one pass: glyph ids kept, the glyphs after the last one
    used dropped (which retaining ids does by itself), hinting as asked."""
    flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
             | hb.SubsetFlags.DESUBROUTINIZE)
    if not hinting:
        flags |= hb.SubsetFlags.NO_HINTING
    if font.missing:
        flags |= hb.SubsetFlags.NOTDEF_OUTLINE
    return int(flags)


def _subset_unprepared(font: Any, to_unicode: dict[int, Any], hinting: bool) -> bytes | None:
    """One pass of HarfBuzz over Pango's face itself, with WeasyPrint's settings."""
    request = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(),
                     harfbuzz_subset.hb_subset_input_destroy)
    if request == ffi.NULL:
        return None
    glyphs = sorted(to_unicode)
    harfbuzz.hb_set_add_sorted_array(harfbuzz_subset.hb_subset_input_glyph_set(request),
                                     ffi.new(f"hb_codepoint_t[{len(glyphs)}]", glyphs), len(glyphs))
    tags = sorted(_tag(tag) for tag in DROPPED_TABLES)
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_set(request, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
        ffi.new(f"hb_codepoint_t[{len(tags)}]", tags), len(tags))
    harfbuzz_subset.hb_subset_input_set_flags(request, _flags(font, hinting))
    face = ffi.gc(harfbuzz_subset.hb_subset_or_fail(font.hb_face, request), harfbuzz.hb_face_destroy)
    if face == ffi.NULL:
        return None
    data = _original_face_data(face)
    return data or None


def _harfbuzz_subset(self: Any, to_unicode: dict[int, Any], hinting: bool) -> None:
    """Font._harfbuzz_subset in one pass from the prepared face."""
    face = prepared(self.hb_face)
    if face is None:
        data = _subset_unprepared(self, to_unicode, hinting)
        if data is None:
            _original_subset(self, to_unicode, hinting)
        else:
            self.file_content = data
        return
    request = hb.SubsetInput()
    glyphs = request.glyph_set
    for glyph in to_unicode:
        glyphs.add(glyph)
    dropped = request.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in DROPPED_TABLES:
        dropped.add(_tag(tag))
    request.flags = hb.SubsetFlags(_flags(self, hinting))
    subset = hb.subset(face.face, request)
    if subset is None:
        _original_subset(self, to_unicode, hinting)
        return
    self.file_content = subset.blob.data


def _tag(name: str) -> int:
    raw = name.encode("ascii")
    return (raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]


_original_face_data = pdf_fonts.get_hb_object_data
_original_subset = pdf_fonts.Font._harfbuzz_subset


def install() -> bool:
    """Subset from prepared faces from now on; False (WeasyPrint's own code kept) for a
    WeasyPrint this module does not know."""
    if not weasyprint.__version__.startswith(WEASYPRINT_VERSION):
        return False
    pdf_fonts.get_hb_object_data = _face_data
    pdf_fonts.Font._harfbuzz_subset = _harfbuzz_subset
    pdf_fonts.Font.file_content = property(_get_file_content, _set_file_content)
    return True
