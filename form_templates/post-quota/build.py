"""Builds form.docx and form.xlsx of 事业单位高、中级职称申报情况核定表 (咸职改办〔2024〕12号 附件1).

Both keep 附件1's table: six label rows (申报情况 spanning its two sub-rows) against 合计/中级/
副高/正高, then 申报人员姓名及专业 and the two 审核意见 rows across the value columns, and 备注 1–3.
"""

from __future__ import annotations

from pathlib import Path

import docx_kit as kit
import xlsx_kit as xl
from openpyxl.styles import Alignment, Border
from openpyxl.worksheet.datavalidation import DataValidation

from formsvc.forms.post_quota import MAX_COUNT

TITLE = "年度事业单位高、中级职称申报情况核定表"
YEAR = "{{ doc.year ~ ' ' if doc.year else '＿＿' }}"
COLUMNS = ("合　计", "中　级", "副　高", "正　高")
#: label rows of the grid: (label, context key); 申报情况 groups the last two
ROWS = (
    ("设岗情况", "posts"),
    ("已聘情况（不含“双肩挑”）", "appointed"),
    ("待聘情况", "awaiting"),
    ("空岗情况", "vacant"),
    ("空岗申报", "vacancy_applications"),
    ("不占岗位申报", "off_post_applications"),
)
GROUP = "申报情况"
APPLICANTS = "申报人员姓名及专业"
#: the two review rows: label as the notice breaks it, context key
REVIEWS = (
    (("主管部门", "审核意见"), "supervisor"),
    (("事业单位", "人事管理", "部门审核", "意见"), "personnel"),
)
STAMP = "（盖章）"
NOTES = (
    "备注：1.此表由用人单位填报，并加盖公章。",
    "2.设岗情况为事业单位人事管理部门批复调整的岗位数量；已聘情况为现已经聘任到专业技术岗位的人员"
    "数量；待聘情况为所有取得职称未聘到相应职级的人员数量；空岗情况为单位实际空缺的岗位数量；申报"
    "情况中的空岗申报为按照空岗申报原则申报的人员数量，不占岗位申报为按照规定不占岗位申报的人员数量。",
    "3.各地区各部门可结合实际，对本表格进行适当调整。",
)
#: column widths in mm: two label columns, four value columns (as in form.html)
WIDTHS_MM = (24, 32, 30.5, 30.5, 30.5, 30.5)
#: the list and the opinions are set in 五号 at 1.5 lines, as in form.html
LINE_PT = kit.WUHAO * 1.5
#: an Excel column width unit (the width of a digit of the default font) in mm
MM_PER_CHARACTER = 1.9
OPEN_BELOW = Border(left=xl.BORDER.left, right=xl.BORDER.right, top=xl.BORDER.top)
OPEN_ABOVE = Border(left=xl.BORDER.left, right=xl.BORDER.right, bottom=xl.BORDER.bottom)


def tag(expression: str) -> str:
    """A template tag the renderers fill: {{ expression }}."""
    return "{{ " + expression + " }}"


def build_docx(path: Path) -> None:
    document = kit.new_document(margins_mm=(15, 16, 12, 16), attachment="附件1")
    kit.title(document, YEAR + TITLE, space_after_pt=8)
    kit.paragraph(document, "填报单位（盖章）：{{ doc.unit or '' }}", size=kit.SIHAO, line_pt=26)
    kit.paragraph(document, "填报时间：{{ doc.date|date_or_blank }}", size=kit.SIHAO, line_pt=26,
                  space_after_pt=4)
    grid = kit.table(document, 1 + len(ROWS) + 1 + len(REVIEWS), WIDTHS_MM)
    kit.merge(grid, 0, 0, 0, 1)
    for column, label in enumerate(COLUMNS, start=2):
        kit.cell_text(grid.cell(0, column), label)
    for row, (label, key) in enumerate(ROWS, start=1):
        kit.row_height(grid, row, 8)
        if row <= 4:
            kit.cell_text(kit.merge(grid, row, 0, row, 1), label)
        else:
            kit.cell_text(grid.cell(row, 1), label)
        for column in range(4):
            kit.cell_text(grid.cell(row, 2 + column),
                          tag(f"doc.counts.{key}[{column}]|blank(0)"), font=kit.SONG)
    kit.row_height(grid, 0, 8)
    kit.cell_text(kit.merge(grid, 5, 0, 6, 0), GROUP)
    applicants_row = 1 + len(ROWS)
    kit.row_height(grid, applicants_row, 48)
    kit.cell_text(kit.merge(grid, applicants_row, 0, applicants_row, 1), APPLICANTS)
    listing = kit.merge(grid, applicants_row, 2, applicants_row, 5)
    kit.boxed(listing, "doc.listed", align="justify", size=kit.WUHAO, line_pt=LINE_PT)
    kit.cell_top(listing)
    for offset, (label_lines, key) in enumerate(REVIEWS):
        row = applicants_row + 1 + offset
        kit.row_height(grid, row, 29)
        label = kit.merge(grid, row, 0, row, 1)
        for index, line in enumerate(label_lines):
            kit.paragraph(label, line, align="center", size=kit.XIAOSI, reuse_first=index == 0)
        review = kit.merge(grid, row, 2, row, 5)
        kit.cell_top(review)
        kit.boxed(review, f"doc.{key}.boxed", align="justify", size=kit.WUHAO, indent_chars=2,
                  line_pt=LINE_PT)
        opinion_space = kit.paragraph(review, "", size=kit.WUHAO)
        opinion_space.paragraph_format.space_after = kit.Pt(18)
        kit.paragraph(review, STAMP, align="right", size=kit.XIAOSI)
        kit.paragraph(review, tag(f"doc.{key}.date|date_or_blank"), align="right",
                      size=kit.XIAOSI)
    first, *more = NOTES
    kit.paragraph(document, first, size=kit.WUHAO, space_before_pt=6)
    for note in more:
        kit.paragraph(document, note, size=kit.WUHAO, align="justify").paragraph_format.left_indent \
            = kit.Pt(kit.WUHAO * 3)
    kit.annexes(document)
    kit.save(document, path)


def build_xlsx(path: Path) -> None:
    workbook, sheet = xl.new_workbook("核定表")
    for letter, width_mm in zip("ABCDEF", WIDTHS_MM, strict=True):
        sheet.column_dimensions[letter].width = round(width_mm / MM_PER_CHARACTER, 1)
    xl.title(sheet, YEAR + TITLE, len(WIDTHS_MM))
    xl.merged_line(sheet, 2, "填报单位（盖章）：{{ doc.unit or '' }}", 6, size=kit.SIHAO, height=24)
    xl.merged_line(sheet, 3, "填报时间：{{ doc.date|date_or_blank }}", 6, size=kit.SIHAO, height=24)
    xl.box(sheet, "A4:B4", None)
    for column, text in zip("CDEF", COLUMNS, strict=True):
        xl.box(sheet, f"{column}4", text)
    sheet.row_dimensions[4].height = 24
    first_row = 5
    for offset, (text, key) in enumerate(ROWS):
        row = first_row + offset
        # 已聘情况（不含“双肩挑”） takes two lines
        sheet.row_dimensions[row].height = 36 if offset == 1 else 24
        if offset < 4:
            xl.box(sheet, f"A{row}:B{row}", text)
        else:
            xl.box(sheet, f"B{row}", text)
        # 合计 adds up as a clerk edits the levels; empty while they are
        xl.box(sheet, f"C{row}", f'=IF(COUNT(D{row}:F{row}),SUM(D{row}:F{row}),"")',
               number_format="0")
        for column, letter in enumerate("DEF", start=1):
            xl.box(sheet, f"{letter}{row}", tag(f"doc.counts.{key}[{column}]"),
                   number_format="0")
    counts = DataValidation(
        type="whole", operator="between", formula1="0", formula2=str(MAX_COUNT), allow_blank=True,
        showErrorMessage=True, errorStyle="stop", errorTitle="人数填写有误",
        error=f"请填写0至{MAX_COUNT}的整数",
    )
    counts.add(f"D{first_row}:F{first_row + len(ROWS) - 1}")
    sheet.add_data_validation(counts)
    xl.box(sheet, f"A{first_row + 4}:A{first_row + 5}", GROUP)
    row = first_row + len(ROWS)
    sheet.row_dimensions[row].height = 136
    # one row per 409 pt of list (Excel's tallest row): the renderer repeats the row, the label
    # spanning every row of the list
    xl.box(sheet, f"A{row}:B{row}", "{%row doc.sheet_rows %}" + APPLICANTS)
    xl.box(sheet, f"C{row}:F{row}", "{{ row }}", size=kit.WUHAO, horizontal="left",
           vertical="top")
    for label_lines, key in REVIEWS:
        # the opinion above, the stamp line below, drawn as one box: no rule between them
        opinion, stamp = row + 1, row + 2
        row = stamp
        sheet.row_dimensions[opinion].height = 48
        sheet.row_dimensions[stamp].height = 34
        xl.box(sheet, f"A{opinion}:B{stamp}", "\n".join(label_lines))
        xl.box(sheet, f"C{opinion}:F{opinion}", tag(f"doc.{key}.opinion or ''"),
               size=kit.WUHAO, horizontal="left", vertical="top", border=OPEN_BELOW)
        xl.box(sheet, f"C{stamp}:F{stamp}", STAMP + "\n" + tag(f"doc.{key}.date|date_or_blank"),
               horizontal="right", vertical="bottom", border=OPEN_ABOVE)
    for index, note in enumerate(NOTES):
        row += 1
        xl.merged_line(sheet, row, note if index == 0 else "\u3000\u3000\u3000" + note, 6,
                       size=kit.WUHAO, height=15 if len(note) < 60 else 56)
        sheet.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    xl.print_setup(sheet, landscape=False, area=f"A1:F{row}", one_page=True, attachment="附件1")
    xl.save(workbook, path)


def build(out_dir: Path) -> list[Path]:
    docx_path, xlsx_path = out_dir / "form.docx", out_dir / "form.xlsx"
    build_docx(docx_path)
    build_xlsx(xlsx_path)
    return [docx_path, xlsx_path]
