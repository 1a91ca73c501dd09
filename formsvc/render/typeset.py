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

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..documents import FORM_TEMPLATES, Document, RenderSettings
from ..errors import SetupError
from . import Rendered, typesetter
from .fonts import installed_faces
from .templating import no_break_runs

TEMPLATE = "form.typ"
#: the local Typst packages every template may import, shipped with the templates
PACKAGES = FORM_TEMPLATES / "_typst"
#: the typesetter's resident memory past which it is replaced after the document it set: the two
#: one-page listings leave it at about 120 MB, each 1,000-row 采集表 kept adds some 200 MB
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
        printed[CELLS] = [[no_break_runs(None if value is None else str(value).replace("\n", " "))
                           for value in row] for row in printed[CELLS]]
    return printed


def inputs(documents: Sequence[Document]) -> dict[str, str]:
    """What the template reads: the documents' contexts, as JSON."""
    data = [_for_print(document.context) for document in documents]
    return {"data": json.dumps({"documents": data}, ensure_ascii=False, default=_json_value)}


@functools.cache
def _font_folders() -> tuple[str, ...]:
    return tuple(sorted({str(face.path.parent) for face in installed_faces().values()}))


#: the proxy settings the typesetter sees, whatever the service's are: every one to nowhere
_PROXIES = ("http_proxy", "https_proxy", "all_proxy")
#: how long one document may take to set: within gunicorn's 30 s, which the budgets keep renders
#: well under (budget.py)
SET_TIMEOUT_S = 25.0


def _typesetter_environment() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if name.lower() not in (*_PROXIES, "no_proxy")}
    for name in _PROXIES:
        env[name] = env[name.upper()] = CLOSED_PROXY
    return env


class Typesetter:
    """The typesetter process of this one, started when first needed, one document at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        os.register_at_fork(after_in_child=self._forget)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _forget(self) -> None:
        """In a fork: the parent's typesetter and pipes are the parent's, and its lock may have
        been held by a thread the fork does not have."""
        process, self._process = self._process, None
        self._lock = threading.Lock()
        if process is not None:
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    os.close(pipe.fileno())  # not pipe.close(): that would flush the parent's bytes

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-I", typesetter.__file__, json.dumps(_font_folders()),
                 str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_typesetter_environment())
        return self._process

    def stop(self, *, kill: bool = False) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if kill:
            process.kill()
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):  # the typesetter ends when its requests end
                pipe.close()
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
            assert process.stdin is not None and process.stdout is not None
            deadline = time.monotonic() + SET_TIMEOUT_S
            try:
                _write(process.stdin.fileno(), typesetter.REQUEST.pack(len(request)) + request,
                       deadline)
                answers = process.stdout.fileno()
                done, resident, length = typesetter.ANSWER.unpack(
                    _read(answers, typesetter.ANSWER.size, deadline))
                result = _read(answers, length, deadline)
            except TimeoutError as error:  # before OSError, which it is one of
                self.stop(kill=True)
                raise SetupError(f"排版超时（{SET_TIMEOUT_S:g} 秒）：{template}") from error
            except (OSError, EOFError) as error:
                self.stop(kill=True)
                raise SetupError(f"排版进程意外退出：{template}") from error
            except BaseException:
                # whatever broke off the exchange (a time limit's signal, say) leaves an answer
                # unread: the next request would read it for its own
                self.stop(kill=True)
                raise
            if resident > MAX_RESIDENT_MB:
                self.stop()
        if not done:  # a template that does not compile is the setup's fault
            raise SetupError(f"打印模板有误：{template}：{result.decode('utf-8')}")
        return result


def _write(fd: int, data: bytes, deadline: float) -> None:
    """All of data to fd, or TimeoutError once the deadline has passed (a typesetter that stopped
    reading fills the pipe)."""
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([], [fd], [], left)[1]:
            raise TimeoutError
        view = view[os.write(fd, view[:select.PIPE_BUF]):]  # what a writable pipe takes at once


def _read(fd: int, size: int, deadline: float) -> bytes:
    """size bytes from fd, or TimeoutError once the deadline has passed, EOFError at its end."""
    parts, missing = [], size
    while missing:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        part = os.read(fd, min(missing, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


TYPESETTER = Typesetter()


def render_template(template: Path, root: Path, documents: Sequence[Document]) -> bytes:
    return TYPESETTER.set(template, root, inputs(documents))


def render(name: str, documents: Sequence[Document], settings: RenderSettings) -> Rendered:
    template = settings.templates(name).path(TEMPLATE)
    # the root holding the folder: a template reads within it, and imports the shared package
    return Rendered(render_template(template, template.parent.parent, documents), "pdf")
