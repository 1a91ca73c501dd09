"""The header stage: find the table's header row and check it is the official one, column by column.

The header must be untouched (填表说明1: 请勿修改、调整表头名字与字段顺序): every difference is
reported by column, an inserted, missing or moved column as such rather than as every column after
it being wrong. Only the * that marks a required column and spaces are not significant: a header
retyped without them still names the same column in the same place.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from ..errors import Problem
from ..forms.tabular import Column

#: how far down a sheet the header may stand (below the title and 申报单位 lines)
HEADER_SCAN_ROWS = 10
HEADER_LOC = "header"


def normalized(value: Any) -> str:
    """A header cell as compared: without spaces, line breaks and the required-column *."""
    text = "" if value is None else str(value)
    return "".join(text.split()).lstrip("*＊")


@dataclass(frozen=True)
class HeaderRow:
    """Where a sheet's header stands and what it says."""

    sheet: str
    row: int
    cells: tuple[str, ...]


def find_header(sheets: Iterable[tuple[str, Sequence[Sequence[Any]]]],
                columns: Sequence[Column]) -> HeaderRow | None:
    """The row, among the first rows of each sheet, that names most of the official columns."""
    expected = {c.header for c in columns}
    needed = max(2, (len(columns) + 1) // 2)
    for name, rows in sheets:
        best: HeaderRow | None = None
        best_score = 0
        for number, values in enumerate(rows, start=1):
            if number > HEADER_SCAN_ROWS:
                break
            cells = tuple(normalized(v) for v in values)
            score = len(expected.intersection(cells))
            if score > best_score:
                best, best_score = HeaderRow(name, number, cells), score
        if best is not None and best_score >= needed:
            return best
    return None


def _cell(column: int, row: int) -> str:
    return f"{get_column_letter(column)}{row}"


def header_problems(found: HeaderRow, columns: Sequence[Column]) -> list[Problem]:
    """Every way the found header differs from the official one, by column."""
    expected = [c.header for c in columns]
    actual = list(found.cells)
    while actual and not actual[-1]:
        actual.pop()
    row = found.row
    wrong: list[Problem] = []
    missing: dict[str, int] = {}
    extra: dict[str, int] = {}
    matcher = difflib.SequenceMatcher(a=expected, b=actual, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(pairs):
            want, have, column = expected[i1 + offset], actual[j1 + offset], j1 + offset + 1
            if have in expected:
                missing[want] = i1 + offset + 1
                extra[have] = column
                continue
            shown = f"“{have}”" if have else "空白"
            cell = _cell(column, row)
            wrong.append(Problem(
                (HEADER_LOC, want),
                f"表头第{column}列（{cell}）应为“{want}”，现为{shown}：请勿修改表头", cell,
            ))
        for index in range(i1 + pairs, i2):
            missing[expected[index]] = index + 1
        for index in range(j1 + pairs, j2):
            if actual[index]:
                extra[actual[index]] = index + 1
    problems = list(wrong)
    for name, place in missing.items():
        if name in extra:
            cell = _cell(extra[name], row)
            problems.append(Problem((HEADER_LOC, name), (
                f"表头“{name}”列的位置不对：应在第{place}列（{get_column_letter(place)}列），"
                f"现在第{extra[name]}列（{cell}）：请勿调整字段顺序"
            ), cell))
        else:
            problems.append(Problem((HEADER_LOC, name), (
                f"表头缺少“{name}”列（应在第{place}列，{get_column_letter(place)}列）：请勿删除列"
            )))
    for name, place in extra.items():
        if name not in missing:
            cell = _cell(place, row)
            problems.append(Problem((HEADER_LOC, name), (
                f"表头多出“{name}”列（{cell}），不是本表的字段：请勿插入列"
            ), cell))
    return problems


def missing_header(sheet_names: Sequence[str], columns: Sequence[Column], title: str) -> Problem:
    names = "、".join(c.header for c in columns)
    where = "、".join(f"“{n}”" for n in sheet_names[:3])
    return Problem((HEADER_LOC,), (
        f"找不到{title}的表头：工作表{where}的前{HEADER_SCAN_ROWS}行中没有一行依次为 {names}。"
        "请使用本系统下载的导入模板，不要修改表头"
    ))
