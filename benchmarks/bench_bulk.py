"""Bulk issuing: certificates per second end to end — validate, issue, QR, render, merge
— through the service's own path (runners.submit and the local pool, warm, both cores), against a
naive one-PDF-per-certificate loop in the same run; print PDF bytes per certificate; peak memory
of the whole process tree at 2,000 and at 10,000 certificates, each measured in a fresh process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import Report, bench_app

SIZES = (2000, 10000)
NAIVE = 100
HERE = Path(__file__).resolve().parent


def tree_memory_mb(root: int) -> tuple[float, float]:
    """(PSS, RSS) of a process and all its descendants, in MB.

    PSS counts a page shared by n processes (the Python runtime, Pango, the fonts) as 1/n in
    each: the memory the tree really takes. RSS counts it in full in every process.
    """
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    pss = rss = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        except OSError:
            continue  # ended meanwhile
    return pss / 1024, rss / 1024


def sheet_of(app, count: int) -> bytes:
    from tests.helpers import blank_template, fill, people

    return fill(blank_template(app.test_client(), "title-history"), people(count))


def measure(count: int) -> dict[str, float]:
    """One bulk job of count certificates on a warm service: seconds, peak MB, print PDF bytes."""
    from formsvc.jobs import runners, work

    app = bench_app()
    sheet = sheet_of(app, count)
    runner = runners.runner_for(app)
    # warm: the pool's processes started and each has rendered once, as in a running service
    warm, _ = runners.submit(app, sheet_of(app, 2 * app.config["JOB_WORKERS"]), source_name="warm.xlsx",
                             photos=None, actor="bench", issuer_id=None, start=False)
    runner.drive(warm)
    peak = [0.0, 0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            pss, rss = tree_memory_mb(os.getpid())
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], rss)
            time.sleep(0.25)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    job_id, _ = runners.submit(app, sheet, source_name="bench.xlsx", photos=None, actor="bench",
                               issuer_id=None, start=False)
    runner.drive(job_id)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    output = work.output(app, job_id, work.PRINT_PDF)
    assert output is not None, "the job did not finish"
    runner.shutdown()
    singles = work.output(app, job_id, work.SINGLES_ZIP)
    assert singles is not None
    return {"seconds": seconds, "peak_pss_mb": peak[0], "peak_rss_mb": peak[1],
            "pdf_bytes": output.stat().st_size, "zip_bytes": singles.stat().st_size}


def naive_seconds_per_certificate(count: int) -> float:
    """Each certificate rendered as its own PDF, then all merged with pypdf: the baseline."""
    from pypdf import PdfWriter

    from formsvc import db
    from formsvc.documents import RenderSettings
    from formsvc.forms.tabular import columns
    from formsvc.forms.title_history import TitleRecord
    from formsvc.registry import issuing, printing, records
    from formsvc.registry.scope import WHOLE_REGISTRY
    from tests.helpers import people

    app = bench_app()
    headers = {c.header: c.name for c in columns(TitleRecord)}
    requests = [
        issuing.CertificateRequest(TitleRecord.model_validate(
            {headers[k]: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}))
        for row in people(count, batch="99")
    ]
    with app.app_context():
        settings = records.RegistrySettings.from_config(app.config)
        start = time.perf_counter()
        issued = issuing.issue_many(db.session(), requests, actor="bench", settings=settings,
                                    scope=WHOLE_REGISTRY)
        writer = PdfWriter()
        for result in issued:
            single = printing.render_certificates([result.certificate], settings,
                                                  rendering=RenderSettings.of(app)).content
            writer.append(io.BytesIO(single))
        writer.write(io.BytesIO())
        return (time.perf_counter() - start) / count


def bench(report: Report) -> None:
    naive = naive_seconds_per_certificate(NAIVE)
    report.figure(f"naive loop: one PDF per certificate + pypdf merge ({NAIVE})", 1 / naive, "cert/s")
    results = {}
    for count in SIZES:
        # a fresh process each, so that one size's memory does not carry into the next
        out = subprocess.run([sys.executable, str(Path(__file__)), str(count)], capture_output=True,
                             text=True, check=True, cwd=HERE.parent)
        results[count] = json.loads(out.stdout.strip().splitlines()[-1])
        figures = results[count]
        rate = count / figures["seconds"]
        report.figure(f"bulk {count}: end to end, signed singles, warm service (both cores)", rate,
                      "cert/s", at_least=60)
        report.figure(f"bulk {count}: signed single certificate in the ZIP (average, no photo)",
                      figures["zip_bytes"] / count / 1024, "KB", at_most=100)
        report.figure(f"bulk {count}: print PDF per certificate", figures["pdf_bytes"] / count / 1024, "KB",
                      at_most=12)
        report.figure(f"bulk {count}: peak memory of the process tree (PSS)", figures["peak_pss_mb"],
                      "MB", at_most=600)
        report.figure(f"bulk {count}: peak of the processes' RSS summed (shared pages counted in each)",
                      figures["peak_rss_mb"], "MB")
        if count == SIZES[0]:
            report.figure(f"bulk {count}: speed-up over the naive loop", rate * naive, "x", at_least=5)
    rates = [count / results[count]["seconds"] for count in SIZES]
    report.figure(f"bulk rate at {SIZES[1]} ÷ rate at {SIZES[0]}", rates[1] / rates[0], "x", at_least=0.9)
    report.figure(f"peak memory (PSS), {SIZES[1]} less {SIZES[0]} certificates",
                  results[SIZES[1]]["peak_pss_mb"] - results[SIZES[0]]["peak_pss_mb"], "MB", at_most=50)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent))
    print(json.dumps(measure(int(sys.argv[1]))))
