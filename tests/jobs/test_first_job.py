"""The first bulk job of a freshly started service moves at once: the job pool starts with the
service (in the background) and is ready before the job, and the job's first chunk is small. A
sheet issued again issues nothing twice, and the job says how many were new."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select

from formsvc import db
from formsvc.registry.models import AuditEntry

from ..helpers import certificate_count, fill, people
from ..served import POOL_READY, make_run

#: how soon the first job of a service shows progress (issue 10: within 2 s of its start)
FIRST_PROGRESS_SECONDS = 2.0


def test_the_first_job_after_start_shows_progress_within_two_seconds(tmp_path, font_dir):
    rows = people(60)
    with make_run(tmp_path, font_dir, PUBLIC_URL="https://zc.example.gov.cn") as served:
        served.wait_for_log(POOL_READY, timeout=120)
        token = served.flask("token", "create", "咸宁市职改办").stdout.split()[-1]
        sheet = fill(served.request("/api/v1/forms/title-history/blank?format=xlsx"), rows)

        job = served.upload("/api/v1/jobs", {"sheet": ("采集表.xlsx", sheet)}, token=token)
        started = time.monotonic()
        url = job["links"]["self"]
        moving = served.poll(url, lambda j: j["issued"] > 0, token=token, timeout=60)
        waited = time.monotonic() - started
        assert waited <= FIRST_PROGRESS_SECONDS, f"first progress after {waited:.1f} s: {moving}"
        # the pool's two workers take the first chunks at once (5, then 50, then 5) and either may
        # finish first: progress is whatever chunks are done, never the whole job before it shows
        assert moving["state"] == "running" and moving["issued"] in (5, 10, 50, 55), moving

        done = served.poll(url, lambda j: j["state"] not in ("queued", "running"), token=token)
        assert (done["state"], done["done"], done["new"], done["existing"]) == ("done", 60, 60, 0), done

        # the same sheet again: every certificate is there already, none is issued twice
        again = served.upload("/api/v1/jobs", {"sheet": ("采集表.xlsx", sheet)}, token=token)
        repeated = served.poll(again["links"]["self"], lambda j: j["state"] not in ("queued", "running"),
                               token=token)
        assert (repeated["state"], repeated["new"], repeated["existing"]) == ("done", 0, 60), repeated
        assert "新签发 0 张，60 张此前已签发（未重复签发）" in repeated["summary"]
    # the pool was made ready by the serving process, in the background: serving did not wait
    log = served.log()
    assert log.count(POOL_READY) == 1 and log.index("Listening at") < log.index(POOL_READY), log[-3000:]


def test_a_jobs_first_chunk_is_small_and_the_others_full(jobs_app, sheet_of):
    from formsvc.jobs.models import JobChunk
    from formsvc.jobs.runners import submit

    jobs_app.config.update(JOB_CHUNK_SIZE=20, JOB_FIRST_CHUNK_SIZE=5)
    job_id, _ = submit(jobs_app, sheet_of(people(47)), source_name="采集表.xlsx", photos=None, actor="cli",
                       issuer_id=None, start=False)
    with db.transaction(jobs_app) as session:
        sizes = session.scalars(select(JobChunk.count).where(JobChunk.job_id == job_id)
                                .order_by(JobChunk.index)).all()
    assert sizes == [5, 20, 20, 2]


def test_a_pool_worker_rehearses_on_a_specimen_and_keeps_nothing(jobs_app, tmp_path):
    from formsvc.jobs import warmup
    from formsvc.signing.revocation import TRIAL_CRL

    def kept() -> list[Path]:
        # the trial CA's CRL is the signing key's (B-LT), issued when its data are first prepared
        return sorted(p for p in Path(jobs_app.instance_path).rglob("*")
                      if "fonts" not in p.parts and p.name != TRIAL_CRL)

    before = kept()
    warmup.rehearse(jobs_app)  # renders two, signs one: raises if it cannot
    assert certificate_count(jobs_app) == 0
    with db.transaction(jobs_app) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert kept() == before
