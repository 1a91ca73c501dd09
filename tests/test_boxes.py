"""TextBox: lines a text takes in a box of the printed form, filled as print fills them."""

from __future__ import annotations

import pytest

from formsvc.boxes import Annex, Boxed, Continuations, TextBox, text_width


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


def test_text_that_fits_stays_in_its_box():
    annexes = Continuations()
    boxed = annexes.fill(TextBox(10, 2), "主要做法", "做" * 20)
    assert boxed == Boxed(("做" * 20,))
    assert annexes.fill(TextBox(10, 2), "主要做法", None) == Boxed(())
    assert annexes.annexes == []


def test_what_a_box_cannot_hold_continues_on_the_next_附页():
    annexes = Continuations()
    # the box's last line says where the rest is: one line of ten is left for the text
    first = annexes.fill(TextBox(10, 2), "主要做法", "做" * 21)
    assert first == Boxed(("做" * 10,), "（续见附页1）")
    # 空两格: the first line of each paragraph holds eight
    second = annexes.fill(TextBox(10, 3, indent=2), "审核意见", "一" * 8 + "\n" + "二" * 20)
    assert second == Boxed(("一" * 8, "二" * 8), "（续见附页2）")
    assert annexes.annexes == [
        Annex(1, "主要做法", ("做" * 11,)),
        Annex(2, "审核意见", ("二" * 12,), indent=True),
    ]
    assert (annexes.annexes[0].name, annexes.annexes[0].heading) == ("附页1", "主要做法（续）")


def test_a_box_is_cut_between_pieces_never_inside_one():
    annexes = Continuations()
    # a listed applicant is one piece: the box holds the heading and whole names only
    listed = [["中级（4人）：", "欧阳振华（内科学）、", "李䶮（外科学）、", "王小明（护理学）、",
               "张明远（心血管内科学）"]]
    boxed = annexes.fill(TextBox(18, 2), "申报人员姓名及专业", listed)
    assert boxed.paragraphs == ("中级（4人）：欧阳振华（内科学）、",)
    assert annexes.annexes[0].paragraphs == ("李䶮（外科学）、王小明（护理学）、张明远（心血管内科学）",)
    # a number is one piece of free text
    annexes.fill(TextBox(12, 2), "联系电话", "电话" * 5 + "0715-8125306、13907151234")
    assert annexes.annexes[1].paragraphs == ("0715-8125306、13907151234",)
