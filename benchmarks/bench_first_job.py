"""The first bulk job of a freshly started service (issue 10: progress within 2 s of its start):
`make run` as a new user starts it, a sheet of 60 posted to the API as soon as the job pool says
it is ready, the time to its first issued and first printed certificates; then a second job on
the same service (the hundredth is no faster), and the same first job on the service as it was
served before (pool started by the first job, first chunk as large as the others) as the
same-run baseline. Each service is measured from its start to listening, so that a start-up made
slower by the pool would show."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from common import Report

from tests.helpers import fill, people
from tests.served import FLASK, POOL_READY, Served, make_run

ROWS = 60
GUNICORN = str(Path(FLASK).with_name("gunicorn"))


def cold_pool_command(port: int) -> list[str]:
    """The service without formsvc.serving's hook: its pool starts with its first job."""
    return ["sh", "-c", f"{FLASK} --app formsvc init-db && exec {GUNICORN} --workers 1 --threads 4 "
                        f"--bind 127.0.0.1:{port} 'formsvc:create_app()'"]


def job_timing(served: Served, token: str, batch: str) -> dict[str, float]:
    """Seconds from a job's 202 to its first issued certificate, its first printed one, its end."""
    sheet = fill(served.request("/api/v1/forms/title-history/blank?format=xlsx"), people(ROWS, batch=batch))
    job = served.upload("/api/v1/jobs", {"sheet": ("bench.xlsx", sheet)}, token=token)
    start = time.monotonic()
    url = job["links"]["self"]
    served.poll(url, lambda j: j["issued"] > 0, token=token, interval=0.02)
    issued = time.monotonic() - start
    served.poll(url, lambda j: j["done"] > 0, token=token, interval=0.02)
    printed = time.monotonic() - start
    final = served.poll(url, lambda j: j["state"] not in ("queued", "running"), token=token)
    assert final["state"] == "done", final
    return {"issued": issued, "printed": printed, "finished": time.monotonic() - start}


def measure(font_dir: Path, **options) -> tuple[float, list[dict[str, float]]]:
    """(seconds from start to listening, timings of a first and a second job) of one service."""
    with tempfile.TemporaryDirectory(prefix="formsvc-bench-first-") as folder:
        begun = time.monotonic()
        with make_run(Path(folder), font_dir, PUBLIC_URL="https://zc.example.gov.cn", **options) as served:
            listening = time.monotonic() - begun
            if "command" not in options:
                served.wait_for_log(POOL_READY, timeout=120)
            else:
                time.sleep(1)
            token = served.flask("token", "create", "bench").stdout.split()[-1]
            return listening, [job_timing(served, token, batch) for batch in ("31", "32")]


def bench(report: Report) -> None:
    from formsvc.render.fonts import compact_faces

    with tempfile.TemporaryDirectory(prefix="formsvc-bench-fonts-") as fonts:
        compact_faces(fonts)  # built once for both services, as a running installation has them
        listening, (first, second) = measure(Path(fonts))
        cold_listening, (cold, _) = measure(Path(fonts), command=cold_pool_command,
                                            JOB_FIRST_CHUNK_SIZE="50")
    report.figure("first job after start: first certificate issued", first["issued"], "s", at_most=2)
    report.figure("first job after start: first certificate printed", first["printed"], "s", at_most=2)
    report.figure(f"first job after start: all {ROWS} done", first["finished"], "s")
    report.figure("second job: first certificate printed", second["printed"], "s")
    report.figure("first job ÷ second job, time to first printed", first["printed"] / second["printed"], "x",
                  at_most=1.5)
    report.figure("before (pool started by the job, first chunk of 50): first printed", cold["printed"], "s")
    report.figure("before ÷ now, time to first printed", cold["printed"] / first["printed"], "x")
    report.figure("start to listening, pool started with the service", listening, "s")
    report.figure("start to listening ÷ the same without the pool", listening / cold_listening, "x",
                  at_most=1.2)
