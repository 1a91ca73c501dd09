"""The office's exports: the register as searched (every page) and a batch's issued list, as XLSX.

The operator chooses masked or full identity numbers; the export is audited (registry/exports.py).
A list longer than budget.EXPORT_ROWS is refused before any row is read, with a flash saying how to
narrow it: the file is written synchronously, within the request's work budget.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from ... import budget, db
from ...errors import FormsvcError, InvalidData
from ...registry import exports, search
from ...registry.paging import count
from ...registry.records import RegistrySettings
from ...render import Rendered
from ..http import send_rendered
from .access import actor, bp, login_required, scope
from .certificates import certificate_filter, filter_summary
from .jobs import owned_job


def full_id_numbers() -> bool:
    """The operator's choice: full identity numbers only when asked for by name."""
    choice = request.form.get("id_numbers", "masked")
    if choice not in exports.ID_NUMBERS:
        raise InvalidData(f"证件号码应选择{'或'.join(exports.ID_NUMBERS.values())}", loc=("id_numbers",))
    return choice == "full"


def settings() -> RegistrySettings:
    return RegistrySettings.from_config(current_app.config)


@bp.post("/certificates.xlsx")
@login_required
def export_register() -> ResponseReturnValue:
    wanted = certificate_filter()
    full = full_id_numbers()
    query = search.register(wanted, scope())
    try:
        budget.check_export(count(db.session(), query))
    except FormsvcError as error:
        flash(error.problems[0].msg, "error")
        return redirect(url_for("office.certificates", **request.args))
    export = exports.register(db.session(), search.each(db.session(), query), settings=settings(),
                              full=full, actor=actor(), filters=filter_summary(wanted))
    return send_rendered(Rendered(export.content, "xlsx"), "证书清单")


@bp.post("/jobs/<job_id>/certificates.xlsx")
@login_required
def export_batch(job_id: str) -> ResponseReturnValue:
    job = owned_job(job_id)  # another issuer's batch is as unknown as a missing one
    full = full_id_numbers()
    query = search.batch(job.id, scope())
    try:
        budget.check_export(count(db.session(), query))
    except FormsvcError as error:
        flash(error.problems[0].msg, "error")
        return redirect(url_for("office.job", job_id=job.id))
    export = exports.batch(db.session(), search.batch_entries(db.session(), query), job_id=job.id,
                           source=job.source_name, settings=settings(), full=full, actor=actor())
    stem = job.source_name.rsplit(".", 1)[0]
    return send_rendered(Rendered(export.content, "xlsx"), f"{stem}-本批证书")
