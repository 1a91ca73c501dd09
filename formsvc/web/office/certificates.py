"""The office's certificate pages: the register (search), one certificate with its history, reprint,
revoke."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ... import budget, db, users
from ...errors import FormsvcError, InvalidData
from ...registry import audit, exports, records, revoking
from ...registry.audit import actor_name
from ...registry.models import STATUS_TEXT
from ...registry.records import RegistrySettings
from ...registry.search import CertificateFilter, search_page
from ..certificates import send_certificate_pdf
from .access import actor, bp, login_required, scope
from .listing import (
    STATUS_CHOICES,
    Filters,
    batch_choices,
    described,
    listing_context,
    operator_choices,
    page_number,
)


class RevokeForm(FlaskForm):
    reason = TextAreaField("撤销原因", validators=[
        DataRequired("请填写撤销原因"), Length(max=200, message="撤销原因不能超过200个字")])


class ConfirmForm(FlaskForm):
    """The second step of a revocation: the reason travels along, the button confirms."""

    reason = StringField(validators=[DataRequired(), Length(max=200)])


def certificate_filter() -> CertificateFilter:
    """The search of the address; InvalidData naming every field that is wrong."""
    filters = Filters(request.args)
    issued_from, issued_to = filters.date_range("from", "to", "发证日期")
    wanted = CertificateFilter(
        text=request.args.get("q", "").strip()[:64], issued_from=issued_from, issued_to=issued_to,
        job=filters.job(), operator=filters.text("operator", 100),
        status=filters.choice("status", STATUS_TEXT, "状态"))
    filters.done()
    return wanted


def filter_summary(wanted: CertificateFilter) -> dict[str, str]:
    """The search as a person reads it (for the audit line of an export)."""
    summary = {
        "查询": wanted.cleaned_text,
        "发证日期": f"{wanted.issued_from or '不限'} 至 {wanted.issued_to or '不限'}"
        if wanted.issued_from or wanted.issued_to else "",
        "批次": described(batch_choices(wanted.job), wanted.job) or "",
        "签发人": actor_name(wanted.operator) if wanted.operator else "",
        "状态": STATUS_TEXT.get(wanted.status or "", ""),
    }
    return {key: value for key, value in summary.items() if value}


@bp.get("/certificates")
@login_required
def certificates() -> ResponseReturnValue:
    """The register: every certificate of the person's scope, newest first, a page at a time,
    narrowed by what they typed and chose."""
    problems: tuple[Any, ...] = ()
    try:
        wanted = certificate_filter()
        page = search_page(db.session(), wanted, scope=scope(), page=page_number())
    except InvalidData as error:
        wanted, page, problems = CertificateFilter(), None, tuple(error.problems)
    return render_template(
        "office/certificates.html", **listing_context(
            page=page, wanted=wanted, problems=problems, args=request.args, statuses=STATUS_CHOICES,
            operators=operator_choices(), batches=batch_choices(wanted.job),
            id_numbers=exports.ID_NUMBERS, export_limit=budget.EXPORT_ROWS),
    ), 422 if problems else 200


@bp.get("/certificates/<number>")
@login_required
def certificate(number: str) -> ResponseReturnValue:
    return certificate_page(records.find(db.session(), number, scope=scope()), RevokeForm())


def certificate_page(record: Any, form: RevokeForm, status: int = 200) -> ResponseReturnValue:
    history = audit.entries(db.session(), scope=scope(), actors=users.actors_of(db.session(), scope()),
                            number=record.number, limit=50)
    verify_url = record.verify_url(RegistrySettings.from_config(current_app.config))
    return render_template("office/certificate.html", certificate=record, history=history,
                           actions=audit.ACTIONS, form=form, verify_url=verify_url), status


@bp.get("/certificates/<number>/pdf")
@login_required
def certificate_pdf(number: str) -> ResponseReturnValue:
    """A reprint of one certificate, in the audit log like the API's."""
    return send_certificate_pdf(number, actor(), scope())


@bp.route("/certificates/<number>/revoke", methods=["POST"])
@login_required
def revoke(number: str) -> ResponseReturnValue:
    """Step 1: the reason is checked and shown back with the certificate for confirmation."""
    record = records.find(db.session(), number, scope=scope())
    form = RevokeForm()
    if not form.validate_on_submit():
        return certificate_page(record, form, 422)
    return render_template("office/revoke_confirm.html", certificate=record,
                           form=ConfirmForm(reason=form.reason.data))


@bp.post("/certificates/<number>/revoke/confirm")
@login_required
def revoke_confirm(number: str) -> ResponseReturnValue:
    """Step 2: the confirmed revocation, recorded in the audit log by the registry."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("撤销未执行：请重新填写撤销原因", "error")
        return redirect(url_for("office.certificate", number=number))
    try:
        record = revoking.revoke(db.session(), number, reason=form.reason.data or "", actor=actor(),
                                scope=scope())
    except FormsvcError as error:
        flash("撤销未执行：" + "；".join(p.msg for p in error.problems), "error")
        return redirect(url_for("office.certificate", number=number))
    flash(f"证书 {record.number} 已撤销", "success")
    return redirect(url_for("office.certificate", number=record.number))
