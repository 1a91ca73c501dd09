"""武汉市专业技术人才向高技能人才贯通个人申报表 (武人社规〔2022〕2号 附件2): one applicant, one page.

Besides the printed fields the form takes 取得职称时间, which the table has no box for: with
职称证书等级 it decides, under 三(二), which skill levels the applicant may apply for. /validate
answers that as "eligibility", and a 申报等级 above it is an error citing the clause.

formsvc/applications.py makes every applicant's form from the rows of a filled 汇总表 (附件1).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from ..clock import china_today
from ..dates import AnyDate, PastDate, parse_date
from ..documents import Document
from ..errors import field_error
from ..identity import RESIDENT_ID_TYPES, IdentityNumber, check_resident_id
from ..images import TWO_INCH_MM, PhotoField
from ..text import PersonName, Text
from .base import (
    Findings,
    FindingsBuilder,
    FormModel,
    FormSpec,
)
from .catalogue import catalogue_entry
from .crossover import CandidateSource, CrossoverDocumentType, Education, SkillLevel
from .crossover_eligibility import Eligibility, TitleGrade, crossover_eligibility
from .people import check_person

_YEAR_MONTH = (
    re.compile(r"(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月"),
)

_WHOLE_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?")


def parse_year_month(value: Any) -> str:
    """出生年月 as YYYY-MM, from 1986-05, 1986.5, 1986年5月, or a whole date (day dropped)."""
    if isinstance(value, str):
        text = value.strip()
        for pattern in _YEAR_MONTH:
            match = pattern.fullmatch(text)
            if match:
                year, month = int(match["y"]), int(match["m"])
                break
        else:
            if not _WHOLE_DATE.fullmatch(text):
                raise field_error("格式无法识别：{text}（应为 YYYY-MM、YYYY年M月 或完整日期）",
                                  text=text[:20])
            day = parse_date(text)  # 1986-05-12 and the other spellings of a whole date
            year, month = day.year, day.month
    elif isinstance(value, dt.date):
        year, month = value.year, value.month
    else:
        raise field_error("应为年月（如 1986-05 或 1986年5月）")
    if not 1 <= month <= 12:
        raise field_error("月份不存在：{month}", month=month)
    today = china_today()
    if year < 1900 or (year, month) > (today.year, today.month):
        raise field_error("不合理：{year}年{month}月", year=year, month=month)
    return f"{year:04d}-{month:02d}"


#: a year and month, kept as YYYY-MM
YearMonth = Annotated[
    str,
    BeforeValidator(parse_year_month),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}$",
                    "description": "YYYY-MM、YYYY年M月，或完整日期"}),
]


def year_month_text(value: str | None) -> str:
    """1986-05 as the form prints it: 1986年5月."""
    if not value:
        return ""
    year, month = value.split("-")
    return f"{int(year)}年{int(month)}月"


def _title_grade(value: Any) -> Any:
    # 副高 and 正高 are how clerks often write the grades (a 汇总表's 原证书等级 among them)
    if isinstance(value, str):
        value = value.strip()
        if value in ("助理", "副高", "正高"):
            return f"{value}级"
    return value


class CrossoverApplication(FormModel):
    """One professional's application for skill-level evaluation, as 附件2 lays it out."""

    name: PersonName = Field(title="姓名", max_length=20)
    gender: Literal["男", "女"] | None = Field(
        None, title="性别", description="证件类别为身份证时可不填，由证件号码得出")
    birth_month: YearMonth | None = Field(
        None, title="出生年月", description="证件类别为身份证时可不填，由证件号码得出")
    photo: PhotoField | None = Field(None, title="照片")
    document_type: CrossoverDocumentType = Field(title="证件类别")
    education: Education = Field(title="文化程度")
    id_number: IdentityNumber = Field(title="证件号码")
    unit: Text = Field(title="所在单位", min_length=1, max_length=40,
                       examples=["武汉重型机床集团有限公司"])
    title_series: Text = Field(title="职称系列", min_length=1, max_length=15, examples=["工程"])
    title_speciality: Text = Field(title="职称专业", min_length=1, max_length=16,
                                   examples=["机械制造及其自动化"])
    title_grade: Annotated[TitleGrade, BeforeValidator(_title_grade)] = Field(title="职称证书等级")
    title_obtained: PastDate | None = Field(
        None, title="取得职称时间",
        description="不印在表上；用于判断是否“满3年”（武人社规〔2022〕2号 三(二)2、3）")
    candidate_source: CandidateSource = Field(title="考生来源")
    occupation: Text = Field(title="申报职业技能等级职业（工种）", min_length=1, max_length=30,
                             examples=["机床装调维修工（数控机床装调维修工）"])
    level: SkillLevel = Field(title="申报等级")
    signed_on: AnyDate | None = Field(None, title="签名日期", description="留空则签名时手写")


#: the official labels of the identity fields, for check_person
IDENTITY_LABELS = {"number": "证件号码", "gender": "性别", "birth_date": "出生年月"}
IDENTITY_FIELDS = {"birth_date": "birth_month"}


def _birth_for_check(form: CrossoverApplication) -> dt.date | None:
    """出生年月 as a date check_person can compare: the number's own birthday when the month
    agrees (the form asks for no day), the 1st of the month when it does not."""
    if form.birth_month is None:
        return None
    year, month = (int(part) for part in form.birth_month.split("-"))
    if form.document_type in RESIDENT_ID_TYPES and form.id_number:
        born = check_resident_id(form.id_number).birth_date
        if born is not None and (born.year, born.month) == (year, month):
            return born
    return dt.date(year, month, 1)


def eligibility(form: CrossoverApplication, on: dt.date | None = None) -> Eligibility:
    """三(二) for the applicant, as of on (today when not given)."""
    return crossover_eligibility(form.title_grade, form.title_obtained, on or china_today())


def rules(form: CrossoverApplication) -> Findings:
    found = FindingsBuilder()
    check_person(
        found, (), document_type=form.document_type, number=form.id_number, gender=form.gender,
        birth_date=_birth_for_check(form), labels=IDENTITY_LABELS, fields=IDENTITY_FIELDS,
    )
    if form.title_obtained and form.birth_month and \
            form.title_obtained.isoformat()[:7] <= form.birth_month:
        found.error(("title_obtained",), "取得职称时间应晚于出生年月")
    if form.title_grade is None or form.level is None:
        return found.done()  # one of the two is itself wrong: eligibility cannot be judged
    result = eligibility(form)
    refusal = result.refusal(form.level)
    if refusal and result.unverified(form.level):
        # without the date the rule cannot be applied either way: a person must look
        found.warn(("level",), f"申报等级需核对取得职称时间：{refusal}")
    elif refusal:
        found.error(("level",), f"申报等级超出贯通条件：{refusal}")
    return found.done()


def explain(form: CrossoverApplication) -> dict[str, Any]:
    result = eligibility(form)
    return {"eligibility": result.as_json(), "eligibility_summary": result.summary()}


#: the fields printed as they are
PRINTED = ("name", "document_type", "education", "id_number", "unit", "title_series",
           "title_speciality", "title_grade", "candidate_source", "occupation", "level", "signed_on")


def context(form: CrossoverApplication | None) -> dict[str, Any]:
    """The printed values; 性别 and 出生年月 of a 身份证 holder come from the number if not given."""
    if form is None:
        return dict.fromkeys((*PRINTED, "gender", "birth_month", "photo", "photo_mm"))
    gender, birth_month = form.gender, year_month_text(form.birth_month)
    if form.document_type in RESIDENT_ID_TYPES:
        from_number = check_resident_id(form.id_number)
        gender = gender or from_number.gender
        if not birth_month and from_number.birth_date:
            birth_month = year_month_text(from_number.birth_date.isoformat()[:7])
    photo = form.photo
    return {
        **{name: getattr(form, name) for name in PRINTED},
        "gender": gender,
        "birth_month": birth_month,
        "photo": photo.data if photo else None,
        "photo_mm": photo.fit_mm(TWO_INCH_MM) if photo else None,
    }


TITLE = catalogue_entry("crossover-application").title


def document(form: CrossoverApplication | None) -> Document:
    name = f"贯通个人申报表-{form.name}" if form else "贯通个人申报表"
    return Document(name, context(form))


def documents(form: CrossoverApplication | None) -> list[Document]:
    return [document(form)]


SPEC = FormSpec.catalogued(
    "crossover-application",
    model=CrossoverApplication,
    documents=documents,
    rules=rules,
    explain=explain,
    uploads=("photo",),
)
