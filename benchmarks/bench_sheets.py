"""Sheet import: the repository's own templates filled with many rows, read back through /import."""

from __future__ import annotations

import datetime as dt
import io
import json
import time

from common import ROOT, Report, bench_app, median_ms
from openpyxl import load_workbook


def person(index: int) -> tuple[str, str, str]:
    """A distinct, valid 身份证 number with its 性别 and 出生日期 (so rows are not duplicates)."""
    from stdnum.cn import ric

    born = dt.date(1985, 1, 1) + dt.timedelta(days=index % 5000)
    body = f"420102{born:%Y%m%d}{index % 1000:03d}"
    number = body + ric.calc_check_digit(body + "0")
    return number, "男" if int(body[-1]) % 2 else "女", born.isoformat()


def filled(template: bytes, rows: list[dict], columns: list, count: int) -> bytes:
    """The template with count rows (the sample's, with distinct identities) below its header."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    header = next(r for r in range(1, 11) if sheet.cell(r, 2).value)
    for offset in range(count):
        row = dict(rows[offset % len(rows)])
        if row["document_type"] in ("身份证", "居民身份证"):
            row["id_number"], row["gender"], row["birth_date"] = person(offset)
        else:
            row["id_number"] = f"T{offset:08d}"
        for index, column in enumerate(columns, start=1):
            value = row.get(column.name)
            if column.kind == "date" and value:
                value = dt.date.fromisoformat(value)
            cell = sheet.cell(header + 1 + offset, index, value)
            if isinstance(value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bench(report: Report) -> None:
    from formsvc.forms import FORMS
    from formsvc.forms.tabular import columns

    client = bench_app().test_client()
    for form_id, counts in (("title-history", (100, 1000, 20000)), ("crossover-summary", (100, 2000))):
        spec = FORMS[form_id]
        template = client.get(f"/api/v1/forms/{form_id}/blank?format=xlsx").data
        rows = json.loads((ROOT / "samples" / f"{form_id}.json").read_text())["rows"]
        for count in counts:
            content = filled(template, rows, list(columns(spec.row_model)), count)

            def upload(content: bytes = content, form_id: str = form_id) -> None:
                response = client.post(f"/api/v1/forms/{form_id}/import",
                                       data={"file": (io.BytesIO(content), "导入.xlsx")},
                                       content_type="multipart/form-data")
                assert response.status_code == 200, response.get_json()

            if count >= 10000:
                start = time.perf_counter()
                upload()
                ms = (time.perf_counter() - start) * 1000
            else:
                ms = median_ms(upload, runs=5, warmup=1)
            report.figure(f"{form_id} import {count} rows ({len(content) // 1024} KB)", ms, "ms")
            report.figure(f"{form_id} import {count} rows: rows per second", count / ms * 1000, "rows/s")
