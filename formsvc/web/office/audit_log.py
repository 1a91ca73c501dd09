"""The office's audit log: who did what to which certificate, as far as the person may read,
a page at a time, filtered by certificate, batch, who acted, action and date."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue

from ... import clock, db, users
from ...errors import InvalidData
from ...registry import audit, tokens
from ...registry.audit import AuditFilter, actor_name
from .access import bp, login_required, scope
from .listing import (
    Choice,
    Filters,
    batch_choices,
    listing_context,
    operator_choices,
    page_number,
)

__all__ = ["actor_name", "audit_detail", "audit_log"]


def audit_filter() -> AuditFilter:
    """The filters of the address; InvalidData naming every field that is wrong."""
    filters = Filters(request.args)
    start, end = filters.date_range("from", "to", "日期")
    number = filters.text("number", 40)
    wanted = AuditFilter(number=number.upper() if number else None, job=filters.job(),
                         actor=filters.text("operator", 100),
                         action=filters.choice("action", audit.ACTIONS, "操作"), start=start, end=end,
                         zone=clock.zone())
    filters.done()
    return wanted


@bp.get("/audit")
@login_required
def audit_log() -> ResponseReturnValue:
    problems: tuple[Any, ...] = ()
    try:
        wanted = audit_filter()
        page = audit.entries_page(db.session(), wanted, scope=scope(),
                                  actors=users.actors_of(db.session(), scope()), page=page_number())
    except InvalidData as error:
        wanted, page, problems = AuditFilter(), None, tuple(error.problems)
    return render_template(
        "office/audit.html", **listing_context(
            page=page, wanted=wanted, problems=problems, actions=audit.ACTIONS,
            action_choices=[Choice(key, text) for key, text in audit.ACTIONS.items()],
            operators=operator_choices(), batches=batch_choices(wanted.job), args=request.args),
    ), 422 if problems else 200


def _scopes(value: Any) -> str:
    return "、".join(tokens.SCOPES.get(name, name) for name in str(value).split())


#: how a detail's value reads, where its stored form is not already what a person reads
DETAIL_VALUES: dict[str, Callable[[Any], str]] = {
    "scope": _scopes,
    "job": lambda value: str(value)[:8],  # the start of the job's id, as its page shows it
    "total": lambda value: f"{value} 条",
    "rows": lambda value: f"{value} 行",
}


def audit_detail(detail: dict[str, Any] | None) -> str:
    """「原因：…；职称名称：…」: every key by its Chinese label (audit.DETAIL_LABELS)."""
    if not detail:
        return ""
    return "；".join(f"{audit.DETAIL_LABELS.get(key, key)}：{DETAIL_VALUES.get(key, str)(value)}"
                    for key, value in detail.items())
