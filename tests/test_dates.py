"""Dates in every official spelling, and the ones refused."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import BaseModel, ValidationError

from formsvc.dates import PastDate, parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-04-22", dt.date(2024, 4, 22)),
        ("2024/4/2", dt.date(2024, 4, 2)),
        ("2024年4月22日", dt.date(2024, 4, 22)),
        (dt.datetime(2024, 4, 22), dt.date(2024, 4, 22)),
    ],
)
def test_dates_in_every_official_spelling(value, expected):
    assert parse_date(value) == expected


class Born(BaseModel):
    born: PastDate


@pytest.mark.parametrize("born", ["2024-02-30", "1990-13-01", "明天", "2999-01-01"])
def test_impossible_dates_are_refused(born):
    with pytest.raises(ValidationError):
        Born(born=born)
