"""Contact fields: telephone and mobile numbers, postal codes and e-mail addresses, as Chinese
input methods and spreadsheets hand them over."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from .errors import field_error

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
