"""Excel output: openpyxl fills form.xlsx; text is always text, never a formula.

A template cell holding ``{{ expression }}`` receives the expression's value with its type (a
date stays a date cell); a cell mixing text and ``{{ }}`` receives the rendered text. A row whose
first cell starts with ``{%row iterable %}`` is repeated for each item, with ``row`` and ``index``
(from 1) in scope; it must be the last filled row of its sheet, and data validations that cover it
are stretched over every written row.

Rows grow to what their wrapped cells hold once filled (fit_row_heights), so that no value
overlaps the rows around it in Excel or LibreOffice.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..boxes import TextBox
from ..documents import Document, RenderSettings
from ..errors import SetupError
from . import Rendered
from .templating import environment

_ROW_MARKER = re.compile(r"^\{%row\s+(?P<items>.+?)\s*%\}")
_WHOLE_EXPRESSION = re.compile(r"^\{\{(?P<expr>.+?)\}\}$", re.S)
#: first characters that make a spreadsheet treat typed text as a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def put(cell: Cell, value: Any) -> None:
    """Write value into cell as data: strings as text, dates as dates, never a formula."""
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True


@functools.cache
def _compiled(expression: str) -> Any:
    return environment().compile_expression(expression, undefined_to_none=True)


@functools.cache
def _text_template(source: str) -> Any:
    return environment().from_string(source)


def evaluate(source: str, scope: Mapping[str, Any]) -> Any:
    whole = _WHOLE_EXPRESSION.match(source)
    if whole and "{{" not in whole["expr"]:
        return _compiled(whole["expr"].strip())(**scope)
    return _text_template(source).render(**scope)


def _fill_sheet(sheet: Worksheet, scope: Mapping[str, Any]) -> None:
    template_row: int | None = None
    for row in sheet.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or "{" not in cell.value:
                continue
            marker = _ROW_MARKER.match(cell.value)
            if marker:
                template_row = cell.row
                break
            put(cell, evaluate(cell.value, scope))
        if template_row is not None:
            break
    if template_row is not None:
        _repeat_row(sheet, template_row, scope)


def _repeat_row(sheet: Worksheet, template_row: int, scope: Mapping[str, Any]) -> None:
    first = sheet.cell(template_row, 1)
    marker = _ROW_MARKER.match(str(first.value))
    assert marker is not None
    items = list(_compiled(marker["items"])(**scope) or ())
    template = [
        (cell.column, cell.value if cell.column != 1 else str(cell.value)[marker.end():],
         copy.copy(cell._style))
        for cell in sheet[template_row]
    ]
    height = sheet.row_dimensions[template_row].height
    for offset, item in enumerate(items):
        row_scope = {**scope, "row": item, "index": offset + 1}
        number = template_row + offset
        for column, source, style in template:
            cell = sheet.cell(number, column)
            cell._style = copy.copy(style)
            value = evaluate(source, row_scope) if isinstance(source, str) and source else None
            put(cell, value if value != "" else None)
        if height:
            sheet.row_dimensions[number].height = height
    if not items:
        for column, _source, _style in template:
            sheet.cell(template_row, column).value = None
    last = template_row + max(len(items), 1) - 1
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            if cell_range.min_row <= template_row <= cell_range.max_row < last:
                cell_range.expand(down=last - cell_range.max_row)


#: a column width unit of Excel (the digit of its default font) in pixels; a point in pixels
UNIT_PX, PT_PX = 7, 4 / 3
#: lines of CJK text are set about 1.45 em apart (LibreOffice's Noto CJK standing in for 宋体)
LINE_EM = 1.5
#: the tallest row Excel keeps
MAX_ROW_PT = 409
DEFAULT_ROW_PT = 15
DEFAULT_COLUMN_UNITS = 8.43


def wrapped_lines(text: str, width_units: float, size_pt: float) -> int:
    """Lines text takes wrapped in a cell width_units wide at size_pt (hanzi 1 em, digits ½)."""
    chars = max(1, int((width_units * UNIT_PX - 5) / (size_pt * PT_PX)))
    return TextBox(chars_per_line=chars, lines=1).lines_for(text)


def row_height_for(lines: int, size_pt: float) -> float:
    return min(MAX_ROW_PT, lines * size_pt * LINE_EM + 4)


def fit_row_heights(sheet: Worksheet, first_row: int = 1) -> None:
    """Raise each row to the height its wrapped text needs (never lower what a form sets); a cell
    merged across columns wraps at their joint width, one merged over rows is left as it is."""
    widths: dict[int, float] = {}

    def width(column: int) -> float:
        if column not in widths:
            dimension = sheet.column_dimensions.get(get_column_letter(column))
            widths[column] = (dimension.width if dimension and dimension.width else
                              DEFAULT_COLUMN_UNITS)
        return widths[column]

    spans: dict[tuple[int, int], int | None] = {}
    for merged in sheet.merged_cells.ranges:
        spans[(merged.min_row, merged.min_col)] = (
            merged.max_col if merged.min_row == merged.max_row else None)
    for row in sheet.iter_rows(min_row=first_row):
        needed = 0.0
        for cell in row:
            value = cell.value
            if not isinstance(value, str) or not cell.alignment.wrap_text:
                continue
            last = spans.get((cell.row, cell.column), cell.column)
            if last is None:
                continue
            units = sum(width(c) for c in range(cell.column, last + 1))
            size = cell.font.sz or 11
            needed = max(needed, row_height_for(wrapped_lines(value, units, size), size))
        if needed:
            number = row[0].row
            current = sheet.row_dimensions[number].height or DEFAULT_ROW_PT
            if needed > current:
                sheet.row_dimensions[number].height = round(needed, 1)


@functools.lru_cache(maxsize=64)
def _template_bytes(path: Path, mtime_ns: int) -> bytes:
    return path.read_bytes()


def render(name: str, documents: Sequence[Document], settings: RenderSettings) -> Rendered:
    if len(documents) != 1:
        raise SetupError("XLSX 每次只能生成一份表格")
    path = settings.templates(name).path("form.xlsx")
    workbook = load_workbook(io.BytesIO(_template_bytes(path, path.stat().st_mtime_ns)))
    scope = {"doc": documents[0].context}
    for sheet in workbook.worksheets:
        _fill_sheet(sheet, scope)
        fit_row_heights(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Rendered(buffer.getvalue(), "xlsx")
