"""武人社规〔2022〕2号 三(二): the levels each title grade opens, at the 满3年 boundary."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from formsvc.forms.crossover import SKILL_LEVELS
from formsvc.forms.crossover_eligibility import (
    TITLE_GRADES,
    anniversary,
    crossover_eligibility,
)

ON = dt.date(2024, 6, 1)
EXACTLY_3_YEARS = dt.date(2021, 6, 1)
A_DAY_SHORT = dt.date(2021, 6, 2)


@pytest.mark.parametrize(
    ("grade", "obtained", "levels"),
    [
        ("助理级", None, [("三级/高级工", "三(二)1")]),
        ("助理级", A_DAY_SHORT, [("三级/高级工", "三(二)1")]),
        ("助理级", EXACTLY_3_YEARS, [("三级/高级工", "三(二)1"), ("二级/技师", "三(二)2")]),
        ("助理级", dt.date(2001, 1, 1), [("三级/高级工", "三(二)1"), ("二级/技师", "三(二)2")]),
        ("中级", None, [("二级/技师", "三(二)2")]),
        ("中级", A_DAY_SHORT, [("二级/技师", "三(二)2")]),
        ("中级", EXACTLY_3_YEARS, [("二级/技师", "三(二)2"), ("一级/高级技师", "三(二)3")]),
        ("中级", ON, [("二级/技师", "三(二)2")]),
        ("副高级", None, [("一级/高级技师", "三(二)3")]),
        ("副高级", ON, [("一级/高级技师", "三(二)3")]),
        ("正高级", dt.date(2010, 3, 3), [("一级/高级技师", "三(二)3")]),
    ],
)
def test_levels_granted_by_each_clause(grade, obtained, levels):
    result = crossover_eligibility(grade, obtained, ON)
    assert [(e.level, e.clause) for e in result.levels] == levels
    assert result.highest is not None and result.highest.level == levels[-1][0]


@pytest.mark.parametrize(
    ("grade", "obtained", "level", "allowed", "clause"),
    [
        ("助理级", None, "三级/高级工", True, None),
        ("助理级", None, "四级/中级工", True, None),  # below the highest level granted
        ("助理级", None, "五级/初级工", True, None),
        ("助理级", None, "无级别", True, None),  # 专项能力: outside the ranking
        ("助理级", A_DAY_SHORT, "二级/技师", False, "三(二)2"),
        ("助理级", EXACTLY_3_YEARS, "二级/技师", True, None),
        ("助理级", EXACTLY_3_YEARS, "一级/高级技师", False, "三(二)3"),
        ("中级", None, "一级/高级技师", False, "三(二)3"),
        ("中级", A_DAY_SHORT, "一级/高级技师", False, "三(二)3"),
        ("中级", EXACTLY_3_YEARS, "一级/高级技师", True, None),
        ("中级", None, "三级/高级工", True, None),
        ("副高级", None, "一级/高级技师", True, None),
        ("正高级", None, "二级/技师", True, None),
    ],
)
def test_a_level_above_the_highest_is_refused_citing_its_clause(grade, obtained, level, allowed,
                                                                 clause):
    result = crossover_eligibility(grade, obtained, ON)
    assert result.allows(level) is allowed
    refusal = result.refusal(level)
    if allowed:
        assert refusal is None
    else:
        assert refusal is not None and f"（{clause}）" in refusal


@pytest.mark.parametrize(
    ("grade", "obtained", "level", "unverified"),
    [
        ("助理级", None, "二级/技师", True),  # 满3年 would allow it: the date decides
        ("助理级", None, "一级/高级技师", False),  # no date could allow it
        ("中级", None, "一级/高级技师", True),
        ("中级", A_DAY_SHORT, "一级/高级技师", False),  # the date is known: simply refused
        ("中级", None, "二级/技师", False),  # allowed anyway
    ],
)
def test_a_refusal_that_only_the_missing_date_decides_is_unverified(grade, obtained, level,
                                                                     unverified):
    assert crossover_eligibility(grade, obtained, ON).unverified(level) is unverified


def test_the_refusal_says_what_the_clause_asks_and_what_the_applicant_has():
    result = crossover_eligibility("中级", A_DAY_SHORT, ON)
    assert result.refusal("一级/高级技师") == (
        "申报高级技师须取得中级职称满3年或取得高级（副高级、正高级）职称（三(二)3）；"
        "现为中级职称，2021年6月2日取得，不满3年，最高可申报技师"
    )
    unknown = crossover_eligibility("助理级", None, ON)
    assert unknown.refusal("二级/技师") == (
        "申报技师须取得助理级职称满3年或取得中级职称（三(二)2）；"
        "现为助理级职称，未填写取得职称时间，最高可申报高级工"
    )


def test_summary_and_json():
    result = crossover_eligibility("助理级", EXACTLY_3_YEARS, ON)
    assert result.summary() == ("助理级职称，2021年6月1日取得，已满3年："
                                "可申报高级工（三(二)1）、技师（三(二)2）")
    assert result.as_json() == [
        {"level": "三级/高级工", "name": "高级工", "clause": "三(二)1", "reason": "取得助理级职称"},
        {"level": "二级/技师", "name": "技师", "clause": "三(二)2",
         "reason": "助理级职称2021年6月1日取得，已满3年"},
    ]
    assert crossover_eligibility("正高级", None, ON).summary() == "正高级职称：可申报高级技师（三(二)3）"


def test_the_result_is_immutable():
    result = crossover_eligibility("中级", None, ON)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.grade = "正高级"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "on", "full"),
    [
        (dt.date(2020, 2, 29), dt.date(2023, 2, 28), False),  # no 29 February in 2023: not yet
        (dt.date(2020, 2, 29), dt.date(2023, 3, 1), True),
        (dt.date(2020, 2, 29), dt.date(2024, 2, 28), True),
        (dt.date(2021, 12, 31), dt.date(2024, 12, 30), False),
        (dt.date(2021, 12, 31), dt.date(2024, 12, 31), True),
    ],
)
def test_full_years_across_leap_days_and_year_ends(start, on, full):
    result = crossover_eligibility("中级", start, on)
    assert (len(result.levels) == 2) is full
    assert anniversary(start, 3) <= on if full else anniversary(start, 3) > on


def test_every_grade_opens_something_and_every_level_is_a_seed_value():
    for grade in TITLE_GRADES:
        result = crossover_eligibility(grade, dt.date(2000, 1, 1), ON)
        assert result.levels
        assert all(e.level in SKILL_LEVELS for e in result.levels)
