"""The rows stage: a checked workbook's data rows become the form's rows, every problem located.

Problems are located by sheet row and column header, the way a clerk finds them in Excel:
loc ``["rows", 7, "证件号码"]`` and a message that names the row, the cell and the column,
``第7行（D7）：证件号码校验位错误``. Header problems have loc ``["header", "证件号码"]``, problems
with the file itself ``["file"]``. Every problem is reported, not the first only.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from pydantic import ValidationError

from ..errors import FormsvcError, InvalidData, MalformedRequest, NotFound, Problem
from ..forms.base import (
    Findings,
    FindingsBuilder,
    FormModel,
    FormSpec,
    LocatedRow,
    problems_from,
    rules_on_part,
    unexplained,
    well_formed_part,
)
from ..forms.tabular import Column, columns, max_rows
from .archive import check_workbook
from .cells import read_cell
from .header import HEADER_SCAN_ROWS, find_header, header_problems, missing_header
from .limits import FILE_LOC, SheetLimits

log = logging.getLogger(__name__)
# openpyxl warns once per date-formatted cell holding a number beyond the calendar; read_cell
# reports each such cell to the clerk, the server log need not
warnings.filterwarnings("ignore", message=r"Cell \S+ is marked as a date", module="openpyxl")

#: sheets searched for the header: the data sheet comes first, the notes after it
HEADER_SHEETS = 5
#: columns read beyond the table, to notice (and ignore, with a warning) data typed beside it
EXTRA_COLUMNS = 10
#: a hostile sheet of 20,000 garbage rows would make an answer of megabytes: past this many
#: errors, the rest are counted, not listed
MAX_LISTED_ERRORS = 1000
DAMAGED = "文件已损坏，无法作为 Excel 工作簿读取：请在 Excel 中打开确认后重新保存再上传"


@dataclass(frozen=True)
class ImportResult:
    """The rows read from a sheet, with every problem found, located by sheet row and column."""

    form_id: str
    sheet: str
    header_row: int
    #: the rows that passed their checks, in sheet order (all rows when ok)
    rows: tuple[FormModel, ...]
    #: the sheet row of each of rows
    row_numbers: tuple[int, ...]
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def located(self) -> list[LocatedRow]:
        """The rows with their sheet locations, for rules and for messages about them."""
        return located(self.rows, self.row_numbers)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": [row.model_dump(mode="json") for row in self.rows],
            "row_numbers": list(self.row_numbers),
            "errors": [p.as_json() for p in self.errors],
            "warnings": [p.as_json() for p in self.warnings],
        }

    def summary(self) -> str:
        if self.ok:
            return f"{len(self.rows)} 行数据全部通过校验，{len(self.warnings)} 条提示"
        rows = {p.loc[1] for p in self.errors if len(p.loc) > 1 and p.loc[0] == "rows"}
        where = f"（涉及 {len(rows)} 行）" if rows else ""
        return f"发现 {len(self.errors)} 处错误{where}，{len(self.warnings)} 条提示"

    def require_ok(self) -> ImportResult:
        """The result itself, or InvalidData (422) with every error and warning."""
        if not self.ok:
            raise InvalidData(self.errors, warnings=self.warnings)
        return self


def _cell_ref(column: int, row: int) -> str:
    return f"{get_column_letter(column)}{row}"


@dataclass
class _Collector:
    """Problems in the order found, turned into sheet locations and capped for the answer."""

    columns: Sequence[Column]
    errors: list[Problem]
    warnings: list[Problem]
    uncounted: int = 0

    def __post_init__(self) -> None:
        self.by_name = {c.name: (i, c) for i, c in enumerate(self.columns, start=1)}
        #: a column's header (as a placed loc ends) → its field's name, as a one-item loc
        self.names = {(c.header,): (c.name,) for c in self.columns}

    def placed(self, problem: Problem, sheet_row: int) -> Problem:
        # problem.loc is ("rows", sheet_row) or ("rows", sheet_row, field name)
        place = self.by_name.get(str(problem.loc[2])) if len(problem.loc) > 2 else None
        if place is None:
            return Problem(("rows", sheet_row), f"第{sheet_row}行：{problem.msg}")
        index, column = place
        cell = _cell_ref(index, sheet_row)
        return Problem(("rows", sheet_row, column.header), f"第{sheet_row}行（{cell}）：{problem.msg}", cell)

    def error(self, problem: Problem, sheet_row: int) -> None:
        if len(self.errors) >= MAX_LISTED_ERRORS:
            self.uncounted += 1
            return
        self.errors.append(self.placed(problem, sheet_row))

    def warn(self, problem: Problem, sheet_row: int) -> None:
        self.warnings.append(self.placed(problem, sheet_row))

    def finish(self) -> None:
        if self.uncounted:
            self.errors.append(Problem(("rows",), (
                f"错误过多：以上列出前 {MAX_LISTED_ERRORS} 处，另有 {self.uncounted} 处未列出，"
                "请修正后重新导入查看"
            )))


def _open(content: bytes) -> Workbook:
    # read_only streams the sheet XML row by row; formulas come back as formulas (data_type
    # "f") so that they can be refused, never as values computed by anyone
    return load_workbook(io.BytesIO(content), read_only=True, data_only=False, keep_links=False,
                         keep_vba=False, rich_text=False)


def _rows(sheet: Any, first_row: int, width: int) -> Iterator[tuple[int, Sequence[Any]]]:
    # the <dimension> a file declares may be wrong (some tools write A1): read what is there
    sheet.reset_dimensions()
    yield from enumerate(sheet.iter_rows(min_row=first_row, max_col=width), start=first_row)


def _heads(workbook: Workbook, width: int) -> Iterator[tuple[str, list[Sequence[Any]]]]:
    """The first rows of each sheet (of the first few), read only as far as needed."""
    for sheet in workbook.worksheets[:HEADER_SHEETS]:
        rows = _rows(sheet, 1, width)
        head = [[c.value for c in cells] for _n, cells in itertools.islice(rows, HEADER_SCAN_ROWS)]
        rows.close()
        yield sheet.title, head


def located(rows: Sequence[FormModel], numbers: Sequence[int]) -> list[LocatedRow]:
    """Rows with their sheet locations, for the rules and their messages."""
    return [LocatedRow(("rows", n), f"第{n}行", row) for n, row in zip(numbers, rows, strict=True)]


def _read_row(model: type[FormModel], cells: Sequence[Any], table: Sequence[Column],
              number: int, found: _Collector) -> tuple[FormModel | None, FormModel]:
    """The checked row (None if any cell is wrong), and what the row rules can look at: the
    row itself, or its well-formed cells with the others None."""
    data: dict[str, Any] = {}
    unreadable: set[str] = set()
    for column, cell in zip(table, cells, strict=False):
        reading = read_cell(cell.value, cell.data_type, column)
        if reading.problem is not None:
            unreadable.add(column.name)
            found.error(Problem(("rows", number, column.name), reading.problem), number)
        elif reading.value is not None:
            data[column.name] = reading.value
    try:
        row = model.model_validate(data)
    except ValidationError as error:
        for problem in problems_from(error, model):
            if problem.loc and problem.loc[0] in unreadable:
                continue  # already said what is wrong with that cell
            found.error(Problem(("rows", number, *problem.loc), problem.msg), number)
        return None, well_formed_part(model, data)
    if unreadable:
        return None, row
    return row, row


def read_rows(spec: FormSpec, content: bytes, limits: SheetLimits | None = None) -> ImportResult:
    """Read a filled sheet of a tabular form: every row checked, every problem located.

    A file that is not a plain .xlsx within the limits raises (415/413/400, loc ["file"]);
    problems with the header or the rows come back in the result (see ImportResult.require_ok).
    """
    if spec.row_model is None:
        raise NotFound(f"{spec.title}不是表格，不能导入 Excel", loc=("form",))
    check_workbook(content, limits or SheetLimits())
    with _unreadable_is_damaged():
        workbook = _open(content)
    try:
        with _unreadable_is_damaged():
            return _read(spec, workbook)
    finally:
        workbook.close()


@contextlib.contextmanager
def _unreadable_is_damaged() -> Iterator[None]:
    """Whatever the parsers raise on a damaged file becomes one 400 that says so."""
    try:
        yield
    except FormsvcError:
        raise
    except DefusedXmlException as error:
        raise MalformedRequest("文件含有不安全的 XML 声明，已拒绝", loc=FILE_LOC) from error
    except Exception as error:
        # openpyxl meets a damaged file with whatever its parsers raise (KeyError, lxml and
        # zipfile errors, ...): each means the same thing to the clerk
        log.info("unreadable workbook: %r", error)
        raise MalformedRequest(DAMAGED, loc=FILE_LOC) from error


def _read(spec: FormSpec, workbook: Workbook) -> ImportResult:
    assert spec.row_model is not None
    table = columns(spec.row_model)
    width = len(table) + EXTRA_COLUMNS
    header = find_header(_heads(workbook, width), table)
    if header is None:
        problem = missing_header(workbook.sheetnames, table, spec.title)
        return ImportResult(spec.id, "", 0, (), (), (problem,), ())
    problems = header_problems(header, table)
    if problems:
        return ImportResult(spec.id, header.sheet, header.row, (), (), tuple(problems), ())
    found = _Collector(table, [], [])
    rows: list[FormModel] = []
    numbers: list[int] = []
    # every row, partly checked ones included, for the row rules: all problems in one answer
    checked: list[FormModel] = []
    checked_numbers: list[int] = []
    beside: dict[int, int] = {}
    limit = max_rows(spec)
    count = 0
    for number, cells in _rows(workbook[header.sheet], header.row + 1, width):
        values = [cell.value for cell in cells]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue  # blank rows (often formatted rows below the data) are not rows
        for index in range(len(table), len(values)):
            if values[index] is not None and str(values[index]).strip():
                beside.setdefault(index + 1, number)
        count += 1
        if limit is not None and count > limit:
            found.errors.append(Problem(("rows",), (
                f"数据超过 {limit} 行的上限（第{number}行起未读）：请分成几个文件导入"
            )))
            break
        row, part = _read_row(spec.row_model, cells[: len(table)], table, number, found)
        if row is not None:
            rows.append(row)
            numbers.append(number)
        checked.append(part)
        checked_numbers.append(number)
    _check_rows(spec, checked, checked_numbers, found, partial=len(checked) > len(rows))
    if not rows and not found.errors:
        found.errors.append(Problem(("rows",), (
            f"表格中没有数据：请从第{header.row + 1}行起，每行填写一条"
        )))
    for index, first in sorted(beside.items()):
        found.warnings.append(Problem(("header", get_column_letter(index)), (
            f"{get_column_letter(index)}列在表格之外（第{first}行起有内容），其内容已忽略"
        )))
    found.finish()
    return ImportResult(spec.id, header.sheet, header.row, tuple(rows), tuple(numbers),
                        tuple(found.errors), tuple(found.warnings))


def _check_rows(spec: FormSpec, rows: Sequence[FormModel], numbers: Sequence[int],
                found: _Collector, *, partial: bool) -> None:
    if spec.rows_rules is None or not rows:
        return
    rows_rules = spec.rows_rules

    def rules(checked: Sequence[FormModel]) -> Findings:
        builder = FindingsBuilder()
        rows_rules(builder, located(checked, numbers))
        return builder.done()

    # rows with a wrong cell are checked on their other cells, which the rules may not expect
    findings = rules_on_part(rules, rows) if partial else rules(rows)
    # in the fields' locations (("rows", 7, "birth_date")), to be compared with the rules' own
    wrong = [Problem(("rows", p.loc[1], *found.names.get(p.loc[2:3], ())), p.msg)
             for p in found.errors if len(p.loc) > 1 and p.loc[0] == "rows"]
    for problem in unexplained(findings.errors, wrong):
        found.error(problem, int(problem.loc[1]))
    for problem in unexplained(findings.warnings, wrong):
        found.warn(problem, int(problem.loc[1]))


def locate(spec: FormSpec, problems: Sequence[Problem]) -> list[Problem]:
    """Problems found after reading, at ("rows", sheet_row[, field]), located as the reader's own:
    ``["rows", 7, "证件号码"]`` and ``第7行（D7）：…``."""
    assert spec.row_model is not None
    found = _Collector(columns(spec.row_model), [], [])
    for problem in problems:
        found.error(problem, int(problem.loc[1]))
    found.finish()
    return found.errors
