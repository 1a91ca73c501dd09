"""Render time of every form in every format (warm, median), each against the same run's
LibreOffice baseline, and the long forms: post-quota with 300 applicants, a 1,000-row 采集表.

The one-page figures are of one page: pledge's sample lists several applicants, a page each, and
is cut to the first (one_page); every other sample is one page as it stands, crossover-summary's
five rows of 32 columns included (one A3 landscape sheet: form_templates/crossover-summary), and
the bench stops if a sample's PDF is not one page. Every form is measured against LibreOffice
printing the same form: its Word file, or for a form with none (title-history,
crossover-summary) its spreadsheet.
"""

from __future__ import annotations

import copy
import io
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from common import ROOT, RUNS, WARMUP, Report, bench_app, median_ms

#: the targets for a one-page form, warm median
TARGET_MS = {"pdf": 100, "docx": 30, "xlsx": 30}


def one_page(form_id: str, data: dict) -> dict:
    """The sample cut down to one page where a form lists several people."""
    if form_id == "pledge":
        return {**data, "applicants": data["applicants"][:1]}
    return data


#: characters a varied text ends in: two of them tell 100 versions apart
MARKS = "甲乙丙丁戊己庚辛壬癸"


def _leaves(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    elif isinstance(value, str) and len(value) >= 2:
        yield path, value


def _set(data: Any, path: tuple, value: str) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _varied(text: str, version: int) -> str:
    """The text with its last two characters told apart by version: hanzi for hanzi, digits
    for digits, so that it stays as valid as it can."""
    if text[-1].isdigit():
        return text[:-2] + f"{version % 100:02d}"
    return text[:-2] + MARKS[version // 10 % 10] + MARKS[version % 10]


def fresh_copies(spec: Any, data: dict, count: int) -> Iterator[dict]:
    """count copies of the data, each text the form still accepts when changed made different in
    every copy (and in every row of a list): a renderer that remembers what it set (Typst does,
    across renders) lays out each value anew, as for a request with other people's data, and
    only what every copy shares (headers, notes, 身份证, 男) may come from memory."""
    variable = []
    for path, text in _leaves(data):
        accepted = True
        for version in (1, 99):  # the extremes: a date's day 01 passes, 99 does not
            trial = copy.deepcopy(data)
            _set(trial, path, _varied(text, version))
            accepted = accepted and spec.validate(trial).ok
        if accepted:
            variable.append((path, text))
    for version in range(count):
        varied = copy.deepcopy(data)
        for index, (path, text) in enumerate(variable):
            _set(varied, path, _varied(text, version * 7 + index))
        yield varied


def libreoffice_ms(content: bytes, extension: str = "docx", runs: int = 3) -> float | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    times = []
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"form.{extension}"
        source.write_bytes(content)
        profile = Path(folder) / "profile"
        for _ in range(runs + 1):
            start = time.perf_counter()
            subprocess.run(
                [soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                 "--convert-to", "pdf", "--outdir", folder, str(source)],
                check=True, capture_output=True, timeout=120,
            )
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[1:])  # the first run also creates the profile


def pages_of(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def post_quota_300(data: dict) -> dict:
    levels = ("中级", "副高", "正高")
    return {**data, "applicants": [
        {"name": f"欧阳{'振华明远思琪建国'[i % 8]}{'甲乙丙丁戊己庚辛壬癸'[i % 10]}",
         "speciality": "临床医学检验技术", "level": levels[i % 3], "route": "空岗申报"}
        for i in range(300)
    ]}


def title_history_rows(count: int) -> dict:
    """count rows of different people: their own identity numbers, dates and 批准文号."""
    from tests.helpers import title_records

    return {"rows": title_records(count)}


def bench(report: Report) -> None:
    from formsvc.forms import FORMS

    app = bench_app()
    client = app.test_client()
    for form_id, spec in FORMS.items():
        data = one_page(form_id, json.loads((ROOT / "samples" / f"{form_id}.json").read_text()))
        rendered: dict[str, bytes] = {}
        pdf_ms = None
        for extension in spec.formats:
            url = f"/api/v1/forms/{form_id}/render?format={extension}"
            # each run its own data: as many copies as median_ms runs, and one more
            copies = fresh_copies(spec, data, WARMUP + RUNS + 1)

            def render(url: str = url, copies: Iterator[dict] = copies) -> bytes:
                response = client.post(url, json=next(copies))
                assert response.status_code == 200, response.get_json()
                return response.data

            ms = median_ms(render)
            report.figure(f"{form_id} {extension} render (median)", ms, "ms",
                          at_most=TARGET_MS[extension])
            rendered[extension] = render()
            if extension == "pdf":
                pdf_ms = ms
                pages = pages_of(rendered["pdf"])
                assert pages == 1, f"{form_id}: the one-page sample prints {pages} pages"
        # the same run's baseline: LibreOffice printing the form's Word file, or its sheet
        source = next((e for e in ("docx", "xlsx") if e in rendered), None)
        if source and pdf_ms:
            baseline = libreoffice_ms(rendered[source], source)
            if baseline is None:
                report.note("LibreOffice not installed: no baseline (make bench installs it)")
                continue
            report.figure(f"{form_id}: LibreOffice {source.upper()}→PDF (median, same run)",
                          baseline, "ms")
            report.figure(f"{form_id}: LibreOffice time / our PDF time", baseline / pdf_ms, "x",
                          at_least=10)
    long_forms = (
        ("post-quota with 300 applicants",
         "post-quota", post_quota_300(json.loads((ROOT / "samples" / "post-quota.json").read_text()))),
        ("title-history with 1,000 rows", "title-history", title_history_rows(1000)),
    )
    from formsvc.documents import RenderSettings
    from formsvc.produce import render_documents

    for label, form_id, data in long_forms:
        # the renderer itself: a request's work budget allows 1,000 rows of 采集表 per PDF
        spec = FORMS[form_id]
        checked = spec.validate(data)
        assert checked.ok, checked.errors

        def render(spec=spec, checked=checked) -> bytes:
            with app.app_context():
                documents = spec.documents(checked.model)
                return render_documents(spec.id, documents, "pdf", RenderSettings.of(app)).content

        # one timed run after the form's one-page renders above warmed the process, of rows no
        # render before it set
        start = time.perf_counter()
        content = render()
        ms = (time.perf_counter() - start) * 1000
        pages = pages_of(content)
        report.figure(f"{label}: PDF render ({pages} pages)", ms, "ms")
        report.figure(f"{label}: time per page", ms / pages, "ms")
