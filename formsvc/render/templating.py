"""The sandboxed, autoescaping Jinja environment every template is rendered in."""

from __future__ import annotations

import functools
import os
import posixpath
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from ..boxes import TextBox
from ..dates import official_date


def blank(value: Any, width: int = 4) -> Any:
    """The value, or full-width spaces that leave room to write it by hand on a blank form."""
    if value is None or value == "":
        return "\u3000" * width
    return value


def paragraphs(value: str | None) -> Markup:
    """Multi-paragraph text as <p> elements, escaped."""
    if not value:
        return Markup("")
    return Markup("").join(Markup("<p>{}</p>").format(line) for line in value.split("\n"))


#: what a line never breaks inside: a number, code or Latin word with what it counts
#: (0715-8125306, 420102199003072315, HB2024000123), a date (2024年5月10日), a document number
#: (鄂职改办〔2024〕12号)
_NO_BREAK = re.compile(
    r"[^\s，、；。（）]{0,10}〔\d{4}〕\d+号"
    r"|\d{4}年\d{1,2}月(?:\d{1,2}日)?"
    r"|[0-9A-Za-z][0-9A-Za-z\-.@/:_+]*[号年月日人]?"
)


def no_break_runs(value: Any) -> list[tuple[str, bool]]:
    """The value's text in pieces, each (text, whole): whole for a number, date or document
    number of two characters or more, which a line never breaks inside."""
    if value is None:
        return []
    text = str(value)
    runs, last = [], 0
    for match in _NO_BREAK.finditer(text):
        if len(match[0]) < 2:
            continue
        if match.start() > last:
            runs.append((text[last:match.start()], False))
        runs.append((match[0], True))
        last = match.end()
    if last < len(text):
        runs.append((text[last:], False))
    return runs


def nobreak(value: Any) -> Markup:
    """The value, escaped, with every number, date and document number in a no-break run."""
    return Markup("").join(
        Markup('<span class="nb">{}</span>').format(text) if whole else escape(text)
        for text, whole in no_break_runs(value)
    )


def date_or_blank(value: Any) -> str:
    """年 月 日 with room to fill in by hand, or the date in official style."""
    if value is None:
        return "\u3000\u3000年\u3000\u3000月\u3000\u3000日"
    return official_date(value)


PT_MM = 25.4 / 72


def fitting_size(text: str, width_mm: float, height_mm: float, pt: float, min_pt: float,
                 line: float) -> tuple[float, int]:
    """The largest size up to pt (in steps of half a point, not below min_pt) at which text fits
    a box of width_mm × height_mm with lines line × size apart, and the lines it then takes."""
    size = pt
    while True:
        box = TextBox(chars_per_line=max(1, int(width_mm / (size * PT_MM))), lines=99)
        lines = box.lines_for(text) if text else 1
        if lines * size * PT_MM * line <= height_mm or size <= min_pt:
            return size, lines
        size -= 0.5


def fit(text: Any, width_mm: float, height_mm: float, pt: float = 12, min_pt: float = 6.5) -> str:
    """CSS for a fixed box (font size, line height, top padding) that fits text into it, centred
    vertically: the largest size up to pt at which the text fits, on as few lines as need be.
    Empty when the text fits on one line at pt: the box's own style then applies, and the
    renderer has no inline style to parse."""
    text = "" if text is None else str(text)
    size, lines = fitting_size(text, width_mm, height_mm, pt, min_pt, 1.25)
    if size == pt and lines == 1:
        return ""
    line_mm = size * PT_MM * 1.25
    padding = max(0.0, (height_mm - lines * line_mm) / 2)
    return f"font-size: {size:g}pt; line-height: {line_mm:.2f}mm; padding-top: {padding:.2f}mm"


#: the smallest type print sets a value in, however long (issue 12: legible)
MIN_PT = 7


def shrink(text: Any, width_mm: float, height_mm: float, pt: float = 12, line: float = 1.4) -> str:
    """CSS font-size for a table cell of content width_mm × height_mm whose value would not fit
    at pt: the last resort of a one-size form, never below MIN_PT. Empty when it fits at pt."""
    size, _ = fitting_size("" if text is None else str(text), width_mm, height_mm, pt, MIN_PT, line)
    return "" if size == pt else f"font-size: {size:g}pt"


FILTERS = {
    "blank": blank,
    "official_date": official_date,
    "date_or_blank": date_or_blank,
    "paragraphs": paragraphs,
    "fit": fit,
    "shrink": shrink,
    "nobreak": nobreak,
    "e": escape,
}


class TemplateRoots(FileSystemLoader):
    """Templates searched in the roots in order (an instance's own, then the shipped ones). A
    compiled template is used until its file changes, or until a file of the same name appears
    in an earlier root: an override an instance adds while the service runs takes effect at the
    next render, not at the next restart."""

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        parts = split_template_path(template)

        def still_first() -> bool:
            for root in self.searchpath:
                candidate = posixpath.join(root, *parts)  # as FileSystemLoader finds it
                if os.path.isfile(candidate):
                    return os.path.normpath(candidate) == filename and uptodate()
            return False

        return source, filename, still_first


def environment(
    roots: Sequence[Path] = (),
    *,
    kind: type[ImmutableSandboxedEnvironment] = ImmutableSandboxedEnvironment,
) -> ImmutableSandboxedEnvironment:
    """A fresh sandboxed environment; templates can read data, never change or reach beyond it.

    kind is the environment class: a renderer may subclass the sandbox (to cache, say).
    """
    env = kind(
        autoescape=True,
        loader=TemplateRoots([str(r) for r in roots]) if roots else None,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(FILTERS)
    return env


@functools.cache
def file_environment(roots: tuple[Path, ...]) -> ImmutableSandboxedEnvironment:
    """The shared environment for templates under roots (compiled templates are cached)."""
    return environment(roots)
