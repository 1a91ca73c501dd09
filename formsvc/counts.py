"""Whole-number fields: counts of people or posts, and calendar years; never 3.5, "3" or true."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, Strict

from .clock import china_today
from .errors import field_error

#: a number of people or posts: a JSON integer, never 3.5, "3" or true; give its sane upper
#: bound with Field(le=…)
Count = Annotated[int, Strict(), Field(ge=0)]


def _plausible_year(value: int) -> int:
    latest = china_today().year + 1
    if value > latest:
        raise field_error("不能晚于{latest}年", latest=latest)
    return value


#: a calendar year as forms print it (2024 年度): from 1949 up to next year, which a unit may
#: already be planning for
Year = Annotated[int, Strict(), Field(ge=1949), AfterValidator(_plausible_year),
                 Field(json_schema_extra=lambda schema: schema.update(maximum=china_today().year + 1))]
