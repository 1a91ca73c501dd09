"""＿＿市职称评审委员会核准备案表 (咸职改办〔2024〕12号 附件3): a committee's filing for approval.

A committee whose three-year term has run out is filed again (咸职改办〔2024〕12号 七(一)): who set it up and
runs it, its expert pool, its rules, what it reviewed in the last three years and how it works.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from ..boxes import EMPTY_BOX, Continuations, TextBox
from ..clock import china_today
from ..contacts import PhoneNumbers
from ..counts import Count, Year
from ..documents import Document
from ..text import Paragraphs, PersonName, Text
from .base import Findings, FindingsBuilder, FormModel, FormSpec, title_of

#: the boxes of form.html, in full-width characters per line × lines. The value cells print
#: every value up to its schema limit (smaller where a long one needs it, render/templating.py
#: shrink); 主要做法 is set smaller, fills the rest of the page and continues on a 附页
PRACTICE_BOX = TextBox(chars_per_line=34, lines=16, indent=2)

#: what ends the name of a place that has a 职称评审委员会: 咸宁市, 恩施土家族苗族自治州, 神农架林区,
#: 通山县, 锡林郭勒盟, 大兴安岭地区
PLACE_SUFFIXES = ("市", "州", "县", "区", "盟", "旗")


def _place(value: Any) -> Any:
    # the title prints the place with its own suffix; 咸宁 alone is taken as 咸宁市, the form's
    # ＿＿市
    if isinstance(value, str):
        value = value.strip()
        if value and not value.endswith(PLACE_SUFFIXES):
            value = f"{value}市"
    return value


class ReviewYear(FormModel):
    """One year of 近三年评审情况: how many were reviewed and how many passed."""

    year: Year = Field(title="年度", examples=[2021])
    reviewed: Count = Field(title="评审人数", le=100000)
    passed: Count = Field(title="通过人数", le=100000)

    @property
    def sentence(self) -> str:
        """2021 年，评审 152 人，通过 98 人。 as the notice writes it."""
        return f"{self.year} 年，评审 {self.reviewed} 人，通过 {self.passed} 人。"


#: the blank form as 附件3 prints it: its title names 咸宁市, and 近三年评审情况 names
#: the years 2021-2023, the counts (XXX in the notice) left for the committee to fill in
BLANK_PLACE = "咸宁市"
BLANK_REVIEWS = tuple(f"{year} 年，评审＿＿＿人，通过＿＿＿人。" for year in (2021, 2022, 2023))


class CommitteeFilingForm(FormModel):
    """The filing of one committee, every field of the table in its order."""

    # the longest prefecture-level names have 11 characters (克孜勒苏柯尔克孜自治州)
    city: Annotated[Text, BeforeValidator(_place)] = Field(
        title="地名", min_length=1, max_length=16, examples=["咸宁市", "恩施土家族苗族自治州"],
        description="表头“＿＿市职称评审委员会核准备案表”中的地名，带“市”“州”“县”“区”等；"
                    "只写“咸宁”即为“咸宁市”",
    )
    name: Text = Field(title="评委会名称", min_length=1, max_length=40,
                       examples=["咸宁市卫生系列中级职称评审委员会"])
    scope: Text = Field(title="评审范围", min_length=1, max_length=24)
    level: Text = Field(title="评审层级", min_length=1, max_length=26, examples=["中级"])
    organizer: Text = Field(title="组建单位", min_length=1, max_length=24)
    office: Text = Field(title="承办机构", min_length=1, max_length=26)
    address: Text = Field(title="通讯地址", min_length=1, max_length=24)
    phone: PhoneNumbers = Field(title="联系电话")
    head: PersonName = Field(title="承办机构主要负责人", max_length=20)
    head_post: Text = Field(title="职务", min_length=1, max_length=13)
    experts: Count = Field(title="专家库现有人数", le=99999)
    rules_adopted: Literal["是", "否"] = Field(title="是否制定相应评审办法、管理制度等")
    rules_detail: Text | None = Field(
        None, title="评审办法、管理制度名称", max_length=60,
        description="已制定的办法、制度，印在“是”之后的括号中",
    )
    reviews: list[ReviewYear] = Field(
        title="近三年评审情况", min_length=3, max_length=3,
        description="连续三个年度，按年份先后排列",
    )
    # the box holds 16 lines of 34 (544 full-width characters); more continues on a 附页
    practice: Paragraphs = Field(title="主要做法", min_length=1, max_length=3000)

    @property
    def rules_answer(self) -> str:
        """是（《…》《…》） as the cell prints it."""
        return f"{self.rules_adopted}（{self.rules_detail}）" if self.rules_detail else self.rules_adopted


def rules(form: CommitteeFilingForm) -> Findings:
    found = FindingsBuilder()
    this_year = china_today().year
    first = form.reviews[0].year
    for index, review in enumerate(form.reviews):
        if review.year > this_year:
            found.error(("reviews", index, "year"),
                        f"近三年评审情况的年度不能晚于今年（{this_year}年），填写的是{review.year}年")
        elif index and review.year != first + index:
            found.error(("reviews", index, "year"),
                        f"近三年评审情况应为连续的三个年度：第{index + 1}行应为{first + index}年，"
                        f"填写的是{review.year}年")
        if review.passed > review.reviewed:
            found.error(("reviews", index, "passed"),
                        f"{review.year}年通过人数（{review.passed}）不能多于评审人数"
                        f"（{review.reviewed}）")
    return found.done()


def documents(form: CommitteeFilingForm | None) -> list[Document]:
    if form is None:
        return [Document("职称评审委员会核准备案表", {
            "city": BLANK_PLACE, "name": None, "scope": None, "level": None, "organizer": None,
            "office": None, "address": None, "phone": None, "head": None, "head_post": None,
            "experts": None, "rules": None, "reviews": list(BLANK_REVIEWS), "practice": None,
            "practice_box": EMPTY_BOX, "annexes": [],
        })]
    annexes = Continuations()
    practice = annexes.fill(PRACTICE_BOX, title_of(CommitteeFilingForm, "practice"), form.practice)
    return [Document(f"{form.city}职称评审委员会核准备案表-{form.name}", {
        "city": form.city,
        "name": form.name,
        "scope": form.scope,
        "level": form.level,
        "organizer": form.organizer,
        "office": form.office,
        "address": form.address,
        "phone": form.phone,
        "head": form.head,
        "head_post": form.head_post,
        "experts": f"{form.experts} 人",
        "rules": form.rules_answer,
        "reviews": [review.sentence for review in form.reviews],
        "practice": form.practice,
        "practice_box": practice,
        "annexes": annexes.annexes,
    })]


SPEC = FormSpec.catalogued(
    "committee-filing",
    model=CommitteeFilingForm,
    documents=documents,
    rules=rules,
)
