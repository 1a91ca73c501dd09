"""The bulk check of a sheet: every problem of a row at once, a duplicate row said once."""

from __future__ import annotations

import pytest

from formsvc import db
from formsvc.errors import InvalidData
from formsvc.jobs.plan import check
from formsvc.registry.scope import WHOLE_REGISTRY

from ..helpers import people


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def test_a_row_with_three_problems_and_a_duplicate_row_in_one_answer(jobs_app, sheet_of):
    rows = people(4)
    spoiled = rows[1]
    rows[1] = {**spoiled, "姓名": None, "证件号码": _wrong_check_digit(spoiled["证件号码"]),
               "性别": "女" if spoiled["性别"] == "男" else "男"}
    rows.append(dict(rows[2]))  # sheet row 7 repeats sheet row 5 (the header is row 2)
    with jobs_app.app_context(), pytest.raises(InvalidData) as raised:
        check(db.session(), sheet_of(rows), scope=WHOLE_REGISTRY)
    errors, warnings = raised.value.problems, raised.value.warnings
    on_row_4 = " ".join(p.msg for p in errors if p.loc[:2] == ("rows", 4))
    assert "第4行（A4）：姓名为必填项" in on_row_4
    assert "第4行（D4）：证件号码校验位错误" in on_row_4
    assert "第4行（B4）：性别与证件号码不符" in on_row_4
    said = [p.msg for p in (*errors, *warnings)
            if p.loc[:2] == ("rows", 7) and ("重复" in p.msg or "同一证书" in p.msg)]
    assert said == ["第7行（D7）：与第5行是同一证书（证件号码、职称名称、批准文号相同）"]  # one problem
