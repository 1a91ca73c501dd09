"""The cells stage: what a spreadsheet cell holds, read into a column's value or a precise complaint.

Only what Excel stored is read: a formula is refused (never evaluated: its cached value may be
missing or stale, and the clerk would not see what we read), text stays text whatever its first
character, and numbers Excel has rounded are caught rather than imported with wrong digits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..forms.tabular import Column

#: Excel keeps 15 significant digits of a number: an 18-digit identity number typed into a
#: number cell comes back with its last digits turned to 0
EXCEL_DIGITS = 15
DATE_HINT = "请按 YYYY-MM-DD 填写（例如 2019-10-01），或把单元格设为日期格式"
TEXT_HINT = "请把该列设为文本格式后重新录入"


@dataclass(frozen=True)
class CellReading:
    """A cell's value for its column (None for a blank cell), or what is wrong with it."""

    value: Any = None
    problem: str | None = None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.15g}"


def _as_excel_shows(value: int | float) -> str:
    """A large whole number as Excel shows it: 15 significant digits, then zeros."""
    return f"{Decimal(f'{value:.{EXCEL_DIGITS}g}'):f}"


def _as_text(value: Any, header: str) -> CellReading:
    if isinstance(value, str):
        return CellReading(value)
    if isinstance(value, bool):
        return CellReading(problem=f"{header}应为文本，单元格中是逻辑值 {str(value).upper()}")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        shown = value.isoformat() if not isinstance(value, dt.datetime) else value.date().isoformat()
        return CellReading(problem=f"{header}被 Excel 识别成了日期或时间（{shown}），{TEXT_HINT}")
    if isinstance(value, int | float):
        if float(value).is_integer() and abs(value) >= 10 ** EXCEL_DIGITS:
            return CellReading(problem=(
                f"{header}被存成了数字（{_as_excel_shows(value)}），Excel 只保留{EXCEL_DIGITS}位有效数字，"
                f"末尾几位已丢失：{TEXT_HINT}"
            ))
        # short numbers (手机号码, 邮政编码, 专业年限 typed into a text column) are exact
        return CellReading(_number_text(value))
    return CellReading(problem=f"{header}应为文本")


def _as_date(value: Any, header: str) -> CellReading:
    if isinstance(value, str | dt.date):  # datetime is a date: parse_date refuses a time of day
        return CellReading(value)
    if isinstance(value, dt.time):
        return CellReading(problem=f"{header}是时间（{value.isoformat()}），不是日期：{DATE_HINT}")
    if isinstance(value, bool):
        return CellReading(problem=f"{header}应为日期，单元格中是逻辑值 {str(value).upper()}")
    if isinstance(value, int | float):
        return CellReading(problem=f"{header}是数字 {_number_text(value)}，不是日期：{DATE_HINT}")
    return CellReading(problem=f"{header}应为日期：{DATE_HINT}")


def _as_integer(value: Any, header: str) -> CellReading:
    if isinstance(value, bool | dt.date | dt.time):
        return CellReading(problem=f"{header}应为整数")
    if isinstance(value, float) and value.is_integer():
        return CellReading(int(value))
    return CellReading(value)  # int, str and fractions: the model says what is wrong


READERS = {"text": _as_text, "date": _as_date, "integer": _as_integer}


def read_cell(value: Any, data_type: str, column: Column) -> CellReading:
    """The value of one cell for column; data_type is openpyxl's (f formula, e error, s, n, d, b)."""
    if data_type == "f":
        formula = str(value)[:40]
        return CellReading(problem=(
            f"{column.header}是公式（{formula}），导入时不计算公式：请复制后“选择性粘贴→数值”再导入"
        ))
    if data_type == "e":
        if column.kind == "date":
            # openpyxl also reports a number too large for a date-formatted cell as #VALUE!
            return CellReading(problem=f"{column.header}不是有效的日期（单元格显示 {value}）：{DATE_HINT}")
        return CellReading(problem=f"{column.header}是错误值 {value}：请改为实际内容")
    if _blank(value):
        return CellReading()
    if isinstance(value, str):
        value = value.strip()
    return READERS[column.kind](value, column.header)
