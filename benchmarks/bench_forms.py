"""Render time of every form in every format (warm, median), and the LibreOffice baseline."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import ROOT, Report, bench_app, median_ms

#: SPEC §6: one-page form, warm median
TARGET_MS = {"pdf": 100, "docx": 30, "xlsx": 30}


def one_page(form_id: str, data: dict) -> dict:
    """The sample cut down to one page where a form lists several people."""
    if form_id == "pledge":
        return {**data, "applicants": data["applicants"][:1]}
    return data


def libreoffice_ms(docx: bytes, runs: int = 3) -> float | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    times = []
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "form.docx"
        source.write_bytes(docx)
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


def bench(report: Report) -> None:
    from formsvc.forms import FORMS

    app = bench_app()
    client = app.test_client()
    pledge_docx = None
    pledge_pdf_ms = None
    for form_id, spec in FORMS.items():
        data = one_page(form_id, json.loads((ROOT / "samples" / f"{form_id}.json").read_text()))
        for extension in spec.formats:
            url = f"/api/v1/forms/{form_id}/render?format={extension}"

            def render(url: str = url, data: dict = data) -> bytes:
                response = client.post(url, json=data)
                assert response.status_code == 200, response.get_json()
                return response.data

            ms = median_ms(render)
            report.figure(f"{form_id} {extension} render (median)", ms, "ms",
                          at_most=TARGET_MS[extension])
            if form_id == "pledge" and extension == "docx":
                pledge_docx = render()
            if form_id == "pledge" and extension == "pdf":
                pledge_pdf_ms = ms
    if pledge_docx and pledge_pdf_ms:
        baseline = libreoffice_ms(pledge_docx)
        if baseline is None:
            report.note("LibreOffice not installed: no baseline (make bench installs it)")
        else:
            report.figure("pledge: LibreOffice DOCX→PDF (median, same run)", baseline, "ms")
            report.figure("pledge: LibreOffice time / our PDF time", baseline / pledge_pdf_ms, "x",
                          at_least=10)
