"""武汉市专业技术人才向高技能人才贯通申报汇总表 (武人社规〔2022〕2号 附件1): one applicant per row.

The 32 columns are 附件1's, in its order. Which are required (marked * in the template,
填表说明2) is not listed by the notice; the choice follows what the form itself and the
individual application (附件2) need:

- required: 姓名, 证件类型, 证件号 (who applies); 文化程度, 考生来源 (填表说明6–7 and 附件2 ask
  them of everyone); 证书领取 (填表说明8–9 turn on it); 职业名称, 级别, 申报条件 (what is applied
  for and on what ground, 三(二)); 手机号码 (the only contact of every applicant); 所在单位 (附件2
  所在单位); 原证书职业, 原证书等级, 原证书编号 (the title the application rests on: 附件2
  职称系列/职称证书等级, 说明2 后附专业技术职称证书复印件);
- required on condition, so not marked: 性别 and 出生日期 unless 证件类型 is 身份证 (填表说明4),
  邮寄地址 when 证书领取 is 快递到付 (填表说明9);
- optional: 序号 (numbered in sheet order when blank), 工种名称 (not every occupation has trades),
  and the personal details 参加工作时间 … 城市 the notice asks nothing particular of.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from ..contacts import Email, MobileNumber, PostalCode
from ..dates import PastDate
from ..documents import Document
from ..identity import RESIDENT_ID_TYPES, IdentityNumber, check_resident_id
from ..text import Paragraphs, PersonName, Text
from .base import (
    Findings,
    FindingsBuilder,
    FormModel,
    FormSpec,
    LocatedRow,
    SheetTool,
    listed_rows,
)
from .catalogue import catalogue_entry
from .crossover import CandidateSource, CertificateDelivery, CrossoverDocumentType, Education, SkillLevel
from .people import check_person
from .tabular import columns, row_cells, warn_duplicates

TITLE = catalogue_entry("crossover-summary").title
UNIT_LINE = ("申报单位：", "（盖章）")
NOTES_FOLLOW = "填表说明附后"
NOTES_HEADING = "填表说明："
#: 填表说明 1–11, verbatim. In 5 the notice's extracted text reads “AA..BB..CC”, evidently a garbled
#: date pattern; its own example (2019-10-01) shows the intent, written here as YYYY-MM-DD.
NOTES = (
    "1、请勿修改、调整表头名字与字段顺序和单元数据类型。",
    "2、带*号标记列为必填项。",
    "3、证件类型包括身份证、士兵证、军官证、警官证、港澳台证、护照、其他。请按照下拉菜单显示的类型进行选择或填写。",
    "4、当证件类型填写身份证时，性别和出生日期可不填；当证件类型不是身份证时，性别和出生日期为必填项。",
    "5、出生日期请按 YYYY-MM-DD 的格式进行填报。例如：2019-10-01",
    "6、文化程度分为：博士、研究生、大学本科、大学专科和专科学校、中等专业学校、技校、高级技校、技师学院、高中、"
    "职高、初中、小学。请按照下拉菜单显示的类型进行选择或填写。",
    "7、考生来源包括：国有企业、集体企业、私营企业、个体外企、外商投资、港澳台商投资、职业高中、普通技工学校、"
    "高级技工学校、技师学院、职业技术学院、普通中专、普通高中、普通大专、普通大学、研究生院、其他、下岗失业人员、"
    "现役军人、农民工、劳改劳教人员、其他人员、机关事业单位。请根据下拉菜单显示的类型进行选择或填写",
    "8、证书领取方式包括自取与快递到付两种类型。请根据下拉菜单显示的类型进行选择或填写。",
    "9、如选择快递到付的证书领取方式，邮寄地址为必填项。",
    "10、级别分为一级/高级技师、二级/技师、三级/高级工、四级/中级工、五级/初级工；若为专项能力，请选择无级别，"
    "请按照下拉菜单显示的内容进行选择或填写。",
    "11、如采用自有数据模板，建议将数据内容复制到本模板中进行导入。",
)

Gender = Literal["男", "女"]


class SummaryRow(FormModel):
    """One applicant: a row of the 汇总表, and the data of their individual application."""

    serial: int | None = Field(None, title="序号", ge=1, le=99999)
    name: PersonName = Field(title="姓名", max_length=30)
    document_type: CrossoverDocumentType = Field(title="证件类型")
    id_number: IdentityNumber = Field(title="证件号")
    gender: Gender | None = Field(None, title="性别", description="证件类型不是身份证时必填")
    birth_date: PastDate | None = Field(None, title="出生日期", description="证件类型不是身份证时必填")
    education: Education = Field(title="文化程度")
    candidate_source: CandidateSource = Field(title="考生来源")
    delivery: CertificateDelivery = Field(title="证书领取")
    occupation: Text = Field(title="职业名称", min_length=1, max_length=30, examples=["电工"])
    trade: Text | None = Field(None, title="工种名称", max_length=30, examples=["维修电工"])
    level: SkillLevel = Field(title="级别")
    condition: Text = Field(title="申报条件", min_length=1, max_length=60,
                            examples=["取得中级职称（工程师）"])
    mobile: MobileNumber = Field(title="手机号码")
    work_start: PastDate | None = Field(None, title="参加工作时间")
    profession: Text | None = Field(None, title="从事专业", max_length=30, examples=["电气工程"])
    profession_years: int | None = Field(None, title="专业年限", ge=0, le=60)
    ethnicity: Text | None = Field(None, title="民族", max_length=10, examples=["汉族"])
    political_status: Text | None = Field(None, title="政治面貌", max_length=20, examples=["中共党员"])
    diploma_number: Text | None = Field(None, title="学历证书编号", max_length=40,
                                        examples=["104861201305001234"])
    experience: Paragraphs | None = Field(None, title="简要经历", max_length=300)
    postal_code: PostalCode | None = Field(None, title="邮政编码")
    unit: Text = Field(title="所在单位", min_length=1, max_length=50, examples=["武汉钢铁有限公司"])
    address: Text | None = Field(None, title="通讯地址", max_length=100)
    mailing_address: Text | None = Field(None, title="邮寄地址", max_length=100,
                                         description="证书领取为快递到付时必填")
    email: Email | None = Field(None, title="邮箱")
    household_registration: Text | None = Field(None, title="户籍所在地", max_length=50)
    province: Text | None = Field(None, title="省份", max_length=20, examples=["湖北省"])
    city: Text | None = Field(None, title="城市", max_length=20, examples=["武汉市"])
    original_occupation: Text = Field(title="原证书职业", min_length=1, max_length=30,
                                      examples=["工程-电气工程"])
    original_level: Text = Field(title="原证书等级", min_length=1, max_length=20, examples=["中级"])
    original_number: Text = Field(title="原证书编号", min_length=1, max_length=40)

    @property
    def person_gender(self) -> str | None:
        """性别 as given, or as the 身份证 number says when it was left blank (填表说明4)."""
        if self.gender is None and self.document_type in RESIDENT_ID_TYPES and self.id_number:
            return check_resident_id(self.id_number).gender
        return self.gender

    @property
    def person_birth_date(self) -> dt.date | None:
        """出生日期 as given, or as the 身份证 number says when it was left blank (填表说明4)."""
        if self.birth_date is None and self.document_type in RESIDENT_ID_TYPES and self.id_number:
            return check_resident_id(self.id_number).birth_date
        return self.birth_date


#: the official labels of the identity fields, for check_person
IDENTITY_LABELS = {"number": "证件号", "gender": "性别", "birth_date": "出生日期"}


def check_row(found: FindingsBuilder, loc: tuple, row: SummaryRow) -> None:
    """One applicant's rules: identity agrees (填表说明4), 邮寄地址 for 快递到付 (填表说明9)."""
    check_person(found, loc, document_type=row.document_type, number=row.id_number,
                 gender=row.gender, birth_date=row.birth_date, labels=IDENTITY_LABELS)
    if row.delivery == "快递到付" and not row.mailing_address:
        found.error((*loc, "mailing_address"), "证书领取为快递到付时，邮寄地址为必填项")
    born = row.person_birth_date
    if row.work_start is not None and born is not None and row.work_start <= born:
        found.error((*loc, "work_start"), "参加工作时间应晚于出生日期")


def check_rows(found: FindingsBuilder, rows: Sequence[LocatedRow]) -> None:
    for located in rows:
        check_row(found, located.loc, located.row)
    warn_duplicates(found, rows, lambda r: (r.id_number, r.occupation, r.level), "证件号、职业名称、级别")


class CrossoverSummaryForm(FormModel):
    """A unit's 汇总表: the unit above the table, then its applicants."""

    unit: Text | None = Field(None, title="申报单位", max_length=50,
                              description="留空则打印后手写并盖章")
    rows: list[SummaryRow] = Field(title="申报人员", min_length=1, max_length=2000)


def rules(form: CrossoverSummaryForm) -> Findings:
    found = FindingsBuilder()
    check_rows(found, listed_rows(form.rows, "rows"))
    return found.done()


def documents(form: CrossoverSummaryForm | None) -> list[Document]:
    rows = form.rows if form else []
    cells = []
    for index, row in enumerate(rows, start=1):
        printed = row_cells(row)
        printed[0] = printed[0] or str(index)  # 序号 left blank: numbered in order
        cells.append(printed)
    return [Document(TITLE, {
        "title": TITLE,
        "unit": form.unit if form else None,
        "unit_line": UNIT_LINE,
        # marked as in the template, for 填表说明2 printed below
        "headers": [c.marked_header for c in columns(SummaryRow)],
        "rows": rows,
        "cells": cells,
        "notes_follow": NOTES_FOLLOW,
        "notes_heading": NOTES_HEADING,
        "notes": NOTES,
    })]


SPEC = FormSpec.catalogued(
    "crossover-summary",
    model=CrossoverSummaryForm,
    documents=documents,
    rules=rules,
    row_model=SummaryRow,
    rows_field="rows",
    rows_rules=check_rows,
    # every applicant's 个人申报表 (附件2) from the filled sheet: formsvc/applications.py
    sheet_tool=SheetTool(
        "applications.applications", "生成每位申报人的个人申报表",
        "上传填好的汇总表（可附二寸照片 ZIP，每张照片以证件号命名），一次生成表中每位申报人的"
        "《个人申报表》：PDF 每人一页，或 Word 文件的压缩包。",
        formats=("pdf", "docx"), photos=True,
    ),
)
