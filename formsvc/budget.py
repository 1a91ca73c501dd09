"""Work budgets: how much one synchronous request may ask for, checked before the work starts.

gunicorn kills a worker whose request runs past its 30 s timeout, and two such requests at once
take a two-worker service down. So a synchronous request is measured before any work — the rows
of an uploaded sheet (blank ones included) and the entries of its XML parts (sheets.limits), the
rows or pages a render would lay out (here) — and anything over the budget is refused with a 413
that says what to do instead. Bulk work goes to the job API, which runs in the background.

The budgets were sized on the 2-core machine the service runs on, loaded by other work (load
average 3–6), so that the largest accepted request takes well under a third of the timeout:

=====================================================  ==========  ==============
request (measured one at a time, test client)          measured    budget
=====================================================  ==========  ==============
import title-history, 20,000 rows (1 MB .xlsx)          5.4 s      20,000 rows
render title-history PDF, 500 / 1,000 rows (Typst)     3.1 / 6.2 s  1,000 rows
render title-history XLSX, 20,000 rows                  18 s        5,000 rows
render crossover-summary PDF, 100 / 400 rows (Typst)    1.6 / 5.1 s   400 rows
render crossover-summary XLSX, 2,000 rows               4.1 s       2,000 rows
render pledge PDF / DOCX, 100 applicants                2.1 / 2.1 s  200 applicants
office export XLSX, 20,000 certificates (SQLite)        9.5 s      10,000 rows
applications from a summary, PDF / DOCX, 20 rows        see APPLICATIONS
=====================================================  ==========  ==============

The two Typst rows were measured on 2026-12-02 with three busy loops beside them on the two cores
(load average 2.5–3); on the idle machine the 1,000-row 采集表 is checked in 0.1–0.15 s and set
in about 1 s (make bench).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import PayloadTooLarge
from .sheets.limits import SheetLimits

JOBS_API = "POST /api/v1/jobs"


def sheet_limits(rows: int, *, columns: int = 40, remedy: str) -> SheetLimits:
    """The limits of an uploaded sheet of at most rows rows (blank ones included) of about
    columns cells each: every count the archive stage makes follows from these two."""
    cells = rows * columns
    return SheetLimits(max_rows=rows, max_cells=cells, max_strings=cells, max_elements=cells * 4,
                       remedy=remedy)


#: POST /forms/<id>/import: reading rows is cheap (5.4 s for 20,000), so the budget is the
#: largest form's own row limit plus room for blank rows and the header
IMPORT_ROWS = 22_000
IMPORT_SHEET = sheet_limits(IMPORT_ROWS, remedy=(
    "请删除表格下方多余的空行后再上传；数据更多时请分成几个文件导入，"
    f"批量签发证书请改用批量任务接口 {JOBS_API}"
))


@dataclass(frozen=True)
class RenderBudget:
    """How many items of a form's list one synchronous render may lay out, per format."""

    #: the list whose length is the work, and its official label
    field: str
    label: str
    per_format: Mapping[str, int]

    def check(self, data: Any, extension: str) -> None:
        """PayloadTooLarge (413) when data's list is longer than extension's budget."""
        limit = self.per_format.get(extension)
        items = data.get(self.field) if isinstance(data, dict) else None
        if limit is None or not isinstance(items, list) or len(items) <= limit:
            return
        raise PayloadTooLarge(
            f"{self.label}共 {len(items)} 条，一次最多生成 {limit} 条的 {extension.upper()}："
            f"请分成每次不超过 {limit} 条分批生成",
            loc=(self.field,),
        )


#: form id → its render budget (forms without one are small by their own limits)
RENDER: dict[str, RenderBudget] = {
    "title-history": RenderBudget("rows", "职称数据", {"pdf": 1_000, "xlsx": 5_000}),
    "crossover-summary": RenderBudget("rows", "申报人员", {"pdf": 400, "xlsx": 2_000}),
    "pledge": RenderBudget("applicants", "申报人员", {"pdf": 200, "docx": 200}),
}


def check_render(form_id: str, data: Any, extension: str) -> None:
    """Refuse, before validating anything, a render larger than its budget."""
    budget = RENDER.get(form_id)
    if budget is not None:
        budget.check(data, extension)


#: POST /forms/crossover-summary/applications: one application (a page, or a Word file) per
#: row of the summary
APPLICATIONS: Mapping[str, int] = {"pdf": 60, "docx": 150}
#: rows of the summary's sheet, blank ones and the header included
APPLICATIONS_SHEET = sheet_limits(max(APPLICATIONS.values()) + 200, remedy=(
    "请删除表格下方多余的空行，或把汇总表分成几个文件分别生成（每次最多 "
    + "、".join(f"{extension.upper()} {count} 份" for extension, count in APPLICATIONS.items()) + "）"
))


def check_applications(count: int, extension: str) -> None:
    limit = APPLICATIONS[extension]
    if count > limit:
        raise PayloadTooLarge(
            f"汇总表有 {count} 位申报人，一次最多生成 {limit} 份个人申报表：请把汇总表分成几个文件，"
            f"每个不超过 {limit} 人，分别生成",
            loc=("file",),
        )


#: an export of the office's lists (registry/exports.py) is one XLSX written synchronously; a
#: longer list is refused before anything is read, asking for a narrower search (20,000 rows took
#: 9.5 s at load 9–11, a third of the timeout: half of that is the budget)
EXPORT_ROWS = 10_000


def check_export(rows: int) -> None:
    if rows > EXPORT_ROWS:
        raise PayloadTooLarge(
            f"共 {rows} 张证书，一次最多导出 {EXPORT_ROWS} 张：请按发证日期、批次或状态缩小范围，"
            "分几次导出", loc=("export",))
