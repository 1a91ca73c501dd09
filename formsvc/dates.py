"""Date fields every form shares: the official spellings a date is accepted in, and how it prints."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

from .clock import china_today
from .errors import field_error

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
    if value > china_today():
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
