"""Builds form.docx of 诚信承诺书 (咸职改办〔2024〕12号 附件2), wording verbatim, and form.xlsx, the
sheet of applicants a unit fills to have a pledge made for each of them.

The notice has no such list: the sheet is the service's import template (its blank XLSX), one
applicant per row, its columns the pledge's own blanks (承诺人 and the application applied for).
The unit and the date are the same for every pledge and are given once, on the form.
"""

from __future__ import annotations

from pathlib import Path

import docx_kit as kit
import xlsx_kit

from formsvc.forms.pledge import SPEC, PledgeApplicant
from formsvc.forms.tabular import columns, max_rows

PLEDGE = (
    "（专业技术任职资格评审）。本人承诺所提交的所有申报评审资料（包括学历、职称、考试、"
    "奖励证书及论文、业绩证明等材料）均为真实。如提供虚假的申报资料，本人自愿三年内停止"
    "申报任职资格，并接受政府职改部门的处理。"
)

#: five characters of no-break space: where the applicant signs by hand
PEN_ROOM = "\u00a0" * 20


def build(out_dir: Path) -> list[Path]:
    document = kit.new_document(attachment="附件2")
    for _ in range(2):
        kit.paragraph(document, "")
    kit.title(document, "诚信承诺书", space_after_pt=24)
    fill = {"underline": True}
    kit.paragraph(
        document,
        [
            ("本人系", {}),
            ("{{ doc.unit|blank(8) }}", fill),
            ("（单位）工作人员，现申报", {}),
            ("{{ doc.application|blank(8) }}", fill),
            (PLEDGE, {}),
        ],
        align="justify", indent_chars=2, line_pt=32,
    )
    for _ in range(3):
        kit.paragraph(document, "", line_pt=32)
    # room for a pen between the label and the typed name, as in form.html
    signature = kit.paragraph(document, "承诺人签名：" + PEN_ROOM + "{{ doc.name or '' }}", line_pt=32)
    signature.paragraph_format.left_indent = kit.Pt(kit.SANHAO * 10)
    date = kit.paragraph(document, "{{ doc.date|date_or_blank }}", line_pt=32)
    date.paragraph_format.left_indent = kit.Pt(kit.SANHAO * 15)
    path = out_dir / "form.docx"
    kit.save(document, path)
    return [path, build_sheet(out_dir)]


SHEET_TITLE = "诚信承诺书申报人员名单"
SHEET_HEADER_ROW = 2
SHEET_NOTES = (
    "1、每行填写一位申报人员，每人生成一份诚信承诺书（咸职改办〔2024〕12号 附件2）。",
    "2、带*号标记列为必填项；承诺人可留空，打印后手写签名。",
    "3、职称系列、专业、申报资格按申报评审的专业技术资格填写，例如“工程”“机械设计”“高级工程师”，"
    "承诺书中写作“工程系列机械设计专业高级工程师”。",
    "4、单位和承诺日期对表中所有人员相同，在网页上填写一次即可。",
    "5、请勿修改表头，不要使用公式；一个文件最多填写 500 人。",
)
#: typical content, for fitted widths
SHEET_EXAMPLES = {"name": "阿依古丽·买买提", "speciality": "中西医结合临床"}


def build_sheet(out_dir: Path) -> Path:
    return xlsx_kit.listing_workbook(
        out_dir, sheet_title="申报人员", title_text=SHEET_TITLE, columns=columns(PledgeApplicant),
        header_row=SHEET_HEADER_ROW, items="doc.applicants", rows=max_rows(SPEC) or 1000,
        notes=("填写说明", "填写说明：", SHEET_NOTES), page={"paper": "A4", "landscape": False},
        mark_required=True, examples=SHEET_EXAMPLES)
