"""From data to a file: validate against the form, check it can be printed, render the format."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .budget import check_render
from .documents import Document, RenderSettings
from .errors import InvalidData, Loc, NotFound, Problem, UnrenderableText
from .forms import FormSpec, get_form
from .forms.base import FormModel, label_for
from .render import Rendered, renderer
from .render.fonts import undrawable


@dataclass(frozen=True)
class Produced:
    """A rendered form with the name to download it under and the warnings its data raised."""

    rendered: Rendered
    name: str
    warnings: tuple[Problem, ...]


def texts(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Every text in JSON-like data, with where it sits."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(item, (*loc, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from texts(item, (*loc, index))


def unprintable(model: FormModel) -> list[Problem]:
    """A problem for each field holding a character no print font can draw."""
    return [
        Problem(loc, f"{label_for(type(model), loc)}中的字符「{char}」（U+{ord(char):04X}）"
                     "无法打印：已安装的字体没有这个字")
        for loc, char in undrawable(texts(model.model_dump(mode="json")))
    ]


def blank_formats(spec: FormSpec) -> tuple[str, ...]:
    """The formats of a blank form: its own, and for a form whose list can be filled from a sheet,
    XLSX (the import template) even where the filled form is no spreadsheet."""
    if spec.row_model is None or "xlsx" in spec.formats:
        return spec.formats
    return (*spec.formats, "xlsx")


def check_format(spec: FormSpec, extension: str, formats: tuple[str, ...] | None = None) -> None:
    formats = spec.formats if formats is None else formats
    if extension not in formats:
        raise NotFound(
            f"{spec.title}没有 {extension} 格式（可用：{'、'.join(formats)}）", loc=("format",)
        )


def render_documents(
    spec_id: str, documents: Sequence[Document], extension: str, settings: RenderSettings
) -> Rendered:
    return renderer(extension)(spec_id, documents, settings)


def produce(spec: FormSpec, data: Any, extension: str, settings: RenderSettings) -> Produced:
    """The filled form, or InvalidData with every error (and the warnings) found."""
    check_format(spec, extension)
    check_render(spec.id, data, extension)
    result = spec.validate(data)
    if not result.ok:
        raise InvalidData(result.errors, warnings=result.warnings)
    assert result.model is not None
    if extension == "pdf":
        problems = unprintable(result.model)
        if problems:
            raise UnrenderableText(problems, warnings=result.warnings)
    documents = spec.documents(result.model)
    rendered = render_documents(spec.id, documents, extension, settings)
    name = documents[0].name if len(documents) == 1 else spec.title
    return Produced(rendered, name, result.warnings)


def produce_blank(spec: FormSpec, extension: str, settings: RenderSettings) -> Produced:
    """The blank form, rendered once per process for as long as its templates stay as they are:
    the most asked-for file, the same for everyone, and no work for an anonymous request."""
    check_format(spec, extension, blank_formats(spec))
    rendered = _blank(spec.id, extension, settings, settings.templates(spec.id).state())
    return Produced(rendered, f"{spec.title}（空白）", ())


@functools.lru_cache(maxsize=64)  # 6 forms × 3 formats, under a few template roots
def _blank(form_id: str, extension: str, settings: RenderSettings,
           _templates: tuple[tuple[str, int, int], ...]) -> Rendered:
    return render_documents(form_id, get_form(form_id).documents(None), extension, settings)
