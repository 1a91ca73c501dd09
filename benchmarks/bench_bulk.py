"""Bulk issuing (SPEC §6): certificates per second end to end (`flask issue`: validate, issue,
QR, render, merge) against a naive one-PDF-per-certificate loop in the same run; print PDF bytes
per certificate; peak memory of the whole process tree at 2,000 and at 10,000 certificates."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, Report, bench_app

SIZES = (2000, 10000)
NAIVE = 100


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry.name)] = int(line.split()[1])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 1024


def sheet_of(count: int) -> bytes:
    from tests.jobs.conftest import people
    from tests.sheets.workbooks import blank_template, fill

    return fill(blank_template(bench_app().test_client(), "title-history"), people(count))


def run_issue(count: int, folder: Path) -> tuple[float, float, int]:
    """(seconds, peak MB, print PDF bytes) of `flask issue` on a sheet of count rows."""
    instance = folder / f"instance-{count}"
    sheet = folder / f"sheet-{count}.xlsx"
    sheet.write_bytes(sheet_of(count))
    env = {**os.environ, "FORMSVC_INSTANCE_PATH": str(instance), "FORMSVC_SECRET_KEY": "bench",
           "FORMSVC_PUBLIC_URL": "https://zc.example.gov.cn"}
    flask = [sys.executable, "-m", "flask", "--app", "formsvc"]
    subprocess.run([*flask, "init-db"], env=env, cwd=ROOT, check=True, capture_output=True)
    output = folder / f"print-{count}.pdf"
    start = time.perf_counter()
    process = subprocess.Popen([*flask, "issue", str(sheet), "-o", str(output)], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_rss_mb(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, errors = process.communicate()
    seconds = time.perf_counter() - start
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(errors.decode()[-2000:])
    return seconds, peak, output.stat().st_size


def naive_seconds_per_certificate(count: int) -> float:
    """Each certificate rendered as its own PDF, then all merged with pypdf: the baseline."""
    from pypdf import PdfWriter

    from formsvc import db
    from formsvc.forms.tabular import columns
    from formsvc.forms.title_history import TitleRecord
    from formsvc.registry import printing, service
    from tests.jobs.conftest import people

    app = bench_app()
    headers = {c.header: c.name for c in columns(TitleRecord)}
    requests = [
        service.CertificateRequest(TitleRecord.model_validate(
            {headers[k]: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}))
        for row in people(count, batch="99")
    ]
    with app.app_context():
        settings = service.RegistrySettings.from_config(app.config)
        start = time.perf_counter()
        issued = service.issue_many(db.session(), requests, actor="bench", settings=settings)
        writer = PdfWriter()
        for result in issued:
            single = printing.render_certificates([result.certificate], settings).content
            writer.append(io.BytesIO(single))
        writer.write(io.BytesIO())
        return (time.perf_counter() - start) / count


def bench(report: Report) -> None:
    naive = naive_seconds_per_certificate(NAIVE)
    report.figure(f"naive loop: one PDF per certificate + pypdf merge ({NAIVE})", 1 / naive,
                  "cert/s")
    peaks = {}
    with tempfile.TemporaryDirectory() as folder:
        for count in SIZES:
            seconds, peak, size = run_issue(count, Path(folder))
            peaks[count] = peak
            rate = count / seconds
            report.figure(f"bulk {count}: end to end (flask issue, both cores)", rate, "cert/s",
                          at_least=60)
            report.figure(f"bulk {count}: print PDF per certificate", size / count / 1024, "KB",
                          at_most=12)
            report.figure(f"bulk {count}: peak memory of the process tree", peak, "MB", at_most=600)
            if count == SIZES[0]:
                report.figure(f"bulk {count}: speed-up over the naive loop", rate * naive, "x",
                              at_least=5)
    report.figure(f"peak memory {SIZES[1]} minus {SIZES[0]} certificates", peaks[SIZES[1]] - peaks[SIZES[0]],
                  "MB", at_most=50)
