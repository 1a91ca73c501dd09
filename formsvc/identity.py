"""Identity documents: the number as typed, the check of a 居民身份证 number (GB 11643, through
python-stdnum) against the 性别 and 出生日期 given with it, and how much of a number public pages
show."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from .clock import china_today
from .dates import official_date
from .errors import field_error
from .text import normalise_text

#: names under which forms call the resident identity card; its number is checked in full
RESIDENT_ID_TYPES = frozenset({"身份证", "居民身份证"})


#: what a document number is made of once upper-cased and without spaces
IDENTITY_NUMBER_CHARS = r"[0-9A-Z()（）\-]{4,30}"


def _identity_number(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a spreadsheet may hand over a number; an ID never starts with 0
    if not isinstance(value, str):
        raise field_error("应为文本")
    value = normalise_text(value).upper().replace(" ", "")
    if not value:
        raise field_error("不能为空")
    if not re.fullmatch(IDENTITY_NUMBER_CHARS, value):
        raise field_error("格式错误：只能包含数字、字母、括号和连字符，4–30 位")
    return value


#: a document number as typed; what it must look like depends on the document type (the
#: published schema also admits lower-case letters, which are upper-cased)
IdentityNumber = Annotated[str, BeforeValidator(_identity_number), Field(json_schema_extra={
    "minLength": 4, "maxLength": 30, "pattern": r"^[0-9A-Za-z()（）\-]{4,30}$"})]


@dataclass(frozen=True)
class IdentityCheck:
    """What the check of one identity document found."""

    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    birth_date: dt.date | None = None
    gender: str | None = None
    #: other fields that disagree with the number: "gender" or "birth_date" → message
    mismatches: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_resident_id(number: str) -> IdentityCheck:
    """Check a 居民身份证 number (GB 11643): length, check digit, birth date, region."""
    number = ric.compact(number)
    if len(number) != 18:
        return IdentityCheck(errors=(f"应为18位，现为{len(number)}位",))
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return IdentityCheck(errors=("格式错误：前17位应为数字，末位为数字或X",))
    # a wrong check digit still leaves the birth date and sex the number states, so that a
    # 性别 or 出生日期 that disagrees is reported in the same answer
    errors = () if number[17] == ric.calc_check_digit(number) else ("校验位错误",)
    try:
        birth_date = ric.get_birth_date(number)
    except stdnum_errors.InvalidComponent:
        return IdentityCheck(errors=(*errors, f"中的出生日期 {number[6:14]} 不存在"))
    if birth_date > china_today() or birth_date.year < 1900:
        return IdentityCheck(errors=(*errors, f"中的出生日期 {number[6:14]} 不合理"))
    gender = "男" if int(number[16]) % 2 else "女"
    if errors:
        return IdentityCheck(errors=errors, birth_date=birth_date, gender=gender)
    warnings: tuple[str, ...] = ()
    if not _known_region(number[:6], birth_date.year):
        # python-stdnum's region list lags behind new and renamed counties: a valid number
        # can carry a code it does not know, so this is for a person to look at, not a refusal
        warnings = (f"的地区码 {number[:6]} 不在已知行政区划代码中，请核对",)
    return IdentityCheck(warnings=warnings, birth_date=birth_date, gender=gender)


@functools.lru_cache(maxsize=16384)
def _known_region(code: str, year: int) -> bool:
    """Whether python-stdnum knows the region code as assigned in that year.

    stdnum searches its region database on every call (about a millisecond); a sheet of
    thousands of people repeats a few hundred (code, year) pairs.
    """
    try:
        ric.get_birth_place(f"{code}{year:04d}0101000")
    except stdnum_errors.ValidationError:
        return False
    return True


def check_identity(
    document_type: str | None,
    number: str,
    *,
    gender: str | None = None,
    birth_date: dt.date | None = None,
) -> IdentityCheck:
    """Check a number for its document type and against the 性别 and 出生日期 given with it."""
    if document_type not in RESIDENT_ID_TYPES:
        # only the resident ID has a published structure; other documents are checked for
        # plausible form by IdentityNumber
        return IdentityCheck()
    result = check_resident_id(number)
    if result.birth_date is None:  # the number states neither sex nor birth date to compare
        return result
    mismatches: dict[str, str] = {}
    if gender is not None and gender != result.gender:
        mismatches["gender"] = f"与证件号码不符（证件号码表明为{result.gender}）"
    if birth_date is not None and birth_date != result.birth_date:
        shown = official_date(result.birth_date)
        mismatches["birth_date"] = f"与证件号码不符（证件号码表明为{shown}）"
    return IdentityCheck(
        errors=result.errors,
        warnings=result.warnings,
        birth_date=result.birth_date,
        gender=result.gender,
        mismatches=mismatches,
    )


#: how much of a number public pages show, by document type: (leading, trailing) characters,
#: never more than a third of the number in all. Numbers that carry the birth date at 6–13
#: (身份证 and the 居住证 of GB 11643's layout) keep the province and the last four; the foreign
#: permanent resident card's new layout has it at 7–14, so only its last three follow.
MASK_RULES: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("身份证", "居民身份证", "港澳居民居住证", "台湾居民居住证"), (2, 4)),
    "外国人永久居留身份证": (2, 3),
}


def mask_identity_number(number: str, document_type: str | None = None) -> str:
    """The number as public pages may show it: at most a third of it, never its birth date.

    420102199003071234 (身份证) → 42************1234; H0123456789 (通行证) → H********89.
    Types without a rule of their own show a third, one part in front and two at the end.
    """
    shown = len(number) // 3
    default = (shown // 3, shown - shown // 3)
    head, tail = MASK_RULES.get(document_type or "", default)
    head = min(head, max(shown - tail, 0))
    tail = min(tail, shown - head)
    return number[:head] + "*" * (len(number) - head - tail) + number[len(number) - tail:]
