"""How large an uploaded workbook (or ZIP of photos) may be: the limits every check of an upload reads."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024
FILE_LOC = ("file",)


@dataclass(frozen=True)
class SheetLimits:
    """How large an uploaded workbook may be, packed and unpacked."""

    #: the file as uploaded; a 20,000-row 采集表 is about 1.5 MB
    max_bytes: int = 8 * MB
    #: parts in the ZIP; Excel writes about a dozen
    max_entries: int = 1000
    #: all parts unpacked together
    max_uncompressed: int = 200 * MB
    #: unpacked / packed size of one part; sheet XML packs about 10:1, zip bombs 1000:1 and more
    max_ratio: int = 200
    #: parts smaller than this unpacked are not ratio-checked: a tiny part cannot hurt
    ratio_floor: int = 1 * MB
    #: rows one sheet may hold, blank rows included: the reader walks every one of them.
    #: The default suits a bulk job (20,000 records and blank rows below them); synchronous
    #: requests have much smaller budgets (formsvc.budget)
    max_rows: int = 30_000
    #: cells of one sheet, empty cells included
    max_cells: int = 30_000 * 40
    #: entries of the shared strings, which openpyxl reads whole before the first row
    max_strings: int = 30_000 * 40
    #: elements of any one XML part (styles, relationships, …)
    max_elements: int = 30_000 * 40 * 4
    #: what a clerk should do with a sheet over the budget
    remedy: str = "请删除表格下方多余的空行，或分成几个文件上传"
