"""Builds form.xlsx of 武汉市专业技术人才向高技能人才贯通申报汇总表 (武人社规〔2022〕2号 附件1).

Sheet 汇总表: the title, 申报单位：（盖章）, the 32 columns in the notice's order with required
columns marked * (填表说明2; which are required is argued in formsvc/forms/crossover_summary.py),
the dropdowns of 证件类型, 文化程度, 考生来源, 证书领取 and 级别 with exactly the notice's values,
date columns as YYYY-MM-DD. Sheet 填表说明: the notes 1–11, verbatim.

附件1's heading reads 高技术人才, a slip: the notice's body names the form
高技能人才, as the title here does. 附件1 prints 填表说明附后 below the table; in the
workbook it stands at the right of the 申报单位 line instead, because the rows below the
header are where clerks type (and where the import reads) the applicants.
"""

from __future__ import annotations

from pathlib import Path

import xlsx_kit as kit
from openpyxl.worksheet.worksheet import Worksheet

from formsvc.forms.crossover_summary import (
    NOTES,
    NOTES_FOLLOW,
    NOTES_HEADING,
    SPEC,
    TITLE,
    UNIT_LINE,
    SummaryRow,
)
from formsvc.forms.tabular import columns, max_rows

UNIT_ROW, HEADER_ROW = 2, 3
#: columns the 申报单位 line spans; 填表说明附后 takes the rest of the row
UNIT_COLUMNS = 16
#: typical content, for fitted widths (the fields' examples give the rest)
EXAMPLES = {
    "name": "阿依古丽·买买提",
    "id_number": "42010219900307231X",
    "mobile": "13907151234",
    "experience": "2012年7月至今从事数控机床电气维护",
    "address": "武汉市东湖新技术开发区佛祖岭一路1号",
    "mailing_address": "武汉市武昌区中南路99号保利广场A座",
    "email": "zhangxy@wzg.com.cn",
    "household_registration": "湖北省武汉市江岸区",
    "original_number": "420100201806001234",
    "postal_code": "430205",
}
#: never wrapped inside (with the dates): the numbers and codes of a row
UNBROKEN = ("id_number", "mobile", "diploma_number", "postal_code", "original_number")
PROMPTS = {
    "id_number": "按文本填写，18位身份证号码末位 X 用大写",
    "gender": "证件类型不是身份证时必填（填表说明4）",
    "birth_date": "证件类型不是身份证时必填（填表说明4）；格式：YYYY-MM-DD，例如 2019-10-01",
    "mailing_address": "证书领取为快递到付时必填（填表说明9）",
}


def unit_line(sheet: Worksheet) -> None:
    """申报单位：…（盖章） above the table, and 填表说明附后 at its right."""
    before, after = UNIT_LINE
    kit.merged_line(sheet, UNIT_ROW, f"{before}{{{{ doc.unit or '' }}}}{after}", UNIT_COLUMNS,
                    size=12, height=24)
    kit.merged_line(sheet, UNIT_ROW, NOTES_FOLLOW, len(columns(SummaryRow)),
                    first_column=UNIT_COLUMNS + 1, align="right")


def build(out_dir: Path) -> list[Path]:
    # 32 columns shrunk onto one A3 page print at 4-5 pt: at full size (11 pt) over several
    # pages, the title rows and 序号/姓名 repeated on each
    return [kit.listing_workbook(
        out_dir, sheet_title="汇总表", title_text=TITLE, columns=columns(SummaryRow),
        header_row=HEADER_ROW, items="doc.rows", rows=max_rows(SPEC) or 1000,
        notes=("填表说明", NOTES_HEADING, NOTES), above=unit_line,
        page={"paper": "A3", "landscape": True, "title_columns": "A:B", "fit_width": False,
              "attachment": "附件1"},
        mark_required=True, sources={"serial": "{{ row.serial or index }}"}, examples=EXAMPLES,
        prompts=PROMPTS, frozen_columns=2, unbroken=UNBROKEN)]
