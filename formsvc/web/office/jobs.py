"""The office's bulk issuing: upload, check, start, follow and download a job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ... import db
from ...errors import FormsvcError, MalformedRequest, NotFound, Problem
from ...jobs import work
from ...jobs.models import Job
from ...jobs.plan import check
from ...jobs.runners import submit
from ...registry import batches, exports
from .. import uploads
from ..http import optional_file, uploaded_file
from ..jobs import send_output
from .access import actor, bp, login_required, scope

SHEET = "湖北省职称历史数据采集表（.xlsx）"
RECENT_JOBS = 20


@bp.get("/jobs")
@login_required
def job_new() -> ResponseReturnValue:
    query = select(Job.id).order_by(Job.created_at.desc()).limit(RECENT_JOBS)
    if not scope().whole_registry:
        query = query.where(Job.issuer_id == scope().issuer_id)
    recent = db.session().scalars(query)
    jobs = [work.status(db.session(), job_id) for job_id in recent]
    return render_template("office/jobs.html", jobs=jobs)


@bp.post("/jobs/check")
@login_required
def job_check() -> ResponseReturnValue:
    """Step 1: the whole sheet (and photos) checked; a clean sheet waits for the clerk to start it."""
    uploads.discard(current_app, session.pop("job_upload", None))
    try:
        sheet = uploaded_file("sheet", SHEET, optional=("photos",))
        if not sheet:
            raise MalformedRequest(f"请选择要上传的{SHEET}", loc=("sheet",))
        photos = optional_file("photos")
        plan = check(db.session(), sheet, photos, scope=scope())
    except FormsvcError as error:
        warnings = getattr(error, "warnings", ())
        return render_template("office/job_check.html", problems=error.problems, warnings=warnings,
                               plan=None), 422
    name = request.files["sheet"].filename or "采集表.xlsx"
    session["job_upload"] = uploads.keep(current_app, uploads.Upload(sheet, photos, name))
    return render_template("office/job_check.html", problems=(), warnings=plan.warnings, plan=plan,
                           source_name=name)


@bp.post("/jobs/start")
@login_required
def job_start() -> ResponseReturnValue:
    """Step 2: the checked upload becomes a job (checked again: the registry may have changed)."""
    upload = uploads.take(current_app, session.pop("job_upload", None))
    if upload is None:
        flash("上传的文件已失效（超过一天未开始，或已开始过），请重新上传", "error")
        return redirect(url_for("office.job_new"))
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        job_id, _warnings = submit(app, upload.sheet, source_name=upload.source_name, photos=upload.photos,
                                   actor=actor(), issuer_id=scope().issuer_id)
    except FormsvcError as error:
        return render_template("office/job_check.html", problems=error.problems,
                               warnings=getattr(error, "warnings", ()), plan=None), 422
    return redirect(url_for("office.job", job_id=job_id))


def owned_job(job_id: str) -> Any:
    """The status of a job of the person's scope; NotFound for another issuer's, as for none."""
    job = db.session().get(Job, job_id) if len(job_id) == 32 else None
    # another issuer's job is as unknown as a job that does not exist
    status = work.status(db.session(), job_id) if job and scope().owns(job.issuer_id) else None
    if status is None:
        raise NotFound("没有这个作业", loc=("job",))
    return status


def job_json(status: Any) -> dict[str, Any]:
    body: dict[str, Any] = status.as_json()
    if status.state == work.DONE:
        body["links"] = {
            "print_pdf": url_for("office.job_download", job_id=status.id, name=work.PRINT_PDF),
            "zip": url_for("office.job_download", job_id=status.id, name=work.SINGLES_ZIP),
        }
    return body


@bp.get("/jobs/<job_id>")
@login_required
def job(job_id: str) -> ResponseReturnValue:
    status = owned_job(job_id)
    return render_template("office/job.html", job=status, job_json=job_json(status),
                           batch=batches.counts(db.session(), status.id), id_numbers=exports.ID_NUMBERS)


@bp.get("/jobs/<job_id>/status")
@login_required
def job_status(job_id: str) -> ResponseReturnValue:
    """What the progress bar polls: the job API's answer, with the office's download links."""
    return jsonify(job_json(owned_job(job_id)))


@bp.get("/jobs/<job_id>/<any(print.pdf, certificates.zip):name>")
@login_required
def job_download(job_id: str, name: str) -> ResponseReturnValue:
    return send_output(owned_job(job_id), name)


@dataclass(frozen=True)
class SheetPlace:
    """Where in an uploaded sheet (or its photos ZIP) a problem is, as the report's columns show it."""

    row: int | str = ""
    column: str = ""
    cell: str = ""


def sheet_place(problem: Problem) -> SheetPlace:
    """("rows", 7, "证件号码") with cell D7 → row 7, column 证件号码, cell D7."""
    loc = problem.loc
    cell = problem.cell or ""
    if loc[:1] == ("rows",) and len(loc) > 1:
        return SheetPlace(loc[1], str(loc[2]) if len(loc) > 2 else "", cell)
    if loc[:1] == ("photos",):
        return SheetPlace("", "照片压缩包", str(loc[1]) if len(loc) > 1 else "")
    if loc[:1] == ("header",):
        return SheetPlace("", f"表头 {loc[1]}" if len(loc) > 1 else "表头", cell)
    return SheetPlace("", "", cell)
