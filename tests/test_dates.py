"""Dates in every official spelling, and the ones refused."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from pydantic import BaseModel, ValidationError

from formsvc.clock import CHINA, china_today
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


def test_today_is_beijing_s_day_wherever_the_server_runs(monkeypatch):
    """On a server whose clock is set to another zone, a date is "in the future" by Beijing's day.

    A zone 12 hours behind UTC is a day behind Beijing until 20:00 Beijing time, and one 14 hours
    ahead is a day ahead of Beijing from 18:00: one of the two differs from Beijing right now."""
    behind = dt.datetime.now(CHINA).hour < 20
    monkeypatch.setenv("TZ", "Etc/GMT+12" if behind else "Etc/GMT-14")
    time.tzset()
    try:
        server_today = dt.date.today()
        assert server_today != china_today()  # the server's own day is not Beijing's
        if behind:  # the server's "today" is Beijing's yesterday: Beijing's today is no future date
            assert Born(born=china_today().isoformat()).born == china_today()
        else:  # the server's "today" is Beijing's tomorrow, still in the future
            with pytest.raises(ValidationError, match="不能晚于今天"):
                Born(born=server_today.isoformat())
    finally:
        monkeypatch.undo()
        time.tzset()
