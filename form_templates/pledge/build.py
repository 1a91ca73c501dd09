"""Builds form.docx of 诚信承诺书 (咸职改办〔2024〕12号 附件2), wording verbatim."""

from __future__ import annotations

from pathlib import Path

import docx_kit as kit

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
    return [path]
