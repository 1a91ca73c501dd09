"""Reading untrusted .xlsx: safe open (limits, archive, parts), header (header), cells (cells), rows (reader).

A sheet maps onto a tabular FormSpec's row_model: the fields' official labels are the column
headers, in field order. ``read_rows(spec, content)`` is the whole import, for the API and for
Python callers (the crossover applications, bulk certificate jobs).
"""

from __future__ import annotations

from .archive import check_workbook
from .limits import SheetLimits
from .reader import ImportResult, read_rows

__all__ = ["ImportResult", "SheetLimits", "check_workbook", "read_rows"]
