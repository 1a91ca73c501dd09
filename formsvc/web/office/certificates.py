"""The office's certificate pages: search, one certificate with its history, reprint, revoke."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ... import db, users
from ...errors import FormsvcError
from ...registry import audit, records, revoking
from ...registry.records import RegistrySettings
from ...registry.search import SEARCH_LIMIT, search
from ..certificates import send_certificate_pdf
from .access import actor, bp, login_required, scope


class RevokeForm(FlaskForm):
    reason = TextAreaField("撤销原因", validators=[
        DataRequired("请填写撤销原因"), Length(max=200, message="撤销原因不能超过200个字")])


class ConfirmForm(FlaskForm):
    """The second step of a revocation: the reason travels along, the button confirms."""

    reason = StringField(validators=[DataRequired(), Length(max=200)])


@bp.get("/certificates")
@login_required
def certificates() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()[:64]
    results = search(db.session(), query, scope=scope()) if query else []
    return render_template("office/certificates.html", query=query, results=results, limit=SEARCH_LIMIT)


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
