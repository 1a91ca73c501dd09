"""Excel output: openpyxl fills form.xlsx; text is always text, never a formula.

A template cell holding ``{{ expression }}`` receives the expression's value with its type (a
date stays a date cell); a cell mixing text and ``{{ }}`` receives the rendered text. A row whose
first cell starts with ``{%row iterable %}`` is repeated for each item, with ``row`` and ``index``
(from 1) in scope; it must be the last filled row of its sheet, and data validations that cover it
are stretched over every written row.
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
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import SetupError
from ..forms.base import Document
from . import Rendered, TemplateFolder
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


@functools.lru_cache(maxsize=64)
def _template_bytes(path: Path, mtime_ns: int) -> bytes:
    return path.read_bytes()


def render(templates: TemplateFolder, documents: Sequence[Document]) -> Rendered:
    if len(documents) != 1:
        raise SetupError("XLSX 每次只能生成一份表格")
    path = templates.path("form.xlsx")
    workbook = load_workbook(io.BytesIO(_template_bytes(path, path.stat().st_mtime_ns)))
    scope = {"doc": documents[0].context}
    for sheet in workbook.worksheets:
        _fill_sheet(sheet, scope)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Rendered(buffer.getvalue(), "xlsx")
