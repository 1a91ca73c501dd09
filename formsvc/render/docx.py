"""Word output: docxtpl fills form.docx, always autoescaped; several documents come as a ZIP."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..forms.base import Document
from . import Rendered, TemplateFolder, zip_files
from .templating import environment


def word_paragraphs(value: str | None) -> str:
    """Multi-paragraph text: docxtpl turns \\a into a new paragraph with the same formatting."""
    return (value or "").replace("\n", "\a")


@functools.cache
def _environment() -> ImmutableSandboxedEnvironment:
    env = environment()
    env.filters["paragraphs"] = word_paragraphs
    return env


@functools.lru_cache(maxsize=64)
def _template_bytes(path: Path, mtime_ns: int) -> bytes:
    return path.read_bytes()


def render_one(template: bytes, document: Document) -> bytes:
    docx = DocxTemplate(io.BytesIO(template))
    docx.render({"doc": document.context}, jinja_env=_environment(), autoescape=True)
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()


def render(templates: TemplateFolder, documents: Sequence[Document]) -> Rendered:
    path = templates.path("form.docx")
    template = _template_bytes(path, path.stat().st_mtime_ns)
    files = [(f"{d.name}.docx", render_one(template, d)) for d in documents]
    if len(files) == 1:
        return Rendered(files[0][1], "docx")
    return Rendered(zip_files(files), "zip")
