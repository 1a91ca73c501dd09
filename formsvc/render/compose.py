"""Joining chunk PDFs into one print PDF, and cutting a chunk into single-certificate PDFs.

pypdf's PdfWriter keeps every page of its result in memory until it writes; for a batch of
10,000 certificates that grows with the batch. PdfSink copies a source's objects straight to its
output with new object numbers and keeps only their offsets and the page list, so joining holds
one chunk in memory at a time.
"""

from __future__ import annotations

import io
import os
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

_CATALOG, _PAGES = 1, 2


def _ref(number: int) -> IndirectObject:
    return IndirectObject(number, 0, None)  # type: ignore[arg-type]


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
        buffer = io.BytesIO()
        buffer.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(buffer)
        buffer.write(b"\nendobj\n")
        self._offsets[number] = self._stream.tell() - self._start
        self._stream.write(buffer.getvalue())

    def add_pages(self, reader: PdfReader, pages: list[PageObject]) -> None:
        """Copy pages of reader, with everything they refer to, in order."""
        mapping: dict[int, int] = {}
        pending: list[int] = []
        for page in pages:
            assert page.indirect_reference is not None
            mapping[page.indirect_reference.idnum] = self._allocate()

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

        for page in pages:
            assert page.indirect_reference is not None
            clone = DictionaryObject({NameObject(k): copy(v) for k, v in page.items() if k != "/Parent"})
            clone[NameObject("/Parent")] = _ref(_PAGES)
            number = mapping[page.indirect_reference.idnum]
            self._write(number, clone)
            self._kids.append(number)
        while pending:
            old = pending.pop()
            self._write(mapping[old], copy(reader.get_object(old)))

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
    """Each page of source as a PDF of its own (each carries the fonts its page uses)."""
    reader = PdfReader(io.BytesIO(source))
    for page in reader.pages:
        buffer = io.BytesIO()
        sink = PdfSink(buffer)
        sink.add_pages(reader, [page])
        sink.finish()
        yield buffer.getvalue()
