"""How much text a box of the printed form holds, so that text never spills off the page."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import Loc
from .base import FindingsBuilder, FormModel, title_of


def text_width(text: str) -> float:
    """Width in full-width characters: a hanzi counts 1, a Latin letter or digit about half."""
    # ambiguous-width punctuation (“”、…) is drawn full-width by the CJK print faces
    return sum(0.5 if unicodedata.east_asian_width(char) in ("Na", "H", "N") else 1.0
               for char in text)


@dataclass(frozen=True)
class TextBox:
    """A box of the printed form: full-width characters per line and lines it holds.

    Both figures come from the box's size in form.html at its font size, less a margin for line
    breaking (punctuation is never put at the start of a line, so lines end early); the test of
    each form fills a box to capacity and checks that the PDF still fits its pages.
    """

    chars_per_line: int
    lines: int
    #: first-line indent of each paragraph, in characters (2 for 空两格 paragraphs)
    indent: int = 0

    def lines_for(self, text: str) -> int:
        """Lines the text takes: each paragraph starts a new line."""
        return sum(max(1, math.ceil((self.indent + text_width(part)) / self.chars_per_line))
                   for part in text.split("\n"))

    def check(self, found: FindingsBuilder, loc: Loc, label: str, text: str | None) -> None:
        """An error naming the field when text does not fit the box."""
        if not text:
            return
        needed = self.lines_for(text)
        if needed > self.lines:
            found.error(loc, f"{label}篇幅超出表格：最多{self.lines}行（每行约"
                             f"{self.chars_per_line}字），现约{needed}行，请精简")


def check_boxes(found: FindingsBuilder, form: FormModel, boxes: Mapping[str, TextBox]) -> None:
    """Check each field named in boxes against its box, naming the field by its official label."""
    for name, box in boxes.items():
        box.check(found, (name,), title_of(type(form), name), getattr(form, name))
