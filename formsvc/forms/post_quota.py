"""＿＿年度事业单位高、中级职称申报情况核定表 (咸职改办〔2024〕12号 附件1): posts and applications by level.

A public institution applies within its post structure (按岗申报): the grid sets the posts, the
people appointed to them, the vacancies and the applications at each level side by side, and the
list names every applicant, so that the supervising department can check one against the other.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field, create_model

from ..boxes import EMPTY_BOX, Continuations, TextBox
from ..counts import Count, Year
from ..dates import AnyDate
from ..documents import Document
from ..text import Paragraphs, PersonName, Text
from .base import Findings, FindingsBuilder, FormModel, FormSpec, title_of

QuotaLevel = Literal["中级", "副高", "正高"]
#: the levels in the order of the grid's columns
QUOTA_LEVELS: tuple[str, ...] = get_args(QuotaLevel)
#: field of a grid row → its level
LEVEL_FIELDS: dict[str, str] = {"intermediate": "中级", "associate_senior": "副高", "full_senior": "正高"}

Route = Literal["空岗申报", "不占岗位申报"]

#: a cell of the grid; no unit has ten thousand posts of one level
MAX_COUNT = 9999

#: rows of the grid: field → (label of the row as printed, short label for messages)
ROWS: dict[str, tuple[str, str]] = {
    "posts": ("设岗情况", "设岗情况"),
    "appointed": ("已聘情况（不含“双肩挑”）", "已聘情况"),
    "awaiting": ("待聘情况", "待聘情况"),
    "vacant": ("空岗情况", "空岗情况"),
    "vacancy_applications": ("空岗申报", "空岗申报"),
    "off_post_applications": ("不占岗位申报", "不占岗位申报"),
}

#: the boxes of form.html: 申报人员姓名及专业 and each 审核意见 (above its stamp line); what
#: they cannot hold continues on a 附页
APPLICANTS_BOX = TextBox(chars_per_line=31, lines=8)
OPINION_BOX = TextBox(chars_per_line=31, lines=3, indent=2)
#: the list's cell of form.xlsx, one row of the sheet: 31 characters of 五号 across its four value
#: columns, 25 lines within the tallest row Excel keeps (409 pt); a longer list continues in the
#: rows below, the label spanning them all
SHEET_ROW_BOX = TextBox(chars_per_line=31, lines=25)


class LevelCounts(FormModel):
    """One row of the grid: the number at each level, and their 合计."""

    total: Count | None = Field(None, title="合计", le=3 * MAX_COUNT)
    intermediate: Count = Field(title="中级", le=MAX_COUNT)
    associate_senior: Count = Field(title="副高", le=MAX_COUNT)
    full_senior: Count = Field(title="正高", le=MAX_COUNT)

    def by_level(self) -> dict[str, int]:
        return {field: getattr(self, field) for field in LEVEL_FIELDS}

    @property
    def computed_total(self) -> int:
        return sum(self.by_level().values())


def _row_model(field: str) -> type[LevelCounts]:
    """The model of one grid row; its cells are titled row·column, so messages name the cell."""
    row = ROWS[field][1]
    cells: dict[str, Any] = {
        "total": (Count | None, Field(
            None, title=f"{row}·合计", le=3 * MAX_COUNT,
            description="可不填，由系统按中级、副高、正高相加；填写时须与之相等",
        )),
    }
    for name, level in LEVEL_FIELDS.items():
        cells[name] = (Count, Field(title=f"{row}·{level}", le=MAX_COUNT))
    name = "".join(part.title() for part in field.split("_")) + "Counts"
    return create_model(name, __base__=LevelCounts, __doc__=f"{ROWS[field][0]}：各级人数", **cells)


Posts = _row_model("posts")
Appointed = _row_model("appointed")
Awaiting = _row_model("awaiting")
Vacant = _row_model("vacant")
VacancyApplications = _row_model("vacancy_applications")
OffPostApplications = _row_model("off_post_applications")


class PostQuotaApplicant(FormModel):
    """One applicant of the list: name, speciality, the level applied for and on which footing."""

    name: PersonName = Field(title="姓名", max_length=30)
    speciality: Text = Field(title="专业", min_length=1, max_length=30, examples=["内科学"])
    level: QuotaLevel = Field(title="申报级别")
    route: Route = Field(
        title="申报方式",
        description="空岗申报：按空岗申报原则申报；不占岗位申报：按规定不占岗位申报",
    )

    @property
    def listed(self) -> str:
        """李䶮（内科学）; an application outside the posts says so."""
        route = "，不占岗位申报" if self.route == "不占岗位申报" else ""
        return f"{self.name}（{self.speciality}{route}）"


class PostQuotaForm(FormModel):
    """The 核定表 of one institution for one year."""

    year: Year = Field(title="年度", examples=[2024])
    unit: Text = Field(title="填报单位", min_length=1, max_length=40, examples=["咸宁市中心医院"])
    date: AnyDate | None = Field(None, title="填报时间", description="留空则打印后手写")
    posts: Posts = Field(title="设岗情况")
    appointed: Appointed = Field(title="已聘情况（不含“双肩挑”）")
    awaiting: Awaiting = Field(title="待聘情况")
    vacant: Vacant = Field(title="空岗情况")
    vacancy_applications: VacancyApplications = Field(
        title="空岗申报", description="申报情况：按照空岗申报原则申报的人员数量"
    )
    off_post_applications: OffPostApplications = Field(
        title="不占岗位申报", description="申报情况：按照规定不占岗位申报的人员数量"
    )
    # a hospital or a school lists hundreds; what the box cannot hold continues on a 附页
    applicants: list[PostQuotaApplicant] = Field(
        title="申报人员姓名及专业", min_length=1, max_length=500
    )
    supervisor_opinion: Paragraphs | None = Field(
        None, title="主管部门审核意见", max_length=150, description="留空则由主管部门手写"
    )
    supervisor_date: AnyDate | None = Field(None, title="主管部门审核日期")
    personnel_opinion: Paragraphs | None = Field(
        None, title="事业单位人事管理部门审核意见", max_length=150,
        description="留空则由事业单位人事管理部门手写",
    )
    personnel_date: AnyDate | None = Field(None, title="事业单位人事管理部门审核日期")

    def row(self, field: str) -> LevelCounts:
        row: LevelCounts = getattr(self, field)
        return row


def applicant_pieces(applicants: list[PostQuotaApplicant]) -> list[list[str]]:
    """The list as printed, a paragraph per level in the order of the grid's columns, cut into
    the pieces a box may be split between: the heading, then each applicant whole."""
    paragraphs = []
    for level in QUOTA_LEVELS:
        names = [a.listed for a in applicants if a.level == level]
        if names:
            paragraphs.append([f"{level}（{len(names)}人）：",
                               *(f"{name}、" for name in names[:-1]), names[-1]])
    return paragraphs


def applicant_lines(applicants: list[PostQuotaApplicant]) -> list[str]:
    """The list as printed: one line per level, in the order of the grid's columns."""
    return ["".join(pieces) for pieces in applicant_pieces(applicants)]


def rules(form: PostQuotaForm) -> Findings:
    found = FindingsBuilder()
    for field, (_, row) in ROWS.items():
        counts = form.row(field)
        if counts.total is not None and counts.total != counts.computed_total:
            parts = "＋".join(f"{LEVEL_FIELDS[k]}{v}" for k, v in counts.by_level().items())
            found.error((field, "total"), f"{row}·合计应为{counts.computed_total}（{parts}），"
                                          f"填写的是{counts.total}")
    for key, level in LEVEL_FIELDS.items():
        posts, appointed = getattr(form.posts, key), getattr(form.appointed, key)
        vacant = getattr(form.vacant, key)
        if vacant != posts - appointed:
            over = "：已聘人数超过设岗数" if appointed > posts else ""
            # full-width signs, as the arithmetic of Chinese documents is set
            difference = str(posts - appointed).replace("-", "－")
            found.warn(("vacant", key), f"空岗情况·{level}为{vacant}，与设岗减已聘"
                                        f"（{posts}－{appointed}＝{difference}）不符{over}")
        applying = getattr(form.vacancy_applications, key)
        if applying > vacant:
            found.warn(("vacancy_applications", key),
                       f"空岗申报·{level}（{applying}人）多于空岗情况·{level}（{vacant}个）")
    for key, level in LEVEL_FIELDS.items():
        expected = (getattr(form.vacancy_applications, key), getattr(form.off_post_applications, key))
        listed = tuple(
            sum(1 for a in form.applicants if a.level == level and a.route == route)
            for route in get_args(Route)
        )
        if listed != expected:
            found.warn(("applicants",),
                       f"申报人员名单中{level}空岗申报{listed[0]}人、不占岗位申报{listed[1]}人，"
                       f"与申报情况（空岗申报{expected[0]}人、不占岗位申报{expected[1]}人）不符")
    return found.done()


def _counts(row: LevelCounts | None) -> list[int | None]:
    """合计, 中级, 副高, 正高 of a grid row: what its four cells print."""
    if row is None:
        return [None] * 4
    return [row.computed_total, *row.by_level().values()]


def documents(form: PostQuotaForm | None) -> list[Document]:
    if form is None:
        return [Document("事业单位高、中级职称申报情况核定表", {
            "year": None, "unit": None, "date": None,
            "counts": {field: _counts(None) for field in ROWS},
            "applicants": [], "sheet_rows": [""], "listed": EMPTY_BOX,
            "supervisor": {"opinion": None, "boxed": EMPTY_BOX, "date": None},
            "personnel": {"opinion": None, "boxed": EMPTY_BOX, "date": None},
            "annexes": [],
        })]
    # the sheet (XLSX) lists every applicant in its box, grown over as many rows as it takes;
    # print and Word continue what a box cannot hold on a 附页
    annexes = Continuations()
    pieces = applicant_pieces(form.applicants)
    listed = annexes.fill(APPLICANTS_BOX, "申报人员姓名及专业", pieces)
    opinions = {
        key: {"opinion": opinion, "date": date,
              "boxed": annexes.fill(OPINION_BOX, title_of(PostQuotaForm, f"{key}_opinion"), opinion)}
        for key, opinion, date in (
            ("supervisor", form.supervisor_opinion, form.supervisor_date),
            ("personnel", form.personnel_opinion, form.personnel_date),
        )
    }
    return [Document(f"{form.year}年度事业单位高、中级职称申报情况核定表-{form.unit}", {
        "year": form.year,
        "unit": form.unit,
        "date": form.date,
        "counts": {field: _counts(form.row(field)) for field in ROWS},
        "applicants": applicant_lines(form.applicants),
        "sheet_rows": ["\n".join(box) for box in SHEET_ROW_BOX.boxes_for(pieces)],
        "listed": listed,
        **opinions,
        "annexes": annexes.annexes,
    })]


SPEC = FormSpec.catalogued(
    "post-quota",
    model=PostQuotaForm,
    documents=documents,
    rules=rules,
)
