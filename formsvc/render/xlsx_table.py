"""A plain list as Excel: a header and rows, for the office's exports; text never a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .xlsx import put


def table(title: str, headers: Sequence[tuple[str, float]], rows: Iterable[Sequence[Any]]) -> bytes:
    """A workbook of one sheet: a bold, frozen header of (label, column width) and rows below it,
    every value written by put (text never becomes a formula).

    Written row by row (openpyxl's write-only mode), so that a long list is never held as
    cells in memory: rows may be a generator reading from the database.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])  # Excel's longest sheet name
    for index, (_label, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cells(values: Sequence[Any], font: Font | None = None) -> list[WriteOnlyCell]:
        written = []
        for value in values:
            cell = WriteOnlyCell(sheet)
            put(cell, value)
            if font is not None:
                cell.font = font
            written.append(cell)
        return written

    sheet.append(cells([label for label, _width in headers], bold))
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
