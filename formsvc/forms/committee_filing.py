"""＿＿市职称评审委员会核准备案表 (咸职改办〔2024〕12号 附件3): a committee's filing for approval.

A committee whose three-year term has run out is filed again (seed 002 七(一)): who set it up and
runs it, its expert pool, its rules, what it reviewed in the last three years and how it works.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from ..identity import Count, Paragraphs, PersonName, PhoneNumbers, Text, Year
from .base import Document, Findings, FindingsBuilder, FormModel, FormSpec
from .boxes import TextBox, check_boxes

#: the boxes of form.html, in full-width characters per line × lines: the narrow value column
#: (评审范围, 组建单位, 通讯地址), the wide one (评审层级, 承办机构, 联系电话, 职务) and the cells
#: across the table; 主要做法 is set smaller and fills the rest of the page
NARROW_CELL = TextBox(chars_per_line=11, lines=2)
WIDE_CELL = TextBox(chars_per_line=12, lines=2)
BOXES: dict[str, TextBox] = {
    "name": TextBox(chars_per_line=30, lines=1),
    "scope": NARROW_CELL,
    "level": WIDE_CELL,
    "organizer": NARROW_CELL,
    "office": WIDE_CELL,
    "address": NARROW_CELL,
    "phone": WIDE_CELL,
    "head_post": WIDE_CELL,
    "practice": TextBox(chars_per_line=34, lines=16, indent=2),
}
#: 是否制定相应评审办法、管理制度等: the answer and the names of the rules after it
RULES_BOX = TextBox(chars_per_line=30, lines=2)

def _city(value: Any) -> Any:
    # the title prints ＿＿市: 咸宁 and 咸宁市 are the same answer
    if isinstance(value, str):
        value = value.strip()
        return value[:-1] if value.endswith("市") and len(value) > 1 else value
    return value


class ReviewYear(FormModel):
    """One year of 近三年评审情况: how many were reviewed and how many passed."""

    year: Year = Field(title="年度", examples=[2021])
    reviewed: Count = Field(title="评审人数", le=100000)
    passed: Count = Field(title="通过人数", le=100000)

    @property
    def sentence(self) -> str:
        """2021 年，评审 152 人，通过 98 人。 as the seed writes it."""
        return f"{self.year} 年，评审 {self.reviewed} 人，通过 {self.passed} 人。"


#: a year of 近三年评审情况 not yet filled in
BLANK_REVIEW = "＿＿＿＿年，评审＿＿＿人，通过＿＿＿人。"


class CommitteeFilingForm(FormModel):
    """The filing of one committee, every field of the table in its order."""

    city: Annotated[Text, BeforeValidator(_city)] = Field(
        title="市名", min_length=1, max_length=8, examples=["咸宁"],
        description="表头“＿＿市职称评审委员会核准备案表”中的市名",
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
    # the box holds 16 lines of 34 (544 full-width characters); the length limit only keeps
    # gross input out before the lines are counted
    practice: Paragraphs = Field(title="主要做法", min_length=1, max_length=600)

    @property
    def rules_answer(self) -> str:
        """是（《…》《…》） as the cell prints it."""
        return f"{self.rules_adopted}（{self.rules_detail}）" if self.rules_detail else self.rules_adopted


def rules(form: CommitteeFilingForm) -> Findings:
    found = FindingsBuilder()
    this_year = dt.date.today().year
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
    check_boxes(found, form, BOXES)
    RULES_BOX.check(found, ("rules_detail",), "评审办法、管理制度名称", form.rules_answer)
    return found.done()


def documents(form: CommitteeFilingForm | None) -> list[Document]:
    if form is None:
        return [Document("职称评审委员会核准备案表", {
            "city": None, "name": None, "scope": None, "level": None, "organizer": None,
            "office": None, "address": None, "phone": None, "head": None, "head_post": None,
            "experts": None, "rules": None, "reviews": [BLANK_REVIEW] * 3, "practice": None,
        })]
    return [Document(f"{form.city}市职称评审委员会核准备案表-{form.name}", {
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
    })]


SPEC = FormSpec(
    id="committee-filing",
    title="＿＿市职称评审委员会核准备案表",
    source="咸职改办〔2024〕12号 附件3",
    purpose="三年有效期已满的职称评审委员会重新核准备案时填报，核准备案完成前不得开展评审。",
    model=CommitteeFilingForm,
    formats=("docx", "pdf"),
    documents=documents,
    rules=rules,
)
