"""Joining chunk PDFs into one print PDF on disk, holding one chunk in memory at a time.

pypdf's PdfWriter keeps every page of the result in memory until it writes; for a batch of
10,000 certificates that grows with the batch. This writer copies each chunk's objects straight
to the output file with new object numbers and keeps only their offsets and the page list.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from pypdf import PdfReader
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


class StreamingPdfWriter:
    """Appends the pages of whole PDFs to one file; close() writes the page tree and xref."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._staging = self.path.with_name(f".{self.path.name}.partial")
        self._file: IO[bytes] = open(self._staging, "wb")  # noqa: SIM115 - closed in close()
        self._file.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self._offsets: dict[int, int] = {}
        self._next = _PAGES + 1
        self._kids: list[int] = []

    def __enter__(self) -> StreamingPdfWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

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
        self._offsets[number] = self._file.tell()
        self._file.write(buffer.getvalue())

    def append(self, source: bytes | str | os.PathLike[str]) -> int:
        """Copy every page of source (bytes or a path); returns how many pages it had."""
        reader = PdfReader(io.BytesIO(source) if isinstance(source, bytes) else source)
        mapping: dict[int, int] = {}
        pending: list[int] = []
        pages = list(reader.pages)
        for page in pages:
            assert page.indirect_reference is not None
            mapping[page.indirect_reference.idnum] = self._allocate()

        def copy(obj: Any) -> Any:
            if isinstance(obj, IndirectObject):
                if obj.idnum not in mapping:
                    mapping[obj.idnum] = self._allocate()
                    pending.append(obj.idnum)
                return IndirectObject(mapping[obj.idnum], 0, None)  # type: ignore[arg-type]
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
            clone = DictionaryObject(
                {NameObject(k): copy(v) for k, v in page.items() if k != "/Parent"}
            )
            clone[NameObject("/Parent")] = IndirectObject(_PAGES, 0, None)  # type: ignore[arg-type]
            number = mapping[page.indirect_reference.idnum]
            self._write(number, clone)
            self._kids.append(number)
        while pending:
            old = pending.pop()
            self._write(mapping[old], copy(reader.get_object(old)))
        return len(pages)

    def close(self) -> Path:
        """Finish the file and move it into place: a reader never sees a half-written PDF."""
        kids = ArrayObject(IndirectObject(k, 0, None) for k in self._kids)  # type: ignore[arg-type]
        self._write(_PAGES, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Kids"): kids,
            NameObject("/Count"): NumberObject(len(self._kids)),
        }))
        self._write(_CATALOG, DictionaryObject({
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): IndirectObject(_PAGES, 0, None),  # type: ignore[arg-type]
        }))
        xref = self._file.tell()
        size = self._next
        lines = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
        for number in range(1, size):
            offset = self._offsets.get(number)
            lines.append(f"{offset:010d} 00000 n \n" if offset is not None else "0000000000 65535 f \n")
        self._file.write("".join(lines).encode())
        self._file.write(
            f"trailer\n<< /Size {size} /Root {_CATALOG} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        )
        self._file.close()
        self._staging.replace(self.path)
        return self.path

    def abort(self) -> None:
        self._file.close()
        self._staging.unlink(missing_ok=True)
