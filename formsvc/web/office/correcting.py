"""The office's correction (更正) form: a certificate's data shown for editing; sent, they are
re-issued as a new certificate that supersedes the old one (registry/corrections.py), as the API's
POST /api/v1/certificates/<no>/correct does. The photo is carried over by the registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ... import db
from ...errors import FormsvcError, Problem
from ...forms.title_history import TitleRecord
from ...registry import corrections, records
from ...registry.levels import TITLE_LEVELS
from ...registry.records import CertificateRecord
from ..certificates import order_from, settings
from .access import actor, bp, login_required, scope

#: the record's fields as the form shows them: name, label, input type
FIELDS: tuple[tuple[str, str, str], ...] = tuple(
    (name, str(info.title), "date" if name.endswith("_date") else "text")
    for name, info in TitleRecord.model_fields.items()
)


class CorrectForm(FlaskForm):
    """The reason (the record's fields are read by the registry's own model, like the API's)."""

    reason = TextAreaField("更正原因", validators=[
        DataRequired("请填写更正原因"), Length(max=120, message="更正原因不能超过120个字")])


def _values(certificate: CertificateRecord) -> dict[str, str]:
    values = {name: getattr(certificate.record, name) for name, _, _ in FIELDS}
    shown = {k: v.isoformat() if isinstance(v, dt.date) else str(v) for k, v in values.items()}
    shown["level"] = certificate.level or ""
    return shown


def _page(certificate: CertificateRecord, form: CorrectForm, values: dict[str, str],
          problems: list[Problem], status: int = 200) -> ResponseReturnValue:
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in problems:
        # a field's own problem or a rule naming it (loc ("record", "title") and the like)
        field = next((str(part) for part in problem.loc if str(part) in values), "")
        if field:
            by_field.setdefault(field, []).append(problem.msg)
        else:
            general.append(problem.msg)
    return render_template("office/correct.html", certificate=certificate, form=form, fields=FIELDS,
                           values=values, levels=TITLE_LEVELS, errors=by_field, general=general), status


@bp.get("/certificates/<number>/correct")
@login_required
def correct_form(number: str) -> ResponseReturnValue:
    certificate = records.find(db.session(), number, scope=scope())
    return _page(certificate, CorrectForm(), _values(certificate), [])


@bp.post("/certificates/<number>/correct")
@login_required
def correct(number: str) -> ResponseReturnValue:
    # another issuer's certificate is a 404, like a missing one (records.find under the scope)
    certificate = records.find(db.session(), number, scope=scope())
    form = CorrectForm()
    values = {name: request.form.get(name, "").strip() for name in (*(f[0] for f in FIELDS), "level")}
    if not form.validate_on_submit():
        return _page(certificate, form, values, [], 422)
    data: dict[str, Any] = {k: v for k, v in values.items() if v or k != "level"}
    try:
        wanted, _ = order_from(data)
        done = corrections.correct(db.session(), number, wanted, reason=form.reason.data or "",
                                   actor=actor(), settings=settings(),
                                   scope=scope())
    except FormsvcError as error:
        db.session().rollback()
        return _page(certificate, form, values, list(error.problems), 422)
    flash(done.summary(), "success")
    return redirect(url_for("office.certificate", number=done.new.number))
