"""How much text a box of the printed form holds, so that text never spills off the page."""

from __future__ import annotations

import math
import re
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


#: what a line is never broken inside: a run of Latin letters and digits (0715-8125306, a word),
#: or one character; punctuation that may not start a line (、）。) sticks to what precedes it,
#: punctuation that may not end one (（《“) to what follows, as Chinese line breaking has it
_UNBREAKABLE = re.compile(
    r"[（《“‘〔【(\[]*(?:[0-9A-Za-z][0-9A-Za-z\-.@/:_+]*|.)[、，。；：！？）》”’〕】),.;:!?\]]*"
)


@dataclass(frozen=True)
class TextBox:
    """A box of the printed form: full-width characters per line and lines it holds.

    Both figures come from the box's size in form.html at its font size; lines are filled as the
    renderer fills them, never breaking inside a number or a Latin word, nor before a closing
    bracket or a comma. The test of each form fills its boxes to capacity and checks that the PDF
    still fits its page.
    """

    chars_per_line: int
    lines: int
    #: first-line indent of each paragraph, in characters (2 for 空两格 paragraphs)
    indent: int = 0

    def lines_for(self, text: str) -> int:
        """Lines the text takes: each paragraph starts a new line."""
        return sum(self._paragraph_lines(part) for part in text.split("\n"))

    def _paragraph_lines(self, paragraph: str) -> int:
        lines, used = 1, float(self.indent)
        for piece in _UNBREAKABLE.findall(paragraph):
            width = text_width(piece)
            if used + width > self.chars_per_line and used > 0:
                lines, used = lines + 1, 0.0
            # a piece wider than a whole line is broken all the same
            extra = max(0, math.ceil(width / self.chars_per_line) - 1)
            lines += extra
            used += width - extra * self.chars_per_line
        return lines

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
