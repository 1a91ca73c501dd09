"""Workbooks for import tests: the repository's own templates filled in as a clerk would, and files
taken apart to make them hostile."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from werkzeug.test import TestResponse

from formsvc.forms import get_form
from formsvc.forms.tabular import columns
from formsvc.sheets.header import normalized

from ..conftest import sample


def blank_template(client: FlaskClient, form_id: str) -> bytes:
    response = client.get(f"/api/v1/forms/{form_id}/blank?format=xlsx")
    assert response.status_code == 200, response.get_json()
    return response.data


def sample_rows(form_id: str) -> list[dict[str, Any]]:
    """The sample's rows keyed by column header, dates as dates (Excel date cells)."""
    spec = get_form(form_id)
    assert spec.row_model is not None and spec.rows_field is not None
    rows = []
    for row in sample(form_id)[spec.rows_field]:
        typed = {}
        for column in columns(spec.row_model):
            value = row.get(column.name)
            if column.kind == "date" and isinstance(value, str):
                value = dt.date.fromisoformat(value)
            typed[column.header] = value
        rows.append(typed)
    return rows


def header_row(sheet: Worksheet) -> tuple[int, dict[str, int]]:
    """The header's row number and each header's column (without the * of required columns)."""
    for number in range(1, 11):
        cells = {normalized(c.value): c.column for c in sheet[number] if c.value}
        if len(cells) >= 6:
            return number, cells
    raise AssertionError("no header in the first 10 rows")


def fill(template: bytes, rows: Sequence[Mapping[str, Any]], *,
         edit: Callable[[Worksheet, int], None] | None = None) -> bytes:
    """The template with rows typed in below its header (values by column header); edit may
    then change the sheet (it gets the header's row number)."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    number, places = header_row(sheet)
    for offset, row in enumerate(rows, start=1):
        for header, value in row.items():
            cell = sheet.cell(number + offset, places[header])
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # typed text, even when it starts with =
    if edit is not None:
        edit(sheet, number)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def change_row(row_index: int, **values: Any) -> Callable[[Worksheet, int], None]:
    """An edit for fill: in the row_index-th row (from 0), the cells under the given headers
    (named without their *) take the given values."""
    def edit(sheet: Worksheet, header_row: int) -> None:
        headers = [normalized(c.value) for c in sheet[header_row]]
        for header, value in values.items():
            cell = sheet.cell(header_row + 1 + row_index, headers.index(header) + 1)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    return edit


def upload(client: FlaskClient, form_id: str, content: bytes,
           filename: str = "导入.xlsx") -> TestResponse:
    return client.post(f"/api/v1/forms/{form_id}/import",
                       data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def errors_of(response: TestResponse) -> dict[tuple[Any, ...], str]:
    return {tuple(e["loc"]): e["msg"] for e in response.get_json()["errors"]}


def rezip(content: bytes, replace: Mapping[str, bytes] | None = None,
          add: Mapping[str, bytes] | None = None,
          compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The workbook's ZIP rewritten with some parts replaced or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, \
            zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, data in add.items():
            target.writestr(name, data)
    return out.getvalue()


def part(content: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(name)


SHEET_PART = "xl/worksheets/sheet1.xml"
STRINGS_PART = "xl/sharedStrings.xml"


def with_blank_rows(content: bytes, count: int) -> bytes:
    """The workbook with count empty (but formatted, as Excel writes them) rows below its data:
    3.2 million of them pack into about 8 MB."""
    import re

    sheet = part(content, SHEET_PART)
    last = max(int(n) for n in re.findall(rb'<row r="(\d+)"', sheet))
    blank = b"".join(b'<row r="%d" spans="1:12" ht="15" customHeight="1"/>' % n
                     for n in range(last + 1, last + 1 + count))
    return rezip(content, replace={SHEET_PART: sheet.replace(b"</sheetData>", blank + b"</sheetData>")})


def with_shared_strings(content: bytes, count: int) -> bytes:
    """The workbook with a shared-strings part of count entries (openpyxl writes its text inline,
    so the part, its content type and its relationship are added): 2 million entries pack into
    about 2.5 MB, and openpyxl would read them all before the first row."""
    types = part(content, "[Content_Types].xml").replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    relations = part(content, "xl/_rels/workbook.xml.rels").replace(b"</Relationships>", (
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml" Id="rIdStrings"/></Relationships>'))
    strings = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
               b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (count, count)
               + b"".join(b"<si><t>%x</t></si>" % n for n in range(count)) + b"</sst>")
    return rezip(content, replace={"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": relations},
                 add={STRINGS_PART: strings})
