"""Every spreadsheet as a clerk opens and prints it: rows as tall as their wrapped values, notes
sheets on A4, the 32-column summary legible over several pages, LibreOffice's print clean."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from formsvc.render.xlsx import row_height_for, wrapped_lines

from ..helpers import flat, pdf_text, sample, save_artifact
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


#: 300 applicants with distinct names, a third at each level
_GIVEN = "振华明远思琪建国晓梅文静志强海燕春生秋月"


def three_hundred_applicants() -> dict:
    data = sample("post-quota")
    data["applicants"] = [
        {"name": f"欧阳{_GIVEN[i // 20]}{_GIVEN[i % 20]}", "speciality": "临床医学检验技术",
         "level": ("中级", "副高", "正高")[i % 3], "route": "空岗申报"}
        for i in range(300)
    ]
    return data


def test_300_applicants_continue_over_rows_each_within_excels_tallest_row(client):
    from formsvc.forms.post_quota import PostQuotaApplicant
    from formsvc.render.xlsx import LINE_EM, MAX_ROW_PT

    data = three_hundred_applicants()
    response = client.post("/api/v1/forms/post-quota/render?format=xlsx", json=data)
    assert response.status_code == 200, response.get_json()
    save_artifact("post-quota-300.xlsx", response.data)
    sheet = load_workbook(io.BytesIO(response.data)).active
    label = next(r for r in sheet.merged_cells.ranges if r.min_row == 11 and r.min_col == 1)
    block = range(label.min_row, label.max_row + 1)
    assert sheet["A11"].value == "申报人员姓名及专业" and len(block) > 1
    listed = "\n".join(sheet.cell(row, 3).value for row in block)
    for applicant in data["applicants"]:
        assert PostQuotaApplicant(**applicant).listed in listed, applicant["name"]
    units = sum(sheet.column_dimensions[c].width for c in "CDEF")
    for row in block:
        assert f"C{row}:F{row}" in {str(r) for r in sheet.merged_cells.ranges}
        cell = sheet.cell(row, 3)
        # what the row's wrapped lines need, uncapped, fits the tallest row Excel keeps
        needed = wrapped_lines(cell.value, units, cell.font.sz) * cell.font.sz * LINE_EM + 4
        assert needed <= MAX_ROW_PT, row
        assert sheet.row_dimensions[row].height >= needed - 0.1
    # the rest of the form follows the list, and the sheet runs on over pages at full width
    assert flat(sheet.cell(block[-1] + 1, 1).value) == "主管部门审核意见"
    assert sheet.cell(block[-1] + 2, 3).value == "（盖章）\n2024年5月15日"
    assert sheet.page_setup.fitToHeight == 0 and sheet.page_setup.fitToWidth == 1
    last = sheet.max_row
    assert sheet.print_area == f"'核定表'!$A$1:$F${last}"
    pdf = to_pdf(response.data, "xlsx")
    save_artifact("post-quota-300-libreoffice.pdf", pdf)
    assert overlapping_glyphs(pdf) == []
    assert smallest_cjk_em(pdf) >= 6.85
    printed = flat("".join(pdf_text(pdf)))
    for applicant in data["applicants"]:
        assert PostQuotaApplicant(**applicant).listed in printed, applicant["name"]


#: the cells that hold numbers, codes and dates, by form: never wrapped, as wide as they need
UNBROKEN = {
    "title-history": ("id_number", "birth_date", "approval_number", "approval_date"),
    "crossover-summary": ("id_number", "birth_date", "mobile", "work_start", "diploma_number",
                          "postal_code", "original_number"),
}


def long_numbers(form_id: str) -> dict:
    data = sample(form_id)
    if form_id == "title-history":
        data["rows"][1]["approval_number"] = "鄂人社职改办〔2024〕12345号"
    else:
        data["rows"][0]["diploma_number"] = "1048612012050012345678"
        data["rows"][0]["original_number"] = "S000042010000224012345678"
    return data


@pytest.mark.parametrize("form_id", sorted(UNBROKEN))
def test_numbers_and_dates_stay_whole_on_one_line_as_text(client, form_id):
    from formsvc.forms import get_form
    from formsvc.forms.tabular import columns
    from formsvc.render.xlsx import units_for

    spec = get_form(form_id)
    data = long_numbers(form_id)
    response = client.post(f"/api/v1/forms/{form_id}/render?format=xlsx", json=data)
    assert response.status_code == 200, response.get_json()
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    table = [c.name for c in columns(spec.row_model)]
    first = 3 if form_id == "title-history" else 4
    for offset, row in enumerate(data["rows"]):
        for name in UNBROKEN[form_id]:
            value = row.get(name)
            if value is None:
                continue
            column = table.index(name) + 1
            cell = sheet.cell(first + offset, column)
            assert not cell.alignment.wrap_text and cell.alignment.shrink_to_fit, cell.coordinate
            width = sheet.column_dimensions[get_column_letter(column)].width
            assert width >= units_for(str(value), 11), (cell.coordinate, value, width)
            if name.endswith(("date", "start")):
                assert cell.is_date and cell.number_format == "yyyy-mm-dd"
            else:
                # text, never a number Excel would show as 4.20102E+17
                assert (cell.data_type, cell.value) == ("s", value), cell.coordinate
    # LibreOffice prints each number whole within one line
    lines = [line for page in pdf_text(to_pdf(response.data, "xlsx")) for line in page.splitlines()]
    for row in data["rows"]:
        for name in UNBROKEN[form_id]:
            if row.get(name) is not None:
                assert any(str(row[name]) in line for line in lines), (name, row[name])
