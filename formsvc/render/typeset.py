"""Print output for listings: Typst sets a folder's form.typ from the documents, handed over as JSON.

A listing (采集表, 汇总表) is a grid of short values, a few hundred cells a page: WeasyPrint lays
out and draws each cell as boxes of its own in Python, about half a millisecond a filled cell,
where Typst sets the same page in a tenth of the time (README, "Performance"). The template
reads the documents from sys.inputs as data, never as markup, so no value can change what the
page does; Typst reads no file outside the template root, has no network, and sees only the print
faces (fonts.py), which it embeds and subsets itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import typst
from pydantic import BaseModel

from ..documents import Document, RenderSettings
from ..errors import SetupError
from . import Rendered
from .fonts import installed_faces
from .templating import no_break_runs

TEMPLATE = "form.typ"


def _json_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not for print: {type(value).__name__}")


#: the key of a listing's rows of values in a document's context: handed over as runs
CELLS = "cells"


def _for_print(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context, a listing's cells as (text, whole) runs (templating.no_break_runs): the
    template keeps each whole run on one line."""
    printed = dict(context)
    if CELLS in printed:
        printed[CELLS] = [[no_break_runs(value) for value in row] for row in printed[CELLS]]
    return printed


def inputs(documents: Sequence[Document]) -> dict[str, str]:
    """What the template reads: the documents' contexts, as JSON."""
    data = [_for_print(document.context) for document in documents]
    return {"data": json.dumps({"documents": data}, ensure_ascii=False, default=_json_value)}


@functools.cache
def _font_folders() -> tuple[str, ...]:
    return tuple(sorted({str(face.path.parent) for face in installed_faces().values()}))


@dataclasses.dataclass
class _Compiler:
    """One Typst compiler per template file: it keeps the faces it has read, and the parts of
    the template it has evaluated, from one render to the next."""

    compiler: Any
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


@functools.cache
def _compiler(template: Path, root: Path) -> _Compiler:
    return _Compiler(typst.Compiler(
        str(template), root=str(root), font_paths=list(_font_folders()), ignore_system_fonts=True,
    ))


def render_template(template: Path, root: Path, documents: Sequence[Document]) -> bytes:
    entry = _compiler(template, root)
    with entry.lock:
        try:
            return entry.compiler.compile(format="pdf", sys_inputs=inputs(documents))
        except typst.TypstError as error:  # a template that does not compile is the setup's fault
            raise SetupError(f"打印模板有误：{template}：{error}") from error


def render(name: str, documents: Sequence[Document], settings: RenderSettings) -> Rendered:
    template = settings.templates(name).path(TEMPLATE)
    # the root holding the folder: a template imports the shared _base of its own root
    return Rendered(render_template(template, template.parent.parent, documents), "pdf")
