"""Composing PDFs: joining documents, cutting out single pages, laying one page under many.

pypdf's PdfWriter keeps every page of its result in memory until it writes; for a batch of
10,000 certificates that grows with the batch. PdfSink copies a source's objects straight to its
output with new object numbers and keeps only their offsets and the page list, so joining holds
one source in memory at a time.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from pypdf import PdfReader
from pypdf._page import PageObject
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from .trim import FontTrimmer, flate_stream, serialised

_CATALOG, _PAGES = 1, 2


def _ref(number: int) -> IndirectObject:
    return IndirectObject(number, 0, None)  # type: ignore[arg-type]


_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")


def _drawn(page: PageObject) -> set[str]:
    """The names of the XObjects a page's content draws."""
    contents = page.get_contents()
    data = contents.get_data() if contents is not None else b""
    return {name.decode("latin-1") for name in _DO.findall(data)}


class PdfSink:
    """Writes a PDF to a binary stream: pages appended from other PDFs, then the page tree."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._start = stream.tell()
        stream.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self._offsets: dict[int, int] = {}
        self._next = _PAGES + 1
        self._kids: list[int] = []

    @property
    def page_count(self) -> int:
        return len(self._kids)

    def _allocate(self) -> int:
        number = self._next
        self._next += 1
        return number

    def _write(self, number: int, obj: PdfObject) -> None:
        self._offsets[number] = self._stream.tell() - self._start
        self._stream.write(serialised(number, obj))

    def _copier(self, reader: PdfReader, mapping: dict[int, int], pending: list[int]) -> Any:
        def copy(obj: Any) -> Any:
            if isinstance(obj, IndirectObject):
                if obj.idnum not in mapping:
                    mapping[obj.idnum] = self._allocate()
                    pending.append(obj.idnum)
                return _ref(mapping[obj.idnum])
            if isinstance(obj, StreamObject):
                clone = type(obj)()
                clone._data = obj._data  # the encoded bytes, copied as they are
                for key, value in obj.items():
                    clone[NameObject(key)] = copy(value)
                clone[NameObject("/Length")] = NumberObject(len(obj._data))
                return clone
            if isinstance(obj, DictionaryObject):
                return DictionaryObject({NameObject(k): copy(v) for k, v in obj.items()})
            if isinstance(obj, ArrayObject):
                return ArrayObject(copy(v) for v in obj)
            return obj

        return copy

    def _flush(self, reader: PdfReader, mapping: dict[int, int], pending: list[int]) -> None:
        copy = self._copier(reader, mapping, pending)
        while pending:
            old = pending.pop()
            self._write(mapping[old], copy(reader.get_object(old)))

    def add_pages(self, reader: PdfReader, pages: list[PageObject], *, underlay: int | None = None) -> None:
        """Copy pages of reader, with everything they refer to, in order; underlay is a form
        XObject of this sink (add_form) drawn first on each page, beneath its own content."""
        mapping: dict[int, int] = {}
        pending: list[int] = []
        copy = self._copier(reader, mapping, pending)
        for page in pages:
            assert page.indirect_reference is not None
            mapping[page.indirect_reference.idnum] = self._allocate()
        for page in pages:
            assert page.indirect_reference is not None
            clone = DictionaryObject(
                {NameObject(k): copy(v) for k, v in page.items() if k not in ("/Parent", "/Resources")}
            )
            original = page["/Resources"].get_object()
            resources = DictionaryObject(
                {NameObject(k): copy(v) for k, v in original.items() if k != "/XObject"}
            )
            own = original.get("/XObject")
            # WeasyPrint lists every image of a document on every page: a page keeps those it
            # draws, or a single certificate cut from a chunk would carry the chunk's photos
            drawn = _drawn(page) if own is not None else set()
            xobjects = DictionaryObject(
                {NameObject(k): copy(v) for k, v in own.get_object().items() if k[1:] in drawn}
                if own is not None else {}
            )
            if xobjects:
                resources[NameObject("/XObject")] = xobjects
            if underlay is not None:
                # the form is named after its object number, which no page name can clash with
                xobjects[NameObject(f"/Underlay{underlay}")] = _ref(underlay)
                resources[NameObject("/XObject")] = xobjects
                draw = self._allocate()
                self._write(draw, flate_stream(f"q /Underlay{underlay} Do Q\n".encode()))
                raw = page.raw_get("/Contents")  # the reference: a stream is never inlined
                contents = raw.get_object() if isinstance(raw, IndirectObject) else raw
                parts = list(contents) if isinstance(contents, ArrayObject) else [raw]
                clone[NameObject("/Contents")] = ArrayObject([_ref(draw), *(copy(p) for p in parts)])
            clone[NameObject("/Resources")] = resources
            clone[NameObject("/Parent")] = _ref(_PAGES)
            number = mapping[page.indirect_reference.idnum]
            self._write(number, clone)
            self._kids.append(number)
        self._flush(reader, mapping, pending)

    def add_form(self, reader: PdfReader, page: PageObject) -> int:
        """Write page as a form XObject (drawn wherever a page invokes it); its object number."""
        mapping: dict[int, int] = {}
        pending: list[int] = []
        copy = self._copier(reader, mapping, pending)
        contents = page.get_contents()
        assert contents is not None
        data = contents.get_data()
        form = flate_stream(data)
        form.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): copy(page.mediabox),
            NameObject("/Resources"): copy(page["/Resources"]),
        })
        number = self._allocate()
        self._write(number, form)
        self._flush(reader, mapping, pending)
        return number

    def append(self, source: bytes | str | os.PathLike[str]) -> int:
        """Copy every page of source (bytes or a path); returns how many pages it had."""
        reader = PdfReader(io.BytesIO(source) if isinstance(source, bytes) else source)
        pages = list(reader.pages)
        self.add_pages(reader, pages)
        return len(pages)

    def finish(self) -> None:
        """Write the page tree, the catalogue, the cross-reference table and the trailer."""
        self._write(_PAGES, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Kids"): ArrayObject(_ref(k) for k in self._kids),
            NameObject("/Count"): NumberObject(len(self._kids)),
        }))
        self._write(_CATALOG, DictionaryObject({
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): _ref(_PAGES),
        }))
        xref = self._stream.tell() - self._start
        lines = [f"xref\n0 {self._next}\n", "0000000000 65535 f \n"]
        for number in range(1, self._next):
            offset = self._offsets.get(number)
            lines.append(f"{offset:010d} 00000 n \n" if offset is not None else "0000000000 65535 f \n")
        self._stream.write("".join(lines).encode())
        self._stream.write(
            f"trailer\n<< /Size {self._next} /Root {_CATALOG} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        )


class StreamingPdfWriter(PdfSink):
    """A PdfSink writing to a file that appears under its name only once complete."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._staging = self.path.with_name(f".{self.path.name}.partial")
        self._file: IO[bytes] = open(self._staging, "wb")  # noqa: SIM115 - closed in close()
        super().__init__(self._file)

    def __enter__(self) -> StreamingPdfWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def close(self) -> Path:
        """Finish the file and move it into place: a reader never sees a half-written PDF."""
        self.finish()
        self._file.close()
        self._staging.replace(self.path)
        return self.path

    def abort(self) -> None:
        self._file.close()
        self._staging.unlink(missing_ok=True)


def single_pages(source: bytes) -> Iterator[bytes]:
    """Each page of source as a PDF of its own, carrying only the glyphs its page shows.

    A source written by PdfSink (every object in the clear, numbered as in its xref, the page
    tree at 2) is cut without re-serialising what is not rewritten: each single is the page's
    object and everything it refers to, byte for byte, behind a page tree of its own, except its
    fonts and text, which trim.FontTrimmer cuts down to the page's own glyphs. Any other PDF
    (WeasyPrint's own) is copied into that form first.
    """
    reader = PdfReader(io.BytesIO(source))
    offsets = reader.xref.get(0, {})
    if reader.xref_objStm or not offsets or any(
        (p.indirect_reference is None or p.get("/Parent") is None
         or p.raw_get("/Parent").idnum != _PAGES) for p in reader.pages
    ):
        buffer = io.BytesIO()
        sink = PdfSink(buffer)
        sink.add_pages(reader, list(reader.pages))
        sink.finish()
        yield from single_pages(buffer.getvalue())
        return
    trimmer = FontTrimmer(reader)
    starts = sorted(offsets.values())
    following = dict(zip(starts, [*starts[1:], source.rfind(b"xref")], strict=True))
    references: dict[int, set[int]] = {}

    def refers_to(number: int) -> set[int]:
        if number not in references:
            found: set[int] = set()
            stack = [reader.get_object(number)]
            while stack:
                obj = stack.pop()
                if isinstance(obj, IndirectObject):
                    found.add(obj.idnum)
                elif isinstance(obj, DictionaryObject):
                    stack.extend(obj.values())
                elif isinstance(obj, ArrayObject):
                    stack.extend(obj)
            references[number] = found - {_PAGES, _CATALOG}
        return references[number]

    size = max(offsets) + 1
    for page in reader.pages:
        assert page.indirect_reference is not None
        number = page.indirect_reference.idnum
        needed, stack = {number}, [number]
        while stack:
            for other in refers_to(stack.pop()):
                if other not in needed:
                    needed.add(other)
                    stack.append(other)
        buffer = io.BytesIO()
        buffer.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        placed: dict[int, int] = {}
        replaced = trimmer.replacements(page)
        for each in sorted(needed):
            placed[each] = buffer.tell()
            buffer.write(replaced.get(each) or source[offsets[each]:following[offsets[each]]])
        for each, text in ((_PAGES, f"<< /Type /Pages /Kids [{number} 0 R] /Count 1 >>"),
                           (_CATALOG, f"<< /Type /Catalog /Pages {_PAGES} 0 R >>")):
            placed[each] = buffer.tell()
            buffer.write(f"{each} 0 obj\n{text}\nendobj\n".encode())
        xref = buffer.tell()
        lines = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
        lines += [f"{placed[n]:010d} 00000 n \n" if n in placed else "0000000000 65535 f \n"
                  for n in range(1, size)]
        buffer.write("".join(lines).encode())
        buffer.write(f"trailer\n<< /Size {size} /Root {_CATALOG} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
        yield buffer.getvalue()


def underlay(background: bytes, pages: bytes) -> bytes:
    """pages with the first page of background drawn beneath each of them, as one shared form:
    what is the same on every page is stored (and was laid out) once."""
    base = PdfReader(io.BytesIO(background))
    source = PdfReader(io.BytesIO(pages))
    buffer = io.BytesIO()
    sink = PdfSink(buffer)
    form = sink.add_form(base, base.pages[0])
    sink.add_pages(source, list(source.pages), underlay=form)
    sink.finish()
    return buffer.getvalue()
