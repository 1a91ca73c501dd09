"""Fonts of one page cut down to the glyphs that page shows, renumbered.

WeasyPrint subsets a font per document but keeps the glyph ids (its content streams name glyphs
by id, Identity-H): an embedded CJK subset still carries an entry per glyph up to the highest one
used, some 30-40 KB each however few glyphs it draws. A single certificate cut from a bulk chunk
(compose.single_pages) carried, besides, the glyphs of all fifty certificates of its chunk, in
seven such faces. Here each face a page uses is subset again to that page's glyphs with new,
dense ids (harfbuzz, which says how it renumbered), and the page's text, the face's widths and
its ToUnicode map are rewritten to match: a signed single certificate goes from about 215 KB to
about 45 KB, and copying text out of it still gives the same characters.

Only the shape WeasyPrint writes is rewritten (Type0, Identity-H, one descendant with an
embedded OpenType or TrueType program, a ToUnicode stream of bfchar lines); any other font, or a
content stream that shows its text otherwise, is left as it is.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import uharfbuzz as hb
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

#: in a content stream: a font selection (/F1 12 Tf), a hex string (the glyph ids of the text
#: shown), or a dictionary opener, which must not be read as a hex string
_TOKENS = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+[-+\d.]+\s+Tf\b|<<|<([0-9A-Fa-f\s]*)>")
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]*)>")
_FONT_FILES = ("/FontFile3", "/FontFile2")
_FLAGS = (hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.NOTDEF_OUTLINE
          # CID n is glyph n: a reader that maps CIDs through the CFF charset finds the same glyph
          | hb.SubsetFlags.CFF_IDENTITY_CHARSET)


def serialised(number: int, obj: PdfObject) -> bytes:
    """obj as the numbered indirect object of a PDF file."""
    buffer = io.BytesIO()
    buffer.write(f"{number} 0 obj\n".encode())
    obj.write_to_stream(buffer)
    buffer.write(b"\nendobj\n")
    return buffer.getvalue()


def flate_stream(data: bytes, like: StreamObject | None = None) -> StreamObject:
    """A Flate-compressed stream of data, with the other entries of like (if given)."""
    stream = DecodedStreamObject()
    if like is not None:
        for key, value in like.items():
            if key not in ("/Length", "/Filter", "/DecodeParms"):
                stream[NameObject(key)] = value
    stream.set_data(data)
    return stream.flate_encode()


@dataclass(frozen=True)
class _Font:
    """A Type0 font of the source in the shape this module rewrites, and its parts' numbers."""

    number: int
    descendant: int
    program: int
    to_unicode: int


@dataclass(frozen=True)
class _Trimmed:
    mapping: Mapping[int, int]
    objects: Mapping[int, bytes]


@dataclass(frozen=True)
class _Content:
    """A content stream and the fonts its resources name."""

    number: int
    fonts: Mapping[bytes, int]


class FontTrimmer:
    """For the pages of one PDF: the objects that replace theirs when a page is cut out alone
    with its fonts trimmed. What several pages share (the layer all certificates of a chunk draw,
    its faces) is trimmed once and reused."""

    def __init__(self, reader: PdfReader) -> None:
        self.reader = reader
        self._fonts: dict[int, _Font | None] = {}
        self._faces: dict[int, hb.Face] = {}
        self._glyphs: dict[int, dict[int, set[int]] | None] = {}
        self._trimmed: dict[tuple[int, frozenset[int]], _Trimmed | None] = {}
        self._rewritten: dict[tuple[int, tuple[tuple[int, frozenset[int]], ...]], bytes] = {}

    # --- what a page draws ---------------------------------------------------------------

    def _contents(self, page: Any) -> Iterator[_Content]:
        """The content streams of page and of the forms it draws, with their fonts."""
        stack: list[tuple[Any, Any]] = []
        raw = page.raw_get("/Contents")
        parts = raw.get_object() if isinstance(raw, IndirectObject) else raw
        refs = list(parts) if isinstance(parts, ArrayObject) else [raw]
        stack.extend((ref, page.get("/Resources")) for ref in refs)
        seen: set[int] = set()
        while stack:
            ref, resources = stack.pop()
            if not isinstance(ref, IndirectObject) or ref.idnum in seen:
                continue
            seen.add(ref.idnum)
            resources = resources.get_object() if resources is not None else DictionaryObject()
            fonts = resources.get("/Font")
            fonts = fonts.get_object() if fonts is not None else DictionaryObject()
            yield _Content(ref.idnum, {
                name[1:].encode("latin-1"): value.idnum for name in fonts
                if isinstance(value := fonts.raw_get(name), IndirectObject)
            })
            xobjects = resources.get("/XObject")
            for name in (xobjects.get_object() if xobjects is not None else {}):
                child = xobjects.get_object().raw_get(name)
                target = child.get_object()
                if isinstance(child, IndirectObject) and target.get("/Subtype") == "/Form":
                    stack.append((child, target.get("/Resources")))

    def _glyphs_of(self, content: _Content) -> dict[int, set[int]] | None:
        """The glyph ids each font shows in a content stream; None if its text is not all in
        two-byte hex strings after a font selection (then nothing of it is rewritten)."""
        if content.number not in self._glyphs:
            data = self.reader.get_object(content.number).get_data()
            found: dict[int, set[int]] = {}
            current: int | None = None
            ok = True
            for match in _TOKENS.finditer(data):
                name, digits = match.group(1), match.group(2)
                if name is not None:
                    current = content.fonts.get(name)
                elif digits is not None:
                    digits = re.sub(rb"\s", b"", digits)
                    if current is None or len(digits) % 4:
                        ok = False
                        break
                    found.setdefault(current, set()).update(
                        int(digits[i:i + 4], 16) for i in range(0, len(digits), 4))
            self._glyphs[content.number] = found if ok else None
        return self._glyphs[content.number]

    # --- one font ----------------------------------------------------------------------------

    def _font(self, number: int) -> _Font | None:
        """number as a font this module can trim, or None."""
        if number not in self._fonts:
            self._fonts[number] = None
            font = self.reader.get_object(number)
            descendants = font.get("/DescendantFonts")
            unicode_ref = font.raw_get("/ToUnicode") if "/ToUnicode" in font else None
            if (font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H"
                    or descendants is None or len(descendants.get_object()) != 1
                    or not isinstance(unicode_ref, IndirectObject)):
                return None
            descendant_ref = descendants.get_object()[0]
            if not isinstance(descendant_ref, IndirectObject):
                return None
            if b"bfchar" not in (cmap := unicode_ref.get_object().get_data()) or b"bfrange" in cmap:
                return None
            descendant = descendant_ref.get_object()
            descriptor = descendant.get("/FontDescriptor")
            if (descendant.get("/CIDToGIDMap", "/Identity") != "/Identity" or descriptor is None
                    or "/CIDSet" in descriptor.get_object()):
                return None
            descriptor = descriptor.get_object()
            programs = [descriptor.raw_get(key) for key in _FONT_FILES if key in descriptor]
            if len(programs) != 1 or not isinstance(programs[0], IndirectObject):
                return None
            self._fonts[number] = _Font(number, descendant_ref.idnum, programs[0].idnum,
                                        unicode_ref.idnum)
        return self._fonts[number]

    def _face(self, font: _Font) -> hb.Face:
        if font.program not in self._faces:
            data = self.reader.get_object(font.program).get_data()
            self._faces[font.program] = hb.Face(hb.Blob(data))
        return self._faces[font.program]

    def _trim(self, font: _Font, glyphs: frozenset[int]) -> _Trimmed | None:
        key = (font.number, glyphs)
        if key not in self._trimmed:
            self._trimmed[key] = self._subset(font, glyphs)
        return self._trimmed[key]

    def _subset(self, font: _Font, glyphs: frozenset[int]) -> _Trimmed | None:
        request = hb.SubsetInput()
        for glyph in (0, *glyphs):
            request.glyph_set.add(glyph)
        request.flags = _FLAGS
        plan = hb.SubsetPlan(self._face(font), request)
        mapping = dict(plan.old_to_new_glyph_mapping)
        if any(glyph not in mapping for glyph in glyphs):
            return None
        program_data = plan.execute().blob.data
        if not program_data:
            return None
        reader = self.reader
        old_program = reader.get_object(font.program)
        program = flate_stream(program_data, old_program)
        if "/Length1" in old_program:
            program[NameObject("/Length1")] = NumberObject(len(program_data))
        descendant = reader.get_object(font.descendant)
        widths = _widths(descendant.get("/W"))
        copy = DictionaryObject({NameObject(k): v for k, v in descendant.items() if k != "/W"})
        kept = {mapping[g]: widths[g] for g in sorted(glyphs) if g in widths}
        if 0 in widths:
            kept.setdefault(0, widths[0])
        copy[NameObject("/W")] = _w_array(kept)
        old_unicode = reader.get_object(font.to_unicode)
        to_unicode = flate_stream(_to_unicode(old_unicode.get_data(), mapping), old_unicode)
        return _Trimmed(mapping, {
            font.program: serialised(font.program, program),
            font.descendant: serialised(font.descendant, copy),
            font.to_unicode: serialised(font.to_unicode, to_unicode),
        })

    # --- a page ------------------------------------------------------------------------------

    def replacements(self, page: Any) -> dict[int, bytes]:
        """Object number → the bytes that replace that object of the source when page is cut
        out alone: its fonts trimmed to its glyphs, its text renumbered."""
        contents = list(self._contents(page))
        per_font: dict[int, set[int]] = {}
        untouched: set[int] = set()
        for content in contents:
            glyphs = self._glyphs_of(content)
            if glyphs is None:
                untouched.update(content.fonts.values())
                continue
            # WeasyPrint lists every font of its document on every page: one a page names but
            # does not use keeps .notdef alone
            for number in content.fonts.values():
                per_font.setdefault(number, set()).update(glyphs.get(number, ()))
        trimmed: dict[int, tuple[frozenset[int], _Trimmed]] = {}
        for number, used in per_font.items():
            font = self._font(number)
            if font is None or number in untouched:
                continue
            glyphs = frozenset(used)
            result = self._trim(font, glyphs)
            if result is not None:
                trimmed[number] = (glyphs, result)
        out: dict[int, bytes] = {}
        for _, result in trimmed.values():
            out.update(result.objects)
        for content in contents:
            mine = tuple(sorted((n, trimmed[n][0]) for n in set(content.fonts.values()) if n in trimmed))
            if not mine or self._glyphs_of(content) is None:
                continue
            key = (content.number, mine)
            if key not in self._rewritten:
                mappings = {n: trimmed[n][1].mapping for n, _ in mine}
                stream = self.reader.get_object(content.number)
                data = _renumbered(stream.get_data(), content.fonts, mappings)
                self._rewritten[key] = serialised(content.number, flate_stream(data, stream))
            out[content.number] = self._rewritten[key]
        return out


def _widths(array: Any) -> dict[int, Any]:
    """A CIDFont's W array as glyph id → width (both of its forms: c [w…] and c1 c2 w)."""
    items = list(array.get_object()) if array is not None else []
    widths: dict[int, Any] = {}
    index = 0
    while index < len(items):
        first = int(items[index])
        following = items[index + 1].get_object()
        if isinstance(following, ArrayObject):
            for offset, width in enumerate(following):
                widths[first + offset] = width
            index += 2
        else:
            for glyph in range(first, int(following) + 1):
                widths[glyph] = items[index + 2]
            index += 3
    return widths


def _w_array(widths: Mapping[int, Any]) -> ArrayObject:
    out = ArrayObject()
    run: ArrayObject | None = None
    previous = -2
    for glyph in sorted(widths):
        if glyph != previous + 1 or run is None:
            run = ArrayObject()
            out.extend([NumberObject(glyph), run])
        run.append(widths[glyph])
        previous = glyph
    return out


def _to_unicode(data: bytes, mapping: Mapping[int, int]) -> bytes:
    entries = sorted((mapping[int(code, 16)], text) for code, text in _BFCHAR.findall(data)
                     if int(code, 16) in mapping)
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0",
             b">> def", b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    for start in range(0, len(entries), 100):
        batch = entries[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines.extend(b"<%04x> <%s>" % (code, text) for code, text in batch)
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _renumbered(data: bytes, fonts: Mapping[bytes, int], mappings: Mapping[int, Mapping[int, int]]) -> bytes:
    current: list[Mapping[int, int] | None] = [None]

    def replace(match: re.Match[bytes]) -> bytes:
        name, digits = match.group(1), match.group(2)
        if name is not None:
            number = fonts.get(name)
            current[0] = mappings.get(number) if number is not None else None
            return match.group(0)
        mapping = current[0]
        if digits is None or mapping is None:
            return match.group(0)
        digits = re.sub(rb"\s", b"", digits)
        return b"<" + b"".join(b"%04x" % mapping[int(digits[i:i + 4], 16)]
                               for i in range(0, len(digits), 4)) + b">"

    return _TOKENS.sub(replace, data)

