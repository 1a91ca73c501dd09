"""Turning filled documents into files: one module per output format, picked from RENDERERS."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..documents import Document, RenderSettings
from ..errors import NotFound

MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


@dataclass(frozen=True)
class Rendered:
    """A finished file: its bytes and what kind of file it is."""

    content: bytes
    extension: str

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.extension]


#: a renderer: the template folder's name (a form id, or certificate), the filled documents, and
#: the settings it renders with (fonts, template roots) — it reads no configuration of its own
Renderer = Callable[[str, Sequence[Document], RenderSettings], Rendered]


def zip_files(files: Sequence[tuple[str, bytes]]) -> bytes:
    """One ZIP holding the files, names made unique, in the given order."""
    buffer = io.BytesIO()
    seen: dict[str, int] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            count = seen.get(name, 0)
            seen[name] = count + 1
            if count:
                stem, dot, extension = name.rpartition(".")
                name = f"{stem}-{count + 1}{dot}{extension}"
            archive.writestr(name, content)
    return buffer.getvalue()


def print_file(name: str, documents: Sequence[Document], settings: RenderSettings) -> Rendered:
    """The PDF, by the print template the document's folder holds (an instance's first): a
    listing's form.typ set by Typst, any other form.html laid out by WeasyPrint."""
    from . import pdf, typeset

    engines: dict[str, Renderer] = {typeset.TEMPLATE: typeset.render, pdf.TEMPLATE: pdf.render}
    template = settings.templates(name).first(engines)
    return engines[template.name](name, documents, settings)


def renderer(extension: str) -> Renderer:
    from . import docx, xlsx

    registry: dict[str, Renderer] = {"pdf": print_file, "docx": docx.render, "xlsx": xlsx.render}
    try:
        return registry[extension]
    except KeyError:
        raise NotFound(f"不支持的格式：{extension}", loc=("format",)) from None
