"""Builds form.xlsx of 湖北省职称历史数据采集表 (咸职改办〔2024〕12号 附件4): the import template.

The 12 columns are the notice's, in its order, headed exactly as it heads them: 备注3 makes every
field required, so the header carries no * (it would add nothing to the notice's wording). The
备注 stand on a sheet of their own, verbatim: below the table they would sit where clerks type
rows, and the import reads the first sheet's table only.
"""

from __future__ import annotations

from pathlib import Path

import xlsx_kit as kit

from formsvc.forms.tabular import columns, max_rows
from formsvc.forms.title_history import NOTES, NOTES_HEADING, SPEC, TITLE, TitleRecord

HEADER_ROW = 2
#: typical content, for fitted widths
EXAMPLES = {
    "name": "阿依古丽·买买提",
    "id_number": "42230119930514202X",
    "series": "工程",
    "speciality": "建筑工程技术",
    "title": "高级工程师",
    "committee": "咸宁市工程系列中级职称评审委员会",
    "approver": "咸宁市职称改革工作领导小组办公室",
    "approval_number": "咸职改办〔2019〕15号",
}
#: never wrapped inside (with the dates): 证件号码 and 批准文号
UNBROKEN = ("id_number", "approval_number")
PROMPTS = {
    "document_type": "从下拉列表中选择；“身份证”即居民身份证",
    "id_number": "按文本填写，18位身份证号码末位 X 用大写",
}


def build(out_dir: Path) -> list[Path]:
    # shrunk onto one page width the sheet prints at 5-6 pt: at full size over two pages
    # across, the title rows and 姓名 repeated on each
    return [kit.listing_workbook(
        out_dir, sheet_title="职称数据", title_text=TITLE, columns=columns(TitleRecord),
        header_row=HEADER_ROW, items="doc.rows", rows=max_rows(SPEC) or 1000,
        notes=("备注", NOTES_HEADING, NOTES),
        page={"paper": "A4", "landscape": True, "title_columns": "A:A", "fit_width": False,
              "attachment": "附件4"},
        mark_required=False, examples=EXAMPLES, prompts=PROMPTS, unbroken=UNBROKEN)]
