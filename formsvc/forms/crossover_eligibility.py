"""Which skill levels a professional may apply for under 武人社规〔2022〕2号 三(二).

1. 取得相应助理级专业技术职称 → 高级工;
2. 助理级职称满3年, or 中级职称 → 技师;
3. 中级职称满3年, or 高级职称 → 高级技师.

A level below the highest one granted may always be applied for (the clauses set minimum titles,
and 三(一) admits everyone from 助理级 up); 无级别 (专项能力) is not a level the clauses rank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

from ..dates import official_date

#: 职称证书等级: the grades 三(一) admits; 高级 of 三(二)3 is 副高级 or 正高级
TitleGrade = Literal["助理级", "中级", "副高级", "正高级"]
TITLE_GRADES: tuple[str, ...] = get_args(TitleGrade)

#: the years a title must have been held for the next level up (三(二)2 and 3: 满3年)
YEARS_HELD = 3

#: skill levels from lowest to highest, as 三(二) names them and as 级别 (填表说明10) spells them
SKILL_RANKS: dict[str, int] = {"五级/初级工": 1, "四级/中级工": 2, "三级/高级工": 3, "二级/技师": 4,
                               "一级/高级技师": 5}
CLAUSE_LEVELS: dict[str, str] = {"三(二)1": "三级/高级工", "三(二)2": "二级/技师",
                                 "三(二)3": "一级/高级技师"}
#: what each clause asks, for messages
CLAUSE_TERMS: dict[str, str] = {
    "三(二)1": "取得助理级职称",
    "三(二)2": f"取得助理级职称满{YEARS_HELD}年或取得中级职称",
    "三(二)3": f"取得中级职称满{YEARS_HELD}年或取得高级（副高级、正高级）职称",
}


def _short(level: str) -> str:
    return level.split("/")[-1]


@dataclass(frozen=True)
class EligibleLevel:
    """One skill level a clause of 三(二) opens to the applicant, and why."""

    level: str
    clause: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"level": self.level, "name": _short(self.level), "clause": self.clause,
                "reason": self.reason}


@dataclass(frozen=True)
class Eligibility:
    """The outcome of 三(二) for one applicant on one day: the levels granted, highest last."""

    grade: str
    obtained: dt.date | None
    on: dt.date
    levels: tuple[EligibleLevel, ...]

    @property
    def highest(self) -> EligibleLevel | None:
        return self.levels[-1] if self.levels else None

    def allows(self, level: str) -> bool:
        """Whether level (a 级别 value) may be applied for: not above the highest granted."""
        rank = SKILL_RANKS.get(level)
        if rank is None:
            return True  # 无级别 (专项能力) is outside the ranking of 三(二)
        return self.highest is not None and rank <= SKILL_RANKS[self.highest.level]

    def refusal(self, level: str) -> str | None:
        """Why level may not be applied for, citing the clause that would grant it; None if it may."""
        if self.allows(level):
            return None
        clause = next(c for c, granted in CLAUSE_LEVELS.items()
                      if SKILL_RANKS[granted] >= SKILL_RANKS[level])
        reason = (f"申报{_short(level)}须{CLAUSE_TERMS[clause]}（{clause}）；"
                  f"现为{self.grade}职称{self._held()}")
        if self.highest is not None:
            reason += f"，最高可申报{_short(self.highest.level)}"
        return reason

    def unverified(self, level: str) -> bool:
        """Whether level is refused only for want of the date the title was obtained: held
        满3年 it would be allowed (a summary sheet, for one, has no column for that date)."""
        return (self.obtained is None and not self.allows(level)
                and crossover_eligibility(self.grade, dt.date.min, self.on).allows(level))

    def _held(self) -> str:
        if self.grade not in ("助理级", "中级"):
            return ""
        if self.obtained is None:
            return "，未填写取得职称时间"
        if held_full_years(self.obtained, self.on, YEARS_HELD):
            return f"，{official_date(self.obtained)}取得，已满{YEARS_HELD}年"
        return f"，{official_date(self.obtained)}取得，不满{YEARS_HELD}年"

    def summary(self) -> str:
        if not self.levels:
            return f"{self.grade}职称不能申报贯通评价"
        named = "、".join(f"{_short(e.level)}（{e.clause}）" for e in self.levels)
        return f"{self.grade}职称{self._held()}：可申报{named}"

    def as_json(self) -> list[dict[str, str]]:
        return [level.as_json() for level in self.levels]


def anniversary(start: dt.date, years: int) -> dt.date:
    """The day start + years; a 29 February start comes of age on 1 March (a full year)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return dt.date(start.year + years, 3, 1)


def held_full_years(start: dt.date, on: dt.date, years: int) -> bool:
    """满N年: on is on or after the N-th anniversary of start."""
    return on >= anniversary(start, years)


def crossover_eligibility(grade: str, obtained: dt.date | None, on: dt.date) -> Eligibility:
    """The levels 三(二) grants to a holder of grade obtained on obtained (None: not given), as of on."""
    full = obtained is not None and held_full_years(obtained, on, YEARS_HELD)
    since = f"{official_date(obtained)}取得" if obtained else ""
    grants: list[tuple[str, str]] = []
    if grade == "助理级":
        grants.append(("三(二)1", "取得助理级职称"))
        if full:
            grants.append(("三(二)2", f"助理级职称{since}，已满{YEARS_HELD}年"))
    elif grade == "中级":
        grants.append(("三(二)2", "取得中级职称"))
        if full:
            grants.append(("三(二)3", f"中级职称{since}，已满{YEARS_HELD}年"))
    elif grade in ("副高级", "正高级"):
        grants.append(("三(二)3", f"取得高级（{grade}）职称"))
    levels = tuple(EligibleLevel(CLAUSE_LEVELS[clause], clause, reason) for clause, reason in grants)
    return Eligibility(grade, obtained, on, levels)
