"""Verification under load (wrk, 32 connections, against gunicorn with 2 workers) as a ratio to
/healthz on the same server in the same run; and the size and render time of a certificate PDF."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import ROOT, Report, bench_app, median_ms

CERTIFICATES = 200
#: rate limiting on, counting every look-up against a limit wrk's one client never reaches (a
#: limit it did reach would measure 429 answers, not verification)
RATE_LIMIT = "100000000/minute"
WRK = ["-t2", "-c32", "-d10s", "--latency"]
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def issue_certificates(app, count: int) -> list:
    """count certificates in the registry, as the service issues them."""
    from formsvc import db
    from formsvc.forms.title_history import TitleRecord
    from formsvc.registry import issuing, records
    from formsvc.registry.scope import WHOLE_REGISTRY

    data = json.loads((ROOT / "samples" / "certificate.json").read_text(encoding="utf-8"))
    requests = [
        issuing.CertificateRequest(
            TitleRecord.model_validate({**data, "approval_number": f"武职改办〔2019〕{serial}号"}))
        for serial in range(1, count + 1)
    ]
    with app.app_context():
        settings = records.RegistrySettings.from_config(app.config)
        issued = issuing.issue_many(db.session(), requests, actor="bench", settings=settings,
                                    scope=WHOLE_REGISTRY)
    return [i.certificate for i in issued]


def certificate_pdf(app, certificate, report: Report) -> None:
    from formsvc.documents import RenderSettings
    from formsvc.registry import printing, records

    settings = records.RegistrySettings.from_config(app.config)
    rendering = RenderSettings.of(app)
    seal = printing.Seal.from_file(ROOT / "static" / "img" / "seal-specimen.svg")
    with app.app_context():

        def render() -> bytes:
            return printing.render_certificates([certificate], settings, seal, rendering=rendering).content

        ms = median_ms(render, runs=10)
        size = len(render())
    report.figure("certificate PDF, one page with seal, no photo (median)", ms, "ms")
    report.figure("certificate PDF size without photo", size / 1024, "KB", at_most=200)


def parse_wrk(output: str) -> dict[str, float]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", output).groups()  # type: ignore[union-attr]
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx[1])
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return {"rps": rps, "p99_ms": float(value) * _UNITS[unit], "errors": errors}


def combined(results: list[dict[str, float]]) -> dict[str, float]:
    """Runs of the same endpoint together: mean requests/s and p99, errors summed."""
    return {
        "rps": sum(r["rps"] for r in results) / len(results),
        "p99_ms": sum(r["p99_ms"] for r in results) / len(results),
        "errors": sum(r["errors"] for r in results),
    }


def wrk(url: str) -> dict[str, float]:
    args = ["wrk", *WRK, url]
    output = subprocess.run(args, check=True, capture_output=True, text=True, timeout=120).stdout
    return parse_wrk(output)


def bench(report: Report) -> None:
    if shutil.which("wrk") is None:
        report.note("wrk not installed: no verification figures (make bench installs it)")
        return
    from formsvc import db

    sys.path.insert(0, str(ROOT / "tests"))
    from services import free_port, wait_for_port

    folder = Path(tempfile.mkdtemp(prefix="formsvc-bench-verify-"))
    url = f"sqlite:///{folder / 'registry.sqlite3'}"
    app = bench_app(DATABASE_URL=url, FONT_DIR=str(folder / "fonts"))
    db.upgrade(app)
    certificates = issue_certificates(app, CERTIFICATES)
    codes = [c.code for c in certificates]
    certificate_pdf(app, certificates[0], report)
    db.dispose(app)

    port = free_port()
    environment = {**os.environ, "FORMSVC_INSTANCE_PATH": str(folder / "instance"),
                   "FORMSVC_DATABASE_URL": url, "FORMSVC_VERIFY_RATE_LIMIT": RATE_LIMIT,
                   "FORMSVC_SECRET_KEY": "bench", "FORMSVC_FONT_DIR": str(folder / "fonts")}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "formsvc:create_app()"],
        env=environment, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout=60)
        base = f"http://127.0.0.1:{port}"
        # both workers warm: imports done, a database connection in each pool
        for code in codes[:20]:
            with urllib.request.urlopen(f"{base}/api/v1/verify/{code}", timeout=30) as answer:
                assert answer.status == 200
        time.sleep(0.5)
        # healthz, verify, verify, healthz: a machine whose load drifts during the run weighs on
        # both alike, so the ratio stays fair
        runs = {"health": [], "verify": []}
        for name in ("health", "verify", "verify", "health"):
            runs[name].append(wrk(f"{base}/healthz" if name == "health"
                                  else f"{base}/api/v1/verify/{codes[len(codes) // 2]}"))
        health, verify = (combined(runs[name]) for name in ("health", "verify"))
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(folder, ignore_errors=True)
    report.note("wrk -t2 -c32 -d10s, twice each (healthz, verify, verify, healthz), means; "
                f"rate limiting on ({RATE_LIMIT}, counts in the database)")
    report.figure("/healthz under wrk -c32 (gunicorn, 2 workers)", health["rps"], "req/s")
    report.figure("/api/v1/verify/<code> under wrk -c32, same run", verify["rps"], "req/s")
    report.figure("verify / healthz requests per second", verify["rps"] / health["rps"], "x",
                  at_least=0.5)
    report.figure("verify p99 latency", verify["p99_ms"], "ms", at_most=50)
    report.figure("/healthz p99 latency", health["p99_ms"], "ms")
    report.figure("verify errors (non-2xx and socket errors)", verify["errors"], "", at_most=0)
