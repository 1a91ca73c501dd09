"""湖北省职称历史数据采集表 (咸职改办〔2024〕12号 附件4): 12 required fields per title record.

A record is also what an electronic certificate is issued from (附件4 备注4).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field

from ..dates import PastDate
from ..documents import Document
from ..identity import IdentityNumber
from ..text import NumberText, PersonName, Text
from .base import Findings, FindingsBuilder, FormModel, FormSpec, LocatedRow, listed_rows
from .catalogue import catalogue_entry
from .people import check_person
from .tabular import columns, row_cells, warn_duplicates

TITLE = catalogue_entry("title-history").title
#: 备注 1–4 of 附件4, verbatim (the half-width commas are the notice's own)
NOTES_HEADING = "备注:"
NOTES = (
    "1.本次采集范围为 2012 年至 2021 年的中、初级职称数据, 2011 年及以前年份的职称数据根据实际情况"
    "也可纳入本次采集范围。",
    "2.采集表为 excel 格式, 可通过系统下载导入模版。",
    "3.每条职称数据包含 12 项字段信息, 均为必填项。",
    "4.需要生成电子证书的, 采集个人照片后以附件形式通过系统上传。",
)

#: 证件类型 of the record; the notice enumerates none, these follow the documents 咸职改办〔2024〕12号 一
#: admits (居民身份证, 外国人永居证, 港澳台) and 鄂人社 practice
TitleDocumentType = Literal[
    "居民身份证", "港澳居民居住证", "台湾居民居住证", "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证", "外国人永久居留身份证", "护照", "其他",
]
TITLE_DOCUMENT_TYPES: tuple[str, ...] = get_args(TitleDocumentType)


def _document_type(value: Any) -> Any:
    # clerks write 身份证 as often as 居民身份证
    return "居民身份证" if isinstance(value, str) and value.strip() == "身份证" else value


class TitleRecord(FormModel):
    """One title record: a row of the 采集表, and the data of one certificate."""

    name: PersonName = Field(title="姓名", max_length=30)
    gender: Literal["男", "女"] = Field(title="性别")
    document_type: Annotated[TitleDocumentType, BeforeValidator(_document_type)] = Field(
        title="证件类型"
    )
    id_number: IdentityNumber = Field(title="证件号码")
    birth_date: PastDate = Field(title="出生日期")
    series: Text = Field(title="职称系列", min_length=1, max_length=20, examples=["工程"])
    speciality: Text = Field(title="专业名称", min_length=1, max_length=30, examples=["建筑工程"])
    title: Text = Field(title="职称名称", min_length=1, max_length=20, examples=["工程师"])
    committee: Text = Field(
        title="评审组织", min_length=1, max_length=50, examples=["咸宁市工程系列中级职称评审委员会"]
    )
    approver: Text = Field(
        title="批准单位", min_length=1, max_length=50, examples=["咸宁市职称改革工作领导小组办公室"]
    )
    approval_number: NumberText = Field(
        title="批准文号", min_length=1, max_length=40, examples=["咸职改办〔2019〕15号"]
    )
    approval_date: PastDate = Field(title="批准日期")


#: the official labels of the identity fields, for check_person
IDENTITY_LABELS = {"number": "证件号码", "gender": "性别", "birth_date": "出生日期"}


def check_record(found: FindingsBuilder, loc: tuple[Any, ...], record: TitleRecord) -> None:
    """The cross-field rules of one record: identity agrees, approval after birth (fields
    that are None, being wrong themselves, are not compared)."""
    check_person(
        found, loc, document_type=record.document_type, number=record.id_number,
        gender=record.gender, birth_date=record.birth_date, labels=IDENTITY_LABELS,
    )
    if record.approval_date and record.birth_date and record.approval_date <= record.birth_date:
        found.error((*loc, "approval_date"), "批准日期应晚于出生日期")


#: what makes two rows the same title record (and one certificate: issuing it again returns the same one)
RECORD_KEY = "证件号码、职称名称、批准文号"


def check_rows(found: FindingsBuilder, rows: Sequence[LocatedRow]) -> None:
    """The rules of a whole 采集表: each record's own, and no record listed twice."""
    for located in rows:
        check_record(found, located.loc, located.row)
    warn_duplicates(found, rows, lambda r: (r.id_number, r.title, r.approval_number), RECORD_KEY)


class TitleHistoryForm(FormModel):
    """The 采集表: title records, one per row."""

    rows: list[TitleRecord] = Field(title="职称数据", min_length=1, max_length=20000)


def rules(form: TitleHistoryForm) -> Findings:
    found = FindingsBuilder()
    check_rows(found, listed_rows(form.rows, "rows"))
    return found.done()


def documents(form: TitleHistoryForm | None) -> list[Document]:
    rows = form.rows if form else []
    return [Document(TITLE, {
        "title": TITLE,
        "headers": [c.header for c in columns(TitleRecord)],
        "rows": rows,
        "cells": [row_cells(r) for r in rows],
        "notes_heading": NOTES_HEADING,
        "notes": NOTES,
    })]


SPEC = FormSpec.catalogued(
    "title-history",
    model=TitleHistoryForm,
    documents=documents,
    rules=rules,
    row_model=TitleRecord,
    rows_field="rows",
    rows_rules=check_rows,
)
