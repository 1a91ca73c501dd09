"""Excel output: openpyxl fills form.xlsx; text is always text, never a formula.

A template cell holding ``{{ expression }}`` receives the expression's value with its type (a
date stays a date cell); a cell mixing text and ``{{ }}`` receives the rendered text. A row whose
first cell starts with ``{%row iterable %}`` is repeated for each item, with ``row`` and ``index``
(from 1) in scope; what lies below it moves down to make room, and data validations that cover it
are stretched over every written row. Fixed text in the row (a label) is written once, its cell
merged down beside the whole block.

Rows grow to what their wrapped cells hold once filled (fit_row_heights), so that no value
overlaps the rows around it in Excel or LibreOffice.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import math
import pickle
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
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


def _marked_row(sheet: Worksheet) -> int | None:
    """The row whose first cell starts with {%row … %}, if the sheet has one."""
    for (row, column), cell in sheet._cells.items():
        if column == 1 and isinstance(cell.value, str) and _ROW_MARKER.match(cell.value):
            return row
    return None


def _fill_sheet(sheet: Worksheet, scope: Mapping[str, Any]) -> None:
    template_row = _marked_row(sheet)
    items: list[Any] = []
    if template_row is not None:
        marker = _ROW_MARKER.match(str(sheet.cell(template_row, 1).value))
        assert marker is not None
        items = list(_compiled(marker["items"])(**scope) or ())
        if len(items) > 1 and template_row < sheet.max_row:
            _make_room(sheet, template_row, len(items) - 1)
    block = range(template_row, template_row + max(len(items), 1)) if template_row else range(0)
    for row in sheet.iter_rows():
        for cell in row:
            if cell.row not in block and isinstance(cell.value, str) and "{" in cell.value:
                put(cell, evaluate(cell.value, scope))
    if template_row is not None:
        _repeat_row(sheet, template_row, items, scope)


def _make_room(sheet: Worksheet, template_row: int, count: int) -> None:
    """Move everything below the template row count rows down: cells with their styles, merged
    ranges, row heights, data validations and the print area. Formulas are not rewritten, so a
    template's formulas refer to rows above its repeated row only."""
    below = template_row + 1
    sheet.insert_rows(below, count)
    for merged in sheet.merged_cells.ranges:
        if merged.min_row >= below:
            merged.shift(0, count)
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            if cell_range.min_row >= below:
                cell_range.shift(0, count)
    dimensions = sorted((i, d) for i, d in sheet.row_dimensions.items() if i >= below)
    for index, _ in dimensions:
        del sheet.row_dimensions[index]
    for index, dimension in dimensions:
        dimension.index = index + count
        sheet.row_dimensions[index + count] = dimension
    if sheet.sheet_properties.pageSetUpPr and sheet.sheet_properties.pageSetUpPr.fitToPage:
        # a form fitted onto one page keeps its width and runs on over the pages the block
        # takes: shrunk onto one page, hundreds of names would print too small to read
        sheet.page_setup.fitToHeight = 0
    if sheet.print_area:
        areas = []
        for area in sheet.print_area.split(","):
            first, last = area.rsplit("!", 1)[-1].replace("$", "").split(":")
            bounds = CellRange(f"{first}:{last}")
            if bounds.max_row >= below:
                bounds.expand(down=count)
            areas.append(bounds.coord)
        sheet.print_area = areas


def _repeat_row(sheet: Worksheet, template_row: int, items: list[Any],
                scope: Mapping[str, Any]) -> None:
    """Fill the template row once per item. A merged range of the row is merged again on every
    row; one whose cell holds fixed text (a label) is merged down over the whole block instead."""
    first = sheet.cell(template_row, 1)
    marker = _ROW_MARKER.match(str(first.value))
    assert marker is not None
    # the cells a merged range covers beyond its first are drawn from the first
    template = [
        (cell.column, cell.value if cell.column != 1 else str(cell.value)[marker.end():],
         copy.copy(cell._style))
        for cell in sheet[template_row] if not isinstance(cell, MergedCell)
    ]
    height = sheet.row_dimensions[template_row].height
    last = template_row + max(len(items), 1) - 1
    labels = {column for column, source, _ in template
              if isinstance(source, str) and source and "{" not in source}
    merges = [r for r in sheet.merged_cells.ranges if r.min_row == r.max_row == template_row]
    for merged in merges if last > template_row else ():
        sheet.unmerge_cells(merged.coord)
    for offset, item in enumerate(items):
        row_scope = {**scope, "row": item, "index": offset + 1}
        number = template_row + offset
        for column, source, style in template:
            cell = sheet.cell(number, column)
            cell._style = copy.copy(style)
            if column in labels:
                value = source if offset == 0 else None
            else:
                value = evaluate(source, row_scope) if isinstance(source, str) and source else None
            put(cell, value if value != "" else None)
        if height:
            sheet.row_dimensions[number].height = height
    if not items:
        for column, _source, _style in template:
            if column not in labels:
                sheet.cell(template_row, column).value = None
    for merged in merges if last > template_row else ():
        if merged.min_col in labels:
            sheet.merge_cells(start_row=template_row, end_row=last,
                              start_column=merged.min_col, end_column=merged.max_col)
        else:
            for number in range(template_row, last + 1):
                sheet.merge_cells(start_row=number, end_row=number,
                                  start_column=merged.min_col, end_column=merged.max_col)
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


#: a digit or Latin letter of the CJK faces that stand in for 宋体 (LibreOffice's Noto Sans CJK)
#: is wider than half an em; an unwrapped number is measured at this width, to be safe
NARROW_EM = 0.6
#: what a cell keeps free around its text, in pixels
CELL_PADDING_PX = 8


def units_for(text: str, size_pt: float) -> float:
    """The column width (Excel units) that shows text on one line at size_pt."""
    em = size_pt * PT_PX
    px = sum(em if unicodedata.east_asian_width(c) in "WF" else em * NARROW_EM for c in text)
    return math.ceil((px + CELL_PADDING_PX) / UNIT_PX * 10) / 10


def _shown(value: Any, number_format: str) -> str:
    """The text a cell shows: a date in its yyyy-mm-dd format, anything else as it is."""
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d %H:%M" if "h" in number_format else "%Y-%m-%d")
    return str(value)


def fit_unbroken_widths(sheet: Worksheet) -> None:
    """Widen each column to what its unwrapped numbers, codes and dates need on one line (cells
    set to shrink to fit, not to wrap): a number is never cut or wrapped inside, and Excel's
    shrinking stays a last resort for fonts wider than measured."""
    merged = {(r.min_row, r.min_col) for r in sheet.merged_cells.ranges}
    needed: dict[str, float] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None or (cell.row, cell.column) in merged:
                continue
            alignment = cell.alignment
            if alignment.wrap_text or not alignment.shrink_to_fit:
                continue
            letter = get_column_letter(cell.column)
            units = units_for(_shown(cell.value, cell.number_format), cell.font.sz or 11)
            needed[letter] = max(needed.get(letter, 0.0), units)
    for letter, units in needed.items():
        dimension = sheet.column_dimensions[letter]
        if units > (dimension.width or DEFAULT_COLUMN_UNITS):
            dimension.width = units


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
def _template(path: Path, mtime_ns: int) -> bytes:
    """The template as openpyxl reads it, pickled: each render unpickles a copy of its own in an
    eighth of the time load_workbook takes to parse the file again (1.4 against 11.4 ms for the
    汇总表), and saves the same parts byte for byte. The pickle is made here, of the service's own
    template, and never leaves the process."""
    return pickle.dumps(load_workbook(io.BytesIO(path.read_bytes())))


def rebind(workbook: Workbook) -> Workbook:
    """The unpickled workbook with each sheet's row and column dimensions bound to it again: a
    defaultdict pickles as its class called with its factory, which openpyxl's DimensionHolder
    takes for its worksheet."""
    for sheet in workbook.worksheets:
        for dimensions, factory in ((sheet.row_dimensions, sheet._add_row),
                                    (sheet.column_dimensions, sheet._add_column)):
            dimensions.worksheet = sheet
            dimensions.default_factory = factory
    return workbook


def render(name: str, documents: Sequence[Document], settings: RenderSettings) -> Rendered:
    if len(documents) != 1:
        raise SetupError("XLSX 每次只能生成一份表格")
    path = settings.templates(name).path("form.xlsx")
    workbook = rebind(pickle.loads(_template(path, path.stat().st_mtime_ns)))
    scope = {"doc": documents[0].context}
    for sheet in workbook.worksheets:
        _fill_sheet(sheet, scope)
        fit_unbroken_widths(sheet)
        fit_row_heights(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Rendered(buffer.getvalue(), "xlsx")
