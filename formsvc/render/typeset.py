"""Print output for listings: Typst sets a folder's form.typ from the documents, handed over as JSON.

A listing (采集表, 汇总表) is a grid of short values, a few hundred cells a page: WeasyPrint lays
out and draws each cell as boxes of its own in Python, about half a millisecond a filled cell,
where Typst sets the same page in a fifth of the time or less (README, "Performance"). The
template reads the documents from sys.inputs as data, never as markup, so no value can change
what the page does. Typst reads no file outside the template root but the shared listing package
(form_templates/_typst, imported as @formsvc/listing), sees only the folders of the print faces
(fonts.py: Noto CJK, Fandol), which it embeds and subsets itself, and runs in the typesetter's
process (typesetter.py), which is replaced once it has grown past MAX_RESIDENT_MB and whose every
way to the network leads to a closed port.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from ..documents import FORM_TEMPLATES, Document, RenderSettings
from ..errors import SetupError
from . import Rendered, typesetter
from .fonts import installed_faces
from .templating import no_break_runs

TEMPLATE = "form.typ"
#: the local Typst packages every template may import, shipped with the templates
PACKAGES = FORM_TEMPLATES / "_typst"
#: the typesetter's resident memory past which it is replaced after the document it set: a
#: one-page listing leaves it at about 150 MB, each 1,000-row 采集表 kept adds some 200 MB
MAX_RESIDENT_MB = 400
#: what the typesetter's downloads of packages (@preview/…) would go through: nothing listens
CLOSED_PROXY = "http://127.0.0.1:9"

#: the key of a listing's rows of values in a document's context: handed over as runs
CELLS = "cells"


def _json_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        # the checked rows a context also carries: a listing prints its cells
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not for print: {type(value).__name__}")


def _for_print(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context, a listing's cells as (text, whole) runs (templating.no_break_runs): the
    template keeps each whole run on one line. A cell's line breaks are spaces, as in the Word
    and HTML forms: a value's lines are not the cell's."""
    printed = dict(context)
    if CELLS in printed:
        printed[CELLS] = [[no_break_runs(None if value is None else " ".join(str(value).split("\n")))
                           for value in row] for row in printed[CELLS]]
    return printed


def inputs(documents: Sequence[Document]) -> dict[str, str]:
    """What the template reads: the documents' contexts, as JSON."""
    data = [_for_print(document.context) for document in documents]
    return {"data": json.dumps({"documents": data}, ensure_ascii=False, default=_json_value)}


@functools.cache
def _font_folders() -> tuple[str, ...]:
    return tuple(sorted({str(face.path.parent) for face in installed_faces().values()}))


class Typesetter:
    """The typesetter process of this one, started when first needed, one document at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._owner = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _running(self) -> subprocess.Popen[bytes]:
        # a process forked from this one (a worker) starts its own: the pipes are this one's
        if self._process is None or self._owner != os.getpid() or self._process.poll() is not None:
            env = {**os.environ, "HTTP_PROXY": CLOSED_PROXY, "HTTPS_PROXY": CLOSED_PROXY,
                   "ALL_PROXY": CLOSED_PROXY, "NO_PROXY": ""}
            self._process = subprocess.Popen(
                [sys.executable, "-I", typesetter.__file__, json.dumps(_font_folders())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            self._owner = os.getpid()
        return self._process

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and self._owner == os.getpid():
            assert process.stdin is not None
            process.stdin.close()  # the typesetter ends when its requests end
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def set(self, template: Path, root: Path, sys_inputs: Mapping[str, str]) -> bytes:
        request = json.dumps({"template": str(template), "root": str(root),
                              "packages": str(PACKAGES), "inputs": dict(sys_inputs)}).encode()
        with self._lock:
            process = self._running()
            requests, answers = process.stdin, process.stdout
            assert requests is not None and answers is not None
            try:
                requests.write(typesetter.REQUEST.pack(len(request)) + request)
                requests.flush()
                done, resident, length = typesetter.ANSWER.unpack(
                    _read(answers, typesetter.ANSWER.size))
                result = _read(answers, length)
            except (OSError, EOFError) as error:
                self.stop()
                raise SetupError(f"排版进程意外退出：{template}") from error
            if resident > MAX_RESIDENT_MB:
                self.stop()
        if not done:  # a template that does not compile is the setup's fault
            raise SetupError(f"打印模板有误：{template}：{result.decode('utf-8')}")
        return result


def _read(stream: IO[bytes], size: int) -> bytes:
    return typesetter.read_exactly(stream, size)


TYPESETTER = Typesetter()


def render_template(template: Path, root: Path, documents: Sequence[Document]) -> bytes:
    return TYPESETTER.set(template, root, inputs(documents))


def render(name: str, documents: Sequence[Document], settings: RenderSettings) -> Rendered:
    template = settings.templates(name).path(TEMPLATE)
    # the root holding the folder: a template reads within it, and imports the shared package
    return Rendered(render_template(template, template.parent.parent, documents), "pdf")
