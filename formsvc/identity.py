"""Identity numbers, official dates, and the field types every form shares."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

#: names under which forms call the resident identity card; its number is checked in full
RESIDENT_ID_TYPES = frozenset({"身份证", "居民身份证"})

GENDERS: tuple[str, ...] = ("男", "女")


def field_error(message: str, **context: Any) -> PydanticCustomError:
    """A validation error whose message completes the field's label: 证件号码 + 校验位错误."""
    return PydanticCustomError("formsvc", message, context)


# --- text ------------------------------------------------------------------------------------

#: invisible characters that reorder or hide text; in a form they are only ever a trick
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def _forbidden_character(value: str, *, newlines: bool) -> str | None:
    for char in value:
        if char == "\n" and newlines:
            continue
        if char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            return char
    return None


def _plain_text(value: str) -> str:
    value = value.replace("\r\n", "\n")
    char = _forbidden_character(value, newlines=False)
    if char is not None:
        if char in "\n\r":
            raise field_error("不能换行")
        raise field_error("含有不可见或不允许的字符 U+{code}", code=f"{ord(char):04X}")
    return value


def _paragraphs(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    char = _forbidden_character(value, newlines=True)
    if char is not None:
        raise field_error("含有不可见或不允许的字符 U+{code}", code=f"{ord(char):04X}")
    return "\n".join(line.rstrip() for line in value.strip("\n").split("\n"))


#: Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) but the bidi controls, which
#: are refused as tricks: soft hyphen, Hangul fillers, zero-width spaces and joiners, variation
#: selectors, tags. They print as nothing, and only make two equal texts differ.
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200d\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]"
)
#: what NFKC may fold in any form's wording: full-width digits and Latin letters (what a Chinese
#: input method types: １５号 is 15号), Kangxi and supplementary radicals (⼯ U+2F2F is 工).
#: Full-width punctuation stays: （）：，are the notices' own wording, and print as typed.
_COMPATIBLE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u2e80-\u2eff\u2f00-\u2fdf]")


def normalise_text(value: str) -> str:
    """Text as the service keeps, compares and prints it: ignorable code points dropped,
    compatibility forms folded (NFKC, where the wording allows), then composed (NFC: compatibility
    ideographs such as 更 U+F901 become the unified ones) and stripped."""
    value = _IGNORABLE.sub("", value)
    value = _COMPATIBLE.sub(lambda match: unicodedata.normalize("NFKC", match[0]), value)
    return unicodedata.normalize("NFC", value).strip()


def _normalised(value: Any) -> Any:
    return normalise_text(value) if isinstance(value, str) else value


def _combining_mark(value: str) -> str:
    """Names and numbers are written in whole characters: a combining mark left over after NFC
    only makes a look-alike (李̈) of another person's name or another document's number."""
    for char in value:
        if unicodedata.category(char) in ("Mn", "Mc", "Me"):
            raise field_error("含有组合附加符号 U+{code}，请直接输入完整的字", code=f"{ord(char):04X}")
    return value


#: one line of text; give its box size with Field(max_length=…)
Text = Annotated[str, BeforeValidator(_normalised), AfterValidator(_plain_text)]
#: a document's number (批准文号, 证书编号): one line of text in whole characters
NumberText = Annotated[str, BeforeValidator(_normalised), AfterValidator(_plain_text),
                       AfterValidator(_combining_mark)]
#: what a field's JSON Schema carries so that the web form offers a multi-line box for it
WIDGET_TEXTAREA: dict[str, Any] = {"x-widget": "textarea"}

#: text that may run over several paragraphs (主要做法, 简要经历)
Paragraphs = Annotated[
    str, BeforeValidator(_normalised), AfterValidator(_paragraphs), Field(json_schema_extra=WIDGET_TEXTAREA)
]

_NAME_PUNCTUATION = frozenset("·•.-' ")


def _person_name(value: str) -> str:
    value = _combining_mark(_plain_text(value))
    if not value:
        raise field_error("不能为空")
    for char in value:
        if char in _NAME_PUNCTUATION or unicodedata.category(char).startswith("L"):
            continue
        raise field_error("含有姓名中不允许的字符「{char}」", char=char)
    if value[0] in _NAME_PUNCTUATION:
        raise field_error("不能以「{char}」开头", char=value[0])
    return value


#: what the published schema says of a name (JSON Schema's regular expressions know no
#: "letter of any script"): no digits, no ASCII punctuation but . - ' and space, no control
#: characters, and no punctuation or space first; _person_name checks the rest
NAME_PATTERN = (r"^[^\s\d!-/:-@\[-`{-~\u00b7\u2022\u0000-\u001f\u007f]"
                r"[^\d!-&(-,/:-@\[-`{-~\u0000-\u001f\u007f]*$")

#: a person's name: letters of any script (rare characters such as 䶮 included), and the
#: middle dot of minority and foreign names; never digits, formulas or markup
PersonName = Annotated[str, BeforeValidator(_normalised), AfterValidator(_person_name),
                       Field(min_length=1, json_schema_extra={"pattern": NAME_PATTERN})]


# --- dates -----------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"),
)

DATE_FORMATS_HINT = "YYYY-MM-DD、YYYY/MM/DD 或 YYYY年M月D日"


def parse_date(value: Any) -> dt.date:
    """A date from JSON text in any of the official spellings, or from an Excel date cell."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0, 0):
            raise field_error("应为日期，不应包含时间")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise field_error("应为日期（{hint}）", hint=DATE_FORMATS_HINT)
    text = value.strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise field_error("不是存在的日期：{text}", text=text) from None
    raise field_error("格式无法识别：{text}（应为 {hint}）", text=text[:20], hint=DATE_FORMATS_HINT)


def official_date(value: dt.date | None) -> str:
    """The date as official documents print it: 2024年4月22日."""
    return "" if value is None else f"{value.year}年{value.month}月{value.day}日"


def _not_in_future(value: dt.date) -> dt.date:
    if value.year < 1900:
        raise field_error("年份不合理：{year}", year=value.year)
    if value > dt.date.today():
        raise field_error("不能晚于今天")
    return value


#: a date in the past; accepted as 2024-04-22, 2024/4/22 or 2024年4月22日
PastDate = Annotated[
    dt.date,
    BeforeValidator(parse_date),
    AfterValidator(_not_in_future),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date", "description": DATE_FORMATS_HINT}),
]
#: any calendar date (a signing date may be written in advance)
AnyDate = Annotated[
    dt.date,
    BeforeValidator(parse_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date", "description": DATE_FORMATS_HINT}),
]


# --- counts and years ------------------------------------------------------------------------

#: a number of people or posts: a JSON integer, never 3.5, "3" or true; give its sane upper
#: bound with Field(le=…)
Count = Annotated[int, Strict(), Field(ge=0)]


def _plausible_year(value: int) -> int:
    latest = dt.date.today().year + 1
    if value > latest:
        raise field_error("不能晚于{latest}年", latest=latest)
    return value


#: a calendar year as forms print it (2024 年度): from 1949 up to next year, which a unit may
#: already be planning for
Year = Annotated[int, Strict(), Field(ge=1949), AfterValidator(_plausible_year),
                 Field(json_schema_extra=lambda schema: schema.update(maximum=dt.date.today().year + 1))]


# --- telephone numbers -----------------------------------------------------------------------

_PHONE = re.compile(
    r"1[3-9]\d{9}"  # mobile
    r"|(?:0\d{2,3}-)?[2-9]\d{6,7}(?:(?:-|转)\d{1,6})?"  # landline, area code, extension
    r"|[48]00-\d{3}-?\d{4}|[48]00\d{7}"  # service numbers
)
_PHONE_SEPARATORS = re.compile(r"[、，,/;；]")
PHONE_HINT = "固定电话如 0715-8123456，手机号码如 13907151234"


def _phone_numbers(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    # full-width digits and brackets as typed by Chinese input methods: （０７１５）８１２３４５６
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise field_error("不能为空")
    parts = _PHONE_SEPARATORS.split(text)
    if len(parts) > 3:
        raise field_error("最多填写3个号码")
    numbers = []
    for part in parts:
        number = re.sub(r"\s+", "", part)
        number = re.sub(r"^\((0\d{2,3})\)-?", r"\1-", number)
        if re.fullmatch(r"0\d{9,11}", number):
            # an area code run into the number: 07158123456 (3-digit codes begin 01 or 02)
            split = 3 if number[1] in "12" else 4
            number = f"{number[:split]}-{number[split:]}"
        if not _PHONE.fullmatch(number):
            raise field_error("格式不正确：「{part}」（{hint}）", part=part.strip()[:20],
                              hint=PHONE_HINT)
        numbers.append(number)
    return "、".join(numbers)


#: one to three telephone numbers separated by 、 or ，: landline (with area code and
#: extension) or mobile; stored as 0715-8123456、13907151234
PhoneNumbers = Annotated[str, BeforeValidator(_phone_numbers), Field(max_length=60)]


# --- mobile numbers, postal codes, e-mail ----------------------------------------------------


def _contact(pattern: str, message: str) -> Any:
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # a spreadsheet hands over 13907151234 as a number
        if not isinstance(value, str):
            return value
        text = re.sub(r"[\s-]+", "", unicodedata.normalize("NFKC", value))
        if not compiled.fullmatch(text):
            raise field_error(message, text=value.strip()[:30])
        return text

    return check


#: one mobile number, stored as 13907151234 (spaces and hyphens typed in between dropped)
MobileNumber = Annotated[
    str, BeforeValidator(_contact(r"1[3-9]\d{9}", "应为以1开头的11位数字，现为「{text}」")),
    Field(max_length=11),
]
#: a 邮政编码: six digits (those beginning with 0 must be typed as text in a spreadsheet)
PostalCode = Annotated[
    str, BeforeValidator(_contact(r"\d{6}", "应为6位数字，现为「{text}」")), Field(max_length=6)
]


def _email(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+", text):
        raise field_error("格式不正确：「{text}」", text=text[:30])
    return text


#: an e-mail address, checked for plausible form only (name@domain.tld)
Email = Annotated[str, BeforeValidator(_email), Field(max_length=60)]


# --- identity numbers ------------------------------------------------------------------------


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
    if birth_date > dt.date.today() or birth_date.year < 1900:
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
