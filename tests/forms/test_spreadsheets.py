"""Every spreadsheet as a clerk opens and prints it: rows as tall as their wrapped values, notes
sheets on A4, the 32-column summary legible over several pages, LibreOffice's print clean."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from formsvc.render.xlsx import row_height_for, wrapped_lines

from ..helpers import sample, save_artifact
from ..libreoffice import overlapping_glyphs, smallest_cjk_em, to_pdf

TABULAR = ("post-quota", "title-history", "crossover-summary")


def filled(client, form_id: str) -> bytes:
    response = client.post(f"/api/v1/forms/{form_id}/render?format=xlsx", json=sample(form_id))
    assert response.status_code == 200, response.get_json()
    return response.data


def blank(client, form_id: str) -> bytes:
    return client.get(f"/api/v1/forms/{form_id}/blank?format=xlsx").data


@pytest.mark.parametrize("form_id", TABULAR)
@pytest.mark.parametrize("source", [filled, blank])
def test_libreoffice_prints_every_sheet_without_rows_overlapping(client, form_id, source):
    content = source(client, form_id)
    pdf = to_pdf(content, "xlsx")
    save_artifact(f"{form_id}-{source.__name__}-libreoffice.pdf", pdf)
    assert overlapping_glyphs(pdf) == []
    # legible: the summary at 8 pt or more (not shrunk onto one page), every sheet at 7 or more
    assert smallest_cjk_em(pdf) >= (7.9 if form_id == "crossover-summary" else 6.9) - 0.05


@pytest.mark.parametrize("form_id", TABULAR)
def test_each_row_is_as_tall_as_its_longest_wrapped_cell(client, form_id):
    workbook = load_workbook(io.BytesIO(filled(client, form_id)))
    for sheet in workbook.worksheets:
        spans = {(r.min_row, r.min_col): r for r in sheet.merged_cells.ranges}
        for row in sheet.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                    continue
                merged = spans.get((cell.row, cell.column))
                if merged is not None and merged.max_row > merged.min_row:
                    continue
                last = merged.max_col if merged is not None else cell.column
                units = sum(sheet.column_dimensions[get_column_letter(c)].width or 8.43
                            for c in range(cell.column, last + 1))
                size = cell.font.sz or 11
                lines = wrapped_lines(cell.value, units, size)
                height = sheet.row_dimensions[cell.row].height or 15
                assert height >= row_height_for(lines, size) - 0.1, (sheet.title, cell.coordinate)


@pytest.mark.parametrize("form_id, notes", [("title-history", "备注"),
                                            ("crossover-summary", "填表说明")])
def test_notes_sheets_print_on_a4_as_wide_as_the_page_wrapped(client, form_id, notes):
    sheet = load_workbook(io.BytesIO(blank(client, form_id)))[notes]
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.page_setup.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert all(cell.alignment.wrap_text for cell in sheet["A"][1:])


def test_the_summary_prints_at_full_size_over_pages_with_its_titles_repeated(client):
    sheet = load_workbook(io.BytesIO(blank(client, "crossover-summary")))["汇总表"]
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A3
    assert sheet.page_setup.orientation == "landscape"
    assert not sheet.sheet_properties.pageSetUpPr or not sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$3"
    assert sheet.print_title_cols == "$A:$B"
    from pypdf import PdfReader

    pdf = to_pdf(filled(client, "crossover-summary"), "xlsx")
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    title = "武汉市专业技术人才向高技能人才贯通申报汇总表"
    table_pages = [page for page in pages if "序号" in page]
    assert len(table_pages) >= 2
    assert all(title in page and "姓名" in page for page in table_pages)


#: the 附件 number of each form in its notice (咸职改办〔2024〕12号, 武人社规〔2022〕2号)
ATTACHMENTS = {"post-quota": "附件1", "pledge": "附件2", "committee-filing": "附件3",
               "title-history": "附件4", "crossover-summary": "附件1", "crossover-application": "附件2"}


@pytest.mark.parametrize("form_id", sorted(ATTACHMENTS))
def test_every_blank_form_carries_its_附件_marker_in_every_format(client, form_id):
    from docx import Document

    from formsvc.forms import get_form

    from ..helpers import pdf_text

    marker = ATTACHMENTS[form_id]
    assert get_form(form_id).source.endswith(marker)
    for extension in get_form(form_id).formats:
        content = client.get(f"/api/v1/forms/{form_id}/blank?format={extension}").data
        if extension == "pdf":
            assert marker in pdf_text(content)[0].splitlines()
        elif extension == "docx":
            assert Document(io.BytesIO(content)).sections[0].header.paragraphs[0].text == marker
        else:
            assert load_workbook(io.BytesIO(content)).worksheets[0].oddHeader.left.text == marker
