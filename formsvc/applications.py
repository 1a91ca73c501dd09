"""Every applicant's 个人申报表 (武人社规〔2022〕2号 附件2) from a filled 汇总表 (附件1).

The sheet is read and checked as a whole first (sheets.read_rows), then every row is turned into
an application and checked as one (from_summary), each problem placed at the sheet column its
value came from: any error anywhere and nothing is rendered, InvalidData lists every problem by
sheet row and column. A valid sheet gives one PDF with a page per applicant in sheet order, or a
ZIP of Word files. The crossover-summary form page offers this (its FormSpec's sheet_tool), and
POST /api/v1/forms/crossover-summary/applications serves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .budget import APPLICATIONS_SHEET, check_applications
from .documents import Document, RenderSettings
from .errors import InvalidData, Loc, Problem
from .forms import get_form
from .forms.base import LocatedRow, problems_from, title_of
from .forms.crossover_application import CrossoverApplication, context, rules
from .forms.crossover_summary import SummaryRow
from .produce import Produced, check_format, render_documents, unprintable
from .sheets import read_rows
from .sheets.photos import PhotoArchive, read_photo_archive
from .sheets.reader import locate

SUMMARY, APPLICATION = "crossover-summary", "crossover-application"

#: 个人申报表 field ← the 汇总表 column (SummaryRow field) its value comes from; a problem with
#: the field is reported at that column. Mapped as the two forms name things:
#: 证件类别 ← 证件类型, 证件号码 ← 证件号, 出生年月 ← 出生日期 (the month of it);
#: 职称系列 and 职称专业 ← 原证书职业, the title the applicant holds, written 系列-专业
#: ("工程-电气工程") or as the series alone, with 从事专业 for the speciality when 原证书职业
#: names none; 职称证书等级 ← 原证书等级; 申报职业技能等级职业（工种） ← 职业名称（工种名称）;
#: 申报等级 ← 级别. The 汇总表 has no 取得职称时间 (so 满3年 cannot be checked: a warning, see
#: rules) and no signing date.
FROM_SUMMARY: dict[str, str] = {
    "name": "name", "gender": "gender", "birth_month": "birth_date", "document_type": "document_type",
    "education": "education", "id_number": "id_number", "unit": "unit",
    "title_series": "original_occupation", "title_speciality": "original_occupation",
    "title_grade": "original_level", "candidate_source": "candidate_source",
    "occupation": "occupation", "level": "level",
}


_SERIES_SPECIALITY = re.compile(r"\s*(?P<series>[^-－—/]+?)\s*[-－—/]\s*(?P<speciality>.+?)\s*")


def _columns(row: SummaryRow) -> dict[str, str]:
    """FROM_SUMMARY for this row: its 职称专业 comes from 从事专业 when 原证书职业 names none."""
    if _SERIES_SPECIALITY.fullmatch(row.original_occupation):
        return FROM_SUMMARY
    return {**FROM_SUMMARY, "title_speciality": "profession"}


def title_of_summary(row: SummaryRow) -> tuple[str, str | None]:
    """职称系列 and 职称专业 from 原证书职业 (系列-专业, or the series alone) and 从事专业."""
    match = _SERIES_SPECIALITY.fullmatch(row.original_occupation)
    if match:
        return match["series"], match["speciality"]
    return row.original_occupation, row.profession


def summary_data(row: SummaryRow) -> dict[str, Any]:
    """The 个人申报表 data of one 汇总表 row (without a photo)."""
    occupation = f"{row.occupation}（{row.trade}）" if row.trade else row.occupation
    series, speciality = title_of_summary(row)
    return {
        "name": row.name, "gender": row.gender, "birth_month": row.birth_date,
        "document_type": row.document_type, "education": row.education,
        "id_number": row.id_number, "unit": row.unit, "title_series": series,
        "title_speciality": speciality, "title_grade": row.original_level,
        "candidate_source": row.candidate_source, "occupation": occupation, "level": row.level,
    }


@dataclass(frozen=True)
class SummaryApplications:
    """Every applicant's 个人申报表 from a 汇总表, or the problems that stop them, located by
    sheet row and column: loc ("rows", sheet_row, SummaryRow field), or ("photos", file)."""

    applications: tuple[CrossoverApplication, ...]
    #: where each application comes from: ("rows", sheet_row)
    locs: tuple[Loc, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def documents(self) -> list[Document]:
        return [Document(f"贯通个人申报表-{loc[1]}-{form.name}", context(form))
                for form, loc in zip(self.applications, self.locs, strict=True)]

    def summary(self) -> str:
        if self.ok:
            return f"{len(self.applications)} 份个人申报表，{len(self.warnings)} 条提示"
        return f"{len(self.errors)} 处错误，{len(self.warnings)} 条提示"


def _at_summary(row: LocatedRow, photo_loc: Loc | None, problem: Problem) -> Problem:
    """A problem of an application field, placed at the 汇总表 column (or photo) it came from."""
    field_name = str(problem.loc[0]) if problem.loc else ""
    if field_name == "photo" and photo_loc is not None:
        reason = problem.msg.removeprefix(title_of(CrossoverApplication, "photo"))
        return Problem(photo_loc, f"{row.label}（{row.row.name}）的照片 {photo_loc[-1]}：{reason}")
    column = _columns(row.row).get(field_name)
    return Problem((*row.loc, column) if column else row.loc, f"个人申报表的{problem.msg}")


def from_summary(
    rows: Sequence[LocatedRow],
    photos: PhotoArchive | None = None,
    check: Callable[[CrossoverApplication], Sequence[Problem]] | None = None,
) -> SummaryApplications:
    """The applications of a checked 汇总表's rows, each photo taken from photos by 证件号;
    check adds problems of the output format (characters print cannot draw)."""
    forms: list[CrossoverApplication] = []
    locs: list[Loc] = []
    errors: list[Problem] = list(photos.problems) if photos else []
    warnings: list[Problem] = [
        Problem(("photos", name), f"照片压缩包中的 {name} 不是以证件号命名的照片，已忽略")
        for name in (photos.ignored if photos else ())
    ]
    used: set[str] = set()
    for located in rows:
        row: SummaryRow = located.row
        data = summary_data(row)
        member = photos.get(row.id_number) if photos else None
        photo_loc: Loc | None = None
        if member is not None:
            used.add(row.id_number)
            photo_loc = ("photos", member[0])
            data["photo"] = member[1]
        if data["title_speciality"] is None:
            errors.append(Problem((*located.loc, "profession"), (
                "个人申报表的职称专业取自原证书职业（系列-专业）或从事专业：请填写其一")))
            continue
        try:
            form = CrossoverApplication.model_validate(data)
        except ValidationError as error:
            errors.extend(_at_summary(located, photo_loc, p)
                          for p in problems_from(error, CrossoverApplication))
            continue
        findings = rules(form)
        found = [*findings.errors, *(check(form) if check else ())]
        errors.extend(_at_summary(located, photo_loc, p) for p in found)
        warnings.extend(_at_summary(located, photo_loc, p) for p in findings.warnings)
        if not found:
            forms.append(form)
            locs.append(located.loc)
    for number, (name, _raw) in (photos.photos.items() if photos else ()):
        if number not in used:
            warnings.append(Problem(("photos", name), f"照片 {name} 没有对应的申报人员（证件号 {number}）"))
    return SummaryApplications(tuple(forms), tuple(locs), tuple(errors), tuple(warnings))


def located(problems: Sequence[Problem]) -> list[Problem]:
    """Row problems as the sheet import states them (第7行（D7）：…); photo problems as they are."""
    summary = get_form(SUMMARY)
    in_rows = [p for p in problems if p.loc[:1] == ("rows",) and len(p.loc) > 1]
    others = [p for p in problems if p not in in_rows]
    return [*locate(summary, in_rows), *others]


def applications_from_summary(sheet: bytes, photos: bytes | None, extension: str,
                              settings: RenderSettings) -> Produced:
    """Every applicant's 个人申报表 from the .xlsx of a filled 汇总表 and an optional ZIP of photos
    named by 证件号, as one PDF (a page each, in sheet order) or a ZIP of Word files; InvalidData
    with every problem of the sheet, its rows and the photos, located, when any is wrong."""
    spec = get_form(APPLICATION)
    check_format(spec, extension)
    imported = read_rows(get_form(SUMMARY), sheet, APPLICATIONS_SHEET).require_ok()
    check_applications(len(imported.rows), extension)
    archive = read_photo_archive(photos) if photos is not None else None
    result = from_summary(imported.located(), archive,
                          check=unprintable if extension == "pdf" else None)
    warnings = (*imported.warnings, *located(result.warnings))
    if result.errors:
        raise InvalidData(located(result.errors), warnings=warnings)
    documents = result.documents()
    rendered = render_documents(spec.id, documents, extension, settings)
    name = documents[0].name if len(documents) == 1 else f"贯通个人申报表（{len(documents)}人）"
    return Produced(rendered, name, warnings)
