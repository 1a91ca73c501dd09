"""诚信承诺书 (咸职改办〔2024〕12号 附件2; 赤峰 十一(一)4): one pledge per applicant.

The applicants may also come from a sheet, one per row (the import template is the pledge's blank
XLSX, its columns PledgeApplicant's fields): a unit with forty applicants types them in Excel, the
import fills the form's list, and the unit and date are given once for all of them.
"""

from __future__ import annotations

from pydantic import Field

from ..dates import AnyDate
from ..documents import Document
from ..text import PersonName, Text
from .base import FormModel, FormSpec


class PledgeApplicant(FormModel):
    """One applicant's pledge: who, and the qualification applied for."""

    name: PersonName | None = Field(
        None, title="承诺人", max_length=30,
        description="留空则打印后手写签名",
    )
    series: Text = Field(title="职称系列", min_length=1, max_length=20, examples=["工程"])
    speciality: Text = Field(title="专业", min_length=1, max_length=30, examples=["机械设计"])
    qualification: Text = Field(
        title="申报资格", min_length=1, max_length=20, examples=["高级工程师"],
        description="申报评审的专业技术资格名称",
    )

    @property
    def application(self) -> str:
        """工程系列机械设计专业高级工程师: the words the pledge's blank asks for."""
        series = self.series if self.series.endswith("系列") else f"{self.series}系列"
        speciality = self.speciality if self.speciality.endswith("专业") else f"{self.speciality}专业"
        return f"{series}{speciality}{self.qualification}"


class PledgeForm(FormModel):
    """A unit's pledges: the unit once, each applicant on a page of their own."""

    unit: Text = Field(title="单位", min_length=1, max_length=40, examples=["咸宁市中心医院"])
    date: AnyDate | None = Field(None, title="承诺日期", description="留空则打印后手写")
    applicants: list[PledgeApplicant] = Field(title="申报人员", min_length=1, max_length=500)


def documents(form: PledgeForm | None) -> list[Document]:
    if form is None:
        return [Document("诚信承诺书", {"unit": None, "application": None, "name": None,
                                      "date": None})]
    return [
        Document(
            f"诚信承诺书-{applicant.name or index}",
            {
                "unit": form.unit,
                "application": applicant.application,
                "name": applicant.name,
                "date": form.date,
            },
        )
        for index, applicant in enumerate(form.applicants, start=1)
    ]


SPEC = FormSpec.catalogued(
    "pledge",
    model=PledgeForm,
    documents=documents,
    row_model=PledgeApplicant,
    rows_field="applicants",
)
