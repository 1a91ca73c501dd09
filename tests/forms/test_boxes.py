"""TextBox: lines a text takes in a box of the printed form, filled as print fills them."""

from __future__ import annotations

import pytest

from formsvc.forms.base import FindingsBuilder
from formsvc.forms.boxes import TextBox, text_width


@pytest.mark.parametrize("text, width", [
    ("咸宁", 2), ("0715", 2), ("2024年", 3), ("“双肩挑”", 5), ("a·b", 2), ("", 0),
])
def test_width_counts_latin_and_digits_as_half(text, width):
    assert text_width(text) == width


@pytest.mark.parametrize("box, text, lines", [
    (TextBox(10, 9), "一" * 10, 1),
    (TextBox(10, 9), "一" * 11, 2),
    (TextBox(10, 9), "一" * 20, 2),
    # each paragraph starts a line, an empty one too
    (TextBox(10, 9), "一\n\n一", 3),
    # the first line of a 空两格 paragraph holds two characters less
    (TextBox(10, 9, indent=2), "一" * 8, 1),
    (TextBox(10, 9, indent=2), "一" * 9, 2),
    (TextBox(10, 9, indent=2), "一" * 18, 2),
    # a number is never broken: 0715-8125306 (6 wide) does not fit beside eight characters
    (TextBox(12, 9), "一" * 8 + "0715-8125306", 2),
    (TextBox(12, 9), "0715-8125306、13907151234", 2),
    (TextBox(12, 9), "0715-8125306、0715-8125307、13907151234", 3),
    # a comma or closing bracket never starts a line: it takes the character before it along
    (TextBox(4, 9), "一二三四、", 2),
    (TextBox(4, 9), "一二三（四）", 2),
    # a word longer than the whole line is broken all the same
    (TextBox(4, 9), "a" * 20, 3),
])
def test_lines_for(box, text, lines):
    assert box.lines_for(text) == lines


def test_check_names_the_field_only_when_the_text_does_not_fit():
    found = FindingsBuilder()
    box = TextBox(10, 2)
    box.check(found, ("practice",), "主要做法", "做" * 20)
    box.check(found, ("practice",), "主要做法", None)
    assert found.done().errors == ()
    box.check(found, ("practice",), "主要做法", "做" * 21)
    [problem] = found.done().errors
    assert problem.loc == ("practice",)
    assert problem.msg == "主要做法篇幅超出表格：最多2行（每行约10字），现约3行，请精简"
