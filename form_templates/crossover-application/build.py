"""Builds form.docx of 武汉市专业技术人才向高技能人才贯通个人申报表 (武人社规〔2022〕2号 附件2).

The grid is 附件2's: seven columns, the (照片) cell spanning the first four rows, the 承诺书 row,
the three opinion rows and 说明 1–5 below, wording verbatim (see form.html for how the notice's
extracted text was read). The photo box is a 2-inch photo, 35 × 49 mm.
"""

from __future__ import annotations

from pathlib import Path

import docx_kit as kit

TITLE = "武汉市专业技术人才向高技能人才贯通个人申报表"
#: the photo column leaves Word's default cell margins (1.9 mm a side) around the 35 mm photo
WIDTHS_MM = (30, 25, 14, 16, 17, 28, 40)
PLEDGE = "本人承诺，所提交资料和信息全部真实有效，如有弄虚作假，本人愿承担一切后果。"
STAMP = "单位（盖章）　　　　　　　年　　月　　日"
NOTES = (
    "说明：1.本表格一式三份。武汉市职业技能鉴定指导中心、社会培训评价组织、个人各一份。",
    "2.后附专业技术职称证书复印件。",
    "3.证件类型包括身份证、士兵证、军官证、警官证、港澳台证、护照、其他。",
    "4.文化程度分为：博士、研究生、大学本科、大学专科和专科学校、中等专业学校、技校、高级技校、"
    "技师学院、高中、职高、初中、小学。",
    "5.考生来源包括：国有企业、集体企业、私营企业、个体外企、外商投资、港澳台商投资、职业高中、"
    "普通技工学校、高级技工学校、技师学院、职业技术学院、普通中专、普通高中、普通大专、普通大学、"
    "研究生院、其他、下岗失业人员、现役军人、农民工、劳改劳教人员、其他人员、机关事业单位。",
)

#: (row, first column, last column, text): labels and value tags, row by row as the notice has them
CELLS = (
    (0, 0, 0, "姓名"), (0, 1, 1, "{{ doc.name or '' }}"), (0, 2, 2, "性别"),
    (0, 3, 3, "{{ doc.gender or '' }}"), (0, 4, 4, "出生\n年月"), (0, 5, 5, "{{ doc.birth_month or '' }}"),
    (1, 0, 0, "证件类别"), (1, 1, 3, "{{ doc.document_type or '' }}"), (1, 4, 4, "文化\n程度"),
    (1, 5, 5, "{{ doc.education or '' }}"),
    (2, 0, 0, "证件号码"), (2, 1, 5, "{{ doc.id_number or '' }}"),
    (3, 0, 0, "所在单位"), (3, 1, 5, "{{ doc.unit or '' }}"),
    (4, 0, 0, "职称系列"), (4, 1, 4, "{{ doc.title_series or '' }}"), (4, 5, 5, "职称专业"),
    (4, 6, 6, "{{ doc.title_speciality or '' }}"),
    (5, 0, 0, "职称证书\n等级"), (5, 1, 4, "{{ doc.title_grade or '' }}"), (5, 5, 5, "考生来源"),
    (5, 6, 6, "{{ doc.candidate_source or '' }}"),
    (6, 0, 0, "申报职业技能\n等级职业\n(工种)"), (6, 1, 4, "{{ doc.occupation or '' }}"),
    (6, 5, 5, "申报\n等级"), (6, 6, 6, "{{ doc.level or '' }}"),
    (7, 0, 0, "承诺书"),
    (8, 0, 0, "所在单位\n意见"), (9, 0, 0, "评价机构\n意见"), (10, 0, 0, "市职鉴\n中心上网\n意见"),
)
LEFT_ALIGNED = {(2, 1), (3, 1)}
#: row heights in mm (at least): the four photo rows hold 49 mm of photo between them
HEIGHTS_MM = (13, 13, 13, 13, 11, 11, 13, 26, 28, 28, 28)


def build(out_dir: Path) -> list[Path]:
    document = kit.new_document(margins_mm=(15, 20, 12, 20), attachment="附件2")
    kit.title(document, TITLE, size=kit.XIAOER, space_after_pt=12)
    grid = kit.table(document, rows=len(HEIGHTS_MM), widths_mm=WIDTHS_MM)
    for row, height in enumerate(HEIGHTS_MM):
        kit.row_height(grid, row, height)
    for row, first, last, text in CELLS:
        cell = kit.merge(grid, row, first, row, last) if last > first else grid.cell(row, first)
        kit.cell_text(cell, text, align="left" if (row, first) in LEFT_ALIGNED else "center")

    photo = kit.merge(grid, 0, 6, 3, 6)
    kit.cell_text(photo, "{{ picture(doc.photo, doc.photo_mm[0], doc.photo_mm[1]) "
                         "if doc.photo else '(照片)' }}")

    pledge = kit.merge(grid, 7, 1, 7, 6)
    kit.cell_text(pledge, PLEDGE)
    sign = kit.paragraph(pledge, "本人签名：　　　　　　　　{{ doc.signed_on|date_or_blank }}",
                         align="right", size=kit.XIAOSI, space_before_pt=12)
    sign.paragraph_format.right_indent = kit.Mm(6)

    for row in (8, 9, 10):
        opinion = kit.merge(grid, row, 1, row, 6)
        kit.cell_bottom(opinion)
        stamp = kit.cell_text(opinion, STAMP, align="right", space_after_pt=6)
        stamp.paragraph_format.right_indent = kit.Mm(8)

    for index, note in enumerate(NOTES):
        para = kit.paragraph(document, note, size=kit.XIAOWU, align="justify",
                             space_before_pt=6 if index == 0 else 0)
        if index:
            para.paragraph_format.left_indent = kit.Pt(kit.XIAOWU * 3)
    path = out_dir / "form.docx"
    kit.save(document, path)
    return [path]
