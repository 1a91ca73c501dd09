"""How much text a box of the printed form holds, and where the rest continues (附页)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field


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
    bracket or a comma. What a box cannot hold continues on a 附页 (see Continuations); the
    test of each form fills its boxes past capacity and checks that the PDF keeps its pages.
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

    def split(self, paragraphs: Sequence[Sequence[str]], lines: int) -> tuple[list[str], list[str]]:
        """The paragraphs (each a sequence of pieces never cut) as far as lines hold them, and the
        rest: a paragraph that does not fit whole is cut between two pieces."""
        kept, rest = self._split(paragraphs, lines)
        return kept, ["".join(p) for p in rest]

    def _split(self, paragraphs: Sequence[Sequence[str]], lines: int
               ) -> tuple[list[str], list[Sequence[str]]]:
        kept: list[str] = []
        used = 0
        for index, pieces in enumerate(paragraphs):
            # lines are counted as print breaks them; the cut falls between two pieces
            needed = self.lines_for("".join(pieces))
            if used + needed <= lines:
                kept.append("".join(pieces))
                used += needed
                continue
            # as many pieces of this paragraph as the lines left hold
            head = 0
            while head < len(pieces) and \
                    used + self.lines_for("".join(pieces[:head + 1])) <= lines:
                head += 1
            if head:
                kept.append("".join(pieces[:head]))
            rest = [pieces[head:]] if head < len(pieces) else []
            return kept, [*rest, *paragraphs[index + 1:]]
        return kept, []

    def boxes_for(self, paragraphs: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
        """The paragraphs cut into as many boxes as they need, each box's paragraphs in order
        (a sheet's block of rows, each row one box): a cut falls between two pieces."""
        boxes: list[tuple[str, ...]] = []
        rest: Sequence[Sequence[str]] = paragraphs
        while rest:
            kept, rest = self._split(rest, self.lines)
            if not kept:  # a piece taller than a whole box: it takes a box of its own
                first, *others = rest
                kept, rest = ["".join(first[:1])], ([first[1:], *others] if first[1:] else others)
            boxes.append(tuple(kept))
        return boxes


def pieces(text: str) -> list[str]:
    """A paragraph of free text as the pieces a line may break between."""
    return _UNBREAKABLE.findall(text)


def paragraphs_of(text: str | None) -> list[list[str]]:
    """Free text (paragraphs separated by newlines) as pieces, paragraph by paragraph."""
    return [pieces(part) for part in text.split("\n")] if text else []


#: what a box prints in its last line when its text continues on 附页N
CONTINUED = "（续见附页{number}）"


@dataclass(frozen=True)
class Annex:
    """A continuation sheet (附页): what one box could not hold, headed with the box's label."""

    number: int
    label: str
    paragraphs: tuple[str, ...]
    #: the box's paragraphs are 空两格 (first-line indent of two characters)
    indent: bool = False

    @property
    def heading(self) -> str:
        return f"{self.label}（续）"

    @property
    def name(self) -> str:
        return f"附页{self.number}"


@dataclass(frozen=True)
class Boxed:
    """What a box of the form prints: its paragraphs, and where the rest continues (or "")."""

    paragraphs: tuple[str, ...]
    continued: str = ""

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


#: a box of a blank form
EMPTY_BOX = Boxed(())


@dataclass
class Continuations:
    """The 附页 of one filled document, numbered in the order its boxes are filled.

    The same paragraphs go to the PDF and the DOCX, so both print the same box and the same 附页.
    """

    annexes: list[Annex] = field(default_factory=list)

    def fill(self, box: TextBox, label: str, paragraphs: Sequence[Sequence[str]] | str | None
             ) -> Boxed:
        """The part of the text the box holds; the rest becomes the next 附页."""
        if paragraphs is None or isinstance(paragraphs, str):
            paragraphs = paragraphs_of(paragraphs)
        if box.lines_for("\n".join("".join(p) for p in paragraphs)) <= box.lines:
            return Boxed(tuple("".join(p) for p in paragraphs))
        # the last line of the box says where the text continues
        kept, rest = box.split(paragraphs, box.lines - 1)
        number = len(self.annexes) + 1
        self.annexes.append(Annex(number, label, tuple(rest), indent=box.indent > 0))
        return Boxed(tuple(kept), CONTINUED.format(number=number))
