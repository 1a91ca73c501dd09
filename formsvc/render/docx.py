"""Word output: docxtpl fills form.docx, always autoescaped; several documents come as a ZIP.

Images reach a template through the function ``picture(bytes, width_mm, height_mm)`` (the Word
counterpart of print's ``attach``): it places the image inline where the tag stands.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Template
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..documents import Document, RenderSettings
from . import Rendered, zip_files
from .templating import environment


def word_paragraphs(value: str | None) -> str:
    """Multi-paragraph text: docxtpl turns \\a into a new paragraph with the same formatting."""
    return (value or "").replace("\n", "\a")


#: no-break spaces in the width of one full-width character (a Latin space is a quarter em)
NBSP_PER_CHARACTER = 4


def word_blank(value: Any, width: int = 4) -> Any:
    """The value, or room to write it by hand as no-break spaces: LibreOffice draws no underline
    under ordinary spaces that end a line, so a blank of them would vanish there, and no line
    breaks inside the blank."""
    if value is None or value == "":
        return "\u00a0" * (width * NBSP_PER_CHARACTER)
    return value


class WordEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox for Word templates: each document XML is compiled once, not on every render.

    docxtpl hands the environment the whole XML of the document (and of each property) as a
    template source every time it renders; compiling it is most of the cost of a render.
    """

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:
        if globals is None and template_class is None and isinstance(source, str):
            return _compiled(self, source)
        return super().from_string(source, globals, template_class)


@functools.lru_cache(maxsize=256)
def _compiled(env: WordEnvironment, source: str) -> Template:
    return ImmutableSandboxedEnvironment.from_string(env, source)


@functools.cache
def _environment() -> ImmutableSandboxedEnvironment:
    env = environment(kind=WordEnvironment)
    env.filters["paragraphs"] = word_paragraphs
    env.filters["blank"] = word_blank
    return env


@functools.lru_cache(maxsize=64)
def _template_bytes(path: Path, mtime_ns: int) -> bytes:
    return path.read_bytes()


#: patch_xml's results by source: at most this many parts' XML are kept
PATCHED_PARTS = 64
_patched: dict[str, str] = {}
_patched_lock = threading.Lock()


class WordTemplate(DocxTemplate):
    """docxtpl's template, with each XML part of form.docx made ready for Jinja once per process.

    docxtpl cleans the XML of the body (and of each header and footer) with some twenty regular
    expressions on every render (patch_xml): a third of a Word render's time, the same result
    each time, since it depends on the template's XML alone.
    """

    def patch_xml(self, src_xml: str) -> str:
        found = _patched.get(src_xml)
        if found is None:
            found = super().patch_xml(src_xml)
            with _patched_lock:
                if len(_patched) >= PATCHED_PARTS:
                    _patched.clear()
                _patched[src_xml] = found
        return found


def pictures(docx: DocxTemplate) -> Callable[..., InlineImage | str]:
    """The template function picture(data, width_mm, height_mm) for one document being filled."""

    def picture(data: bytes | None, width_mm: float | None = None,
                height_mm: float | None = None) -> InlineImage | str:
        if not data:
            return ""
        return InlineImage(docx, io.BytesIO(data),
                           width=Mm(width_mm) if width_mm else None,
                           height=Mm(height_mm) if height_mm else None)

    return picture


def render_one(template: bytes, document: Document) -> bytes:
    docx = WordTemplate(io.BytesIO(template))
    docx.render({"doc": document.context, "picture": pictures(docx)},
                jinja_env=_environment(), autoescape=True)
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()


def render(name: str, documents: Sequence[Document], settings: RenderSettings) -> Rendered:
    path = settings.templates(name).path("form.docx")
    template = _template_bytes(path, path.stat().st_mtime_ns)
    files = [(f"{d.name}.docx", render_one(template, d)) for d in documents]
    if len(files) == 1:
        return Rendered(files[0][1], "docx")
    return Rendered(zip_files(files), "zip")
