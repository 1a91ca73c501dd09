"""What the XLSX template builders share: title rows, a styled frozen header, fitted widths, lists.

Each form_templates/<id>/build.py uses these to write its form.xlsx, so that a template can be
regenerated and reviewed as code. The renderer (formsvc/render/xlsx.py) then fills ``{{ }}``
cells and repeats the row whose first cell starts with ``{%row … %}``; cells keep the style,
number format and data validation the builder gave them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from formsvc.forms.tabular import Column
from formsvc.render.xlsx import units_for

#: the fonts every Chinese Excel install has
SONG = "宋体"
HEITI_NAME = "黑体"
#: cell number formats: dates as the notices write them (2019-10-01), and text for numbers
#: such as identity numbers, which Excel would otherwise turn into 4.20102E+17
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
#: required columns are marked with * and set in dark red, the convention of official templates
REQUIRED_COLOR = "C00000"
WRAP = Alignment(wrap_text=True, vertical="center")
#: a number, code or date: on one line, never wrapped inside; the column is as wide as it needs
#: (the renderer widens it to the data), and shrinking to fit is Excel's last resort only
UNBROKEN = Alignment(wrap_text=False, shrink_to_fit=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def new_workbook(sheet_title: str) -> tuple[Workbook, Worksheet]:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title
    workbook.properties.creator = "formsvc"
    workbook.properties.description = "由 form_templates 中的构建脚本生成，请勿手工修改后提交"
    return workbook, sheet


def display_width(text: str) -> int:
    """Width of text in Excel's character units: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def merged_line(sheet: Worksheet, row: int, text: str, last_column: int, *, size: float = 11,
                bold: bool = False, align: str = "left", height: float | None = None,
                first_column: int = 1) -> None:
    """A line of text across the table's width (title, 申报单位：（盖章）, …) or part of it."""
    cell = sheet.cell(row, first_column, text)
    cell.font = Font(name=SONG, size=size, bold=bold)
    cell.alignment = Alignment(horizontal=align, vertical="center")
    if last_column > first_column:
        sheet.merge_cells(start_row=row, start_column=first_column, end_row=row,
                          end_column=last_column)
    if height:
        sheet.row_dimensions[row].height = height


def title(sheet: Worksheet, text: str, last_column: int, *, row: int = 1) -> None:
    merged_line(sheet, row, text, last_column, size=16, bold=True, align="center", height=32)


def marked(header: str, required: bool) -> str:
    """The header as the template shows it: * before a required column (填表说明: 带*号标记列为必填项)."""
    return f"*{header}" if required else header


def header(sheet: Worksheet, row: int, headers: Sequence[str], *,
           required: Iterable[bool] | None = None, height: float = 30) -> None:
    """The table's header: bold, shaded, bordered, wrapped; required columns in dark red."""
    flags = list(required) if required is not None else [False] * len(headers)
    for column, (text, needed) in enumerate(zip(headers, flags, strict=True), start=1):
        cell = sheet.cell(row, column, text)
        cell.font = Font(name=SONG, size=11, bold=True, color=REQUIRED_COLOR if needed else None)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = CENTER
    sheet.row_dimensions[row].height = height


def template_row(sheet: Worksheet, row: int, items: str, sources: Sequence[str],
                 formats: Sequence[str | None], alignments: Sequence[Alignment] | None = None
                 ) -> None:
    """The data row the renderer repeats for each item of items, one source per column."""
    aligned = alignments or [WRAP] * len(sources)
    for column, (source, number_format, alignment) in enumerate(
            zip(sources, formats, aligned, strict=True), start=1):
        value = f"{{%row {items} %}}{source}" if column == 1 else source
        cell = sheet.cell(row, column, value)
        cell.font = Font(name=SONG, size=11)
        cell.border = BORDER
        cell.alignment = alignment
        if number_format:
            cell.number_format = number_format


def column_formats(sheet: Worksheet, formats: Sequence[str | None]) -> None:
    """Give whole columns a number format, so cells a clerk types below the table get it too."""
    for column, number_format in enumerate(formats, start=1):
        if number_format:
            sheet.column_dimensions[get_column_letter(column)].number_format = number_format


def fit_widths(sheet: Worksheet, columns: Sequence[Sequence[str]], *, minimum: int = 6,
               maximum: int = 40) -> None:
    """Each column as wide as the widest of its texts (header and typical content)."""
    for column, texts in enumerate(columns, start=1):
        width = max((display_width(t) for t in texts), default=minimum) + 2
        sheet.column_dimensions[get_column_letter(column)].width = max(minimum, min(width, maximum))


def _validation_range(column: int, first_row: int, last_row: int) -> str:
    letter = get_column_letter(column)
    return f"{letter}{first_row}:{letter}{last_row}"


def dropdown(sheet: Worksheet, column: int, first_row: int, last_row: int,
             values: Sequence[str], *, header_text: str, prompt: str | None = None) -> DataValidation:
    """A list validation: the official values as a dropdown, anything else refused by Excel."""
    source = ",".join(values)
    # Excel keeps at most 255 characters of a list typed into the validation itself
    assert len(source) <= 255 and not any("," in v or '"' in v for v in values), header_text
    validation = DataValidation(
        type="list", formula1=f'"{source}"', allow_blank=True,
        showErrorMessage=True, errorStyle="stop", errorTitle=f"{header_text}填写有误",
        error=f"{header_text}请从下拉列表中选择",
        showInputMessage=bool(prompt), promptTitle=header_text if prompt else None, prompt=prompt,
    )
    validation.add(_validation_range(column, first_row, last_row))
    sheet.add_data_validation(validation)
    return validation


def input_hint(sheet: Worksheet, column: int, first_row: int, last_row: int, *,
               header_text: str, prompt: str) -> DataValidation:
    """An input message shown when a cell of the column is selected; accepts any value."""
    validation = DataValidation(showInputMessage=True, promptTitle=header_text, prompt=prompt,
                                allow_blank=True)
    validation.add(_validation_range(column, first_row, last_row))
    sheet.add_data_validation(validation)
    return validation


def print_setup(sheet: Worksheet, *, paper: str = "A4", landscape: bool = True,
                title_rows: str | None = None, area: str | None = None,
                one_page: bool = False, title_columns: str | None = None,
                fit_width: bool = True, attachment: str | None = None) -> None:
    """Print on one page width, the header repeated on every page.

    A form sheet (one_page) prints its area on exactly one page, centred, as the paper form. A
    table too wide to shrink onto one page legibly (fit_width=False) prints at full size over
    as many pages as it takes, its title rows and columns repeated on each.
    """
    sheet.page_setup.paperSize = {"A4": sheet.PAPERSIZE_A4, "A3": sheet.PAPERSIZE_A3}[paper]
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    if fit_width:
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 1 if one_page else 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    else:
        sheet.page_setup.scale = 100
        # across, then down: the pages of one band of rows follow each other
        sheet.page_setup.pageOrder = "overThenDown"
    if title_columns:
        sheet.print_title_cols = title_columns
    if attachment:
        # the notice's 附件N, printed top left above the sheet (a cell would move the table)
        sheet.oddHeader.left.text = attachment
        sheet.oddHeader.left.font = f"{HEITI_NAME},Regular"
        sheet.oddHeader.left.size = 14
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    if one_page:
        sheet.print_options.horizontalCentered = True
    if title_rows:
        sheet.print_title_rows = title_rows
    if area:
        sheet.print_area = area


def box(sheet: Worksheet, cell_range: str, value: object, *, size: float = 12,
        bold: bool = False, horizontal: str = "center", vertical: str = "center",
        number_format: str | None = None, border: Border = BORDER) -> None:
    """A cell of a form sheet, merged over cell_range: bordered, wrapped, 宋体 at size points."""
    first = sheet[cell_range.split(":")[0]]
    first.value = value
    first.font = Font(name=SONG, size=size, bold=bold)
    first.alignment = Alignment(horizontal=horizontal, vertical=vertical, wrap_text=True)
    if number_format:
        first.number_format = number_format
    first.border = border
    if ":" in cell_range:
        # openpyxl gives the edges of a merged range the border of its top-left cell, which is
        # what Excel draws them from
        sheet.merge_cells(cell_range)


def notes_sheet(workbook: Workbook, sheet_title: str, heading: str, lines: Sequence[str], *,
                width: int = 90) -> Worksheet:
    """A sheet of notes (填表说明, 备注): the heading, then one line per cell, wrapped; printed
    on A4 portrait, as wide as the page."""
    sheet = workbook.create_sheet(sheet_title)
    print_setup(sheet, landscape=False, area=f"A1:A{len(lines) + 1}")
    sheet.column_dimensions["A"].width = width
    cell = sheet.cell(1, 1, heading)
    cell.font = Font(name=SONG, size=12, bold=True)
    for row, text in enumerate(lines, start=2):
        cell = sheet.cell(row, 1, text)
        cell.font = Font(name=SONG, size=11)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        # a line of the widest notes wraps once or twice at this width
        sheet.row_dimensions[row].height = 15 * (1 + display_width(text) // (width - 4))
    return sheet


#: what a column of each kind typically holds, for its width
TYPICAL = {"text": "", "date": "2019-10-01", "integer": "10"}
DATE_PROMPT = "格式：YYYY-MM-DD，例如 2019-10-01"


def table(sheet: Worksheet, columns: Sequence[Column], *, header_row: int, items: str,
          last_row: int, mark_required: bool, sources: Mapping[str, str] | None = None,
          examples: Mapping[str, str] | None = None, prompts: Mapping[str, str] | None = None,
          frozen_columns: int = 1, unbroken: Iterable[str] = ()) -> None:
    """A tabular form's table from its row model's columns, for import and for filled output.

    The header (required columns marked * when mark_required), the data row the renderer repeats
    over items (each cell ``{{ row.<field> }}`` unless sources says otherwise), number formats on
    whole columns (text columns as text, so Excel keeps 18-digit numbers and leading zeros),
    dropdowns with each field's official values and input hints down to last_row, widths fitted
    to the header, the values and examples, and the header frozen. Dates and the columns named in
    unbroken (identity numbers, phone numbers, document numbers) are never wrapped: their
    columns are wide enough for the example on one line.
    """
    sources, examples, prompts = sources or {}, examples or {}, prompts or {}
    first = header_row + 1
    header(sheet, header_row, [c.marked_header if mark_required else c.header for c in columns],
           required=[mark_required and c.required for c in columns])
    formats = [DATE_FORMAT if c.kind == "date" else TEXT_FORMAT if c.kind == "text" else None
               for c in columns]
    whole = {c.name for c in columns if c.kind == "date"} | set(unbroken)
    template_row(sheet, first, items,
                 [sources.get(c.name, f"{{{{ row.{c.name} }}}}") for c in columns], formats,
                 [UNBROKEN if c.name in whole else WRAP for c in columns])
    column_formats(sheet, formats)
    for index, column in enumerate(columns, start=1):
        prompt = prompts.get(column.name) or (DATE_PROMPT if column.kind == "date" else None)
        if column.choices:
            dropdown(sheet, index, first, last_row, column.choices, header_text=column.header,
                     prompt=prompt)
        elif prompt:
            input_hint(sheet, index, first, last_row, header_text=column.header, prompt=prompt)
    fit_widths(sheet, [
        [c.marked_header, *c.choices, examples.get(c.name, TYPICAL[c.kind])] for c in columns
    ])
    for index, column in enumerate(columns, start=1):
        if column.name in whole:
            dimension = sheet.column_dimensions[get_column_letter(index)]
            dimension.width = max(dimension.width, units_for(
                examples.get(column.name, TYPICAL[column.kind]), 11))
    sheet.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{first}"


def save(workbook: Workbook, path: Path) -> None:
    workbook.save(str(path))


def listing_workbook(out_dir: Path, *, sheet_title: str, title_text: str, columns: Sequence[Column],
                     header_row: int, items: str, rows: int, notes: tuple[str, str, Sequence[str]],
                     page: Mapping[str, Any], above: Callable[[Worksheet], None] | None = None,
                     **table_options: Any) -> Path:
    """The import template of a listing form: its title, what stands above the table (above),
    the table of columns for rows rows, the print setup with the title rows repeated on every
    page, and the notes (sheet title, heading, lines) on a sheet of their own; saved as
    out_dir/form.xlsx."""
    workbook, sheet = new_workbook(sheet_title)
    title(sheet, title_text, len(columns))
    if above is not None:
        above(sheet)
    table(sheet, columns, header_row=header_row, items=items, last_row=header_row + rows,
          **table_options)
    print_setup(sheet, title_rows=f"1:{header_row}", **page)
    notes_sheet(workbook, *notes)
    path = out_dir / "form.xlsx"
    save(workbook, path)
    return path
