"""The bulk-job API: submit a 采集表 (and photos) for issuing and printing, follow it, download."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, send_file, url_for

from .. import db
from ..errors import NotFound
from ..jobs import work
from ..jobs.runners import submit
from .certificates import actor, token_required
from .http import content_disposition, optional_file, uploaded_file
from .openapi import operation
from .security import no_store

bp = Blueprint("jobs", __name__, url_prefix="/api/v1")
# a job's files hold every certificate of its sheet: never cached
bp.after_request(no_store)

SHEET = "湖北省职称历史数据采集表（.xlsx）"


def job_json(status: work.JobStatus) -> dict[str, Any]:
    body = status.as_json()
    links = {"self": url_for("jobs.read", job_id=status.id)}
    if status.state == work.DONE:
        links["print_pdf"] = url_for("jobs.download", job_id=status.id, name=work.PRINT_PDF)
        links["zip"] = url_for("jobs.download", job_id=status.id, name=work.SINGLES_ZIP)
    body["links"] = links
    return body


def _own_job(job_id: str) -> work.JobStatus:
    from ..jobs.models import Job

    job = db.session().get(Job, job_id) if len(job_id) == 32 else None
    # another issuer's job is as unknown as a job that does not exist
    if job is None or job.issuer_id != g.issuer.id:
        raise NotFound("没有这个作业", loc=("job",))
    status = work.status(db.session(), job_id)
    assert status is not None
    return status


@bp.post("/jobs")
@token_required("issue")
@operation(
    summary="批量签发并排版：上传采集表（及照片 ZIP），返回作业",
    requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["sheet"],
        "properties": {"sheet": {"type": "string", "format": "binary", "description": SHEET},
                       "photos": {"type": "string", "format": "binary",
                                  "description": "照片 ZIP：每张照片以证件号码命名（.jpg/.png）"}}}}}},
    responses={"202": {"description": "作业已创建；整张表先校验，任何错误都不会签发"}},
    errors=("400", "401", "403", "413", "415", "422"),
)
def create() -> tuple[Response, int, dict[str, str]]:
    """Check a whole sheet, then issue and print its certificates in the background."""
    sheet = uploaded_file("sheet", SHEET, optional=("photos",))
    photos = optional_file("photos")
    from flask import request

    name = request.files["sheet"].filename or "采集表.xlsx"
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    job_id, warnings = submit(app, sheet, source_name=name, photos=photos, actor=actor(),
                              issuer_id=g.issuer.id)
    status = work.status(db.session(), job_id)
    assert status is not None
    body = job_json(status)
    body["warnings"] = [w.as_json() for w in warnings]
    return jsonify(body), 202, {"Location": body["links"]["self"]}


@bp.get("/jobs/<job_id>")
@token_required("issue")
@operation(errors=("401", "403", "404"))
def read(job_id: str) -> Response:
    """Where a job stands: state, total, done, errors, and when done its downloads."""
    return jsonify(job_json(_own_job(job_id)))


@bp.get("/jobs/<job_id>/<any(print.pdf, certificates.zip):name>")
@token_required("issue")
@operation(errors=("401", "403", "404"),
           responses={"200": {"description": "打印用 PDF（每页一张证书，按表中顺序）或单张证书 PDF 的 ZIP"}})
def download(job_id: str, name: str) -> Response:
    """The print PDF or the ZIP of single certificates of a finished job."""
    return send_output(_own_job(job_id), name)


def send_output(status: work.JobStatus, name: str) -> Response:
    """A finished job's file, named after its sheet (the API's download and the office's)."""
    job_id = status.id
    path = work.output(current_app._get_current_object(), job_id, name)  # type: ignore[attr-defined]
    if status.state != work.DONE or path is None:
        raise NotFound(f"作业尚未完成（{status.summary()}），文件还不能下载", loc=("job",))
    response = send_file(path, mimetype="application/pdf" if name.endswith(".pdf") else "application/zip",
                         conditional=True)
    stem = status.source_name.rsplit(".", 1)[0]
    label = "职称证书打印" if name == work.PRINT_PDF else "职称电子证书"
    response.headers["Content-Disposition"] = content_disposition(f"{stem}-{label}.{name.rsplit('.', 1)[1]}")
    return response


def init_app(app: Flask) -> None:
    from .. import jobs

    app.register_blueprint(bp)
    jobs.init_app(app)
