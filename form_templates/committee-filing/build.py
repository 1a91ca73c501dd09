"""Builds form.docx of 职称评审委员会核准备案表 (咸职改办〔2024〕12号 附件3).

附件3's table: four columns; 评委会名称, 专家库现有人数, 是否制定…, 近三年评审情况 and 主要做法
carry their value across the last three columns, the other rows pair two label/value couples.
"""

from __future__ import annotations

from pathlib import Path

import docx_kit as kit

#: column widths in mm, as in form.html
WIDTHS_MM = (40, 52, 26, 56)
#: the rows in the notice's order: one label across, or two label/value couples
ROWS: tuple[tuple[str, ...], ...] = (
    ("评委会名称", "name"),
    ("评审范围", "scope", "评审层级", "level"),
    ("组建单位", "organizer", "承办机构", "office"),
    ("通讯地址", "address", "联系电话", "phone"),
    ("承办机构\n主要负责人", "head", "职务", "head_post"),
    ("专家库现有人数", "experts"),
    ("是否制定相应评审办法、管理制度等", "rules"),
)


def tag(expression: str) -> str:
    """A template tag the renderer fills: {{ expression }}."""
    return "{{ " + expression + " }}"


def label(cell: kit._Cell, text: str) -> None:
    for index, line in enumerate(text.split("\n")):
        kit.paragraph(cell, line, align="center", size=kit.XIAOSI, reuse_first=index == 0)


def build(out_dir: Path) -> list[Path]:
    document = kit.new_document(margins_mm=(20, 18, 16, 18), attachment="附件3")
    kit.title(document, tag("doc.city or '＿＿市'") + "职称评审委员会核准备案表",
              space_after_pt=14)
    grid = kit.table(document, len(ROWS) + 2, WIDTHS_MM)
    for row, cells in enumerate(ROWS):
        kit.row_height(grid, row, 11 if len(cells) == 2 and "\n" not in cells[0] else 14)
        label(grid.cell(row, 0), cells[0])
        if len(cells) == 2:
            value = kit.merge(grid, row, 1, row, 3)
            kit.cell_text(value, tag(f"doc.{cells[1]} or ''"), align="left")
        else:
            kit.cell_text(grid.cell(row, 1), tag(f"doc.{cells[1]} or ''"), align="left")
            label(grid.cell(row, 2), cells[2])
            kit.cell_text(grid.cell(row, 3), tag(f"doc.{cells[3]} or ''"), align="left")
    reviews_row, practice_row = len(ROWS), len(ROWS) + 1
    kit.row_height(grid, reviews_row, 23)
    label(grid.cell(reviews_row, 0), "近三年评审情况")
    reviews = kit.merge(grid, reviews_row, 1, reviews_row, 3)
    # one paragraph per year, as the notice sets them
    kit.cell_text(reviews, tag("doc.reviews|join('\\n')|paragraphs"), align="left",
                  line_pt=kit.XIAOSI * 1.6)
    kit.row_height(grid, practice_row, 93)
    label(grid.cell(practice_row, 0), "主要做法")
    practice = kit.merge(grid, practice_row, 1, practice_row, 3)
    kit.cell_top(practice)
    # 五号 at 1.5 lines, as in form.html: sixteen lines fill the row
    kit.boxed(practice, "doc.practice_box", align="justify", size=kit.WUHAO, indent_chars=2,
              line_pt=kit.WUHAO * 1.5)
    kit.annexes(document)
    path = out_dir / "form.docx"
    kit.save(document, path)
    return [path]
