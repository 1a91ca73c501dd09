"""The office's audit log: who did what to which certificate, as far as the person may read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue

from ... import db, users
from ...registry import audit
from ...registry.models import as_utc
from ...registry.records import CHINA
from .access import bp, login_required, scope

AUDIT_PAGE = 100


@bp.get("/audit")
@login_required
def audit_log() -> ResponseReturnValue:
    number = request.args.get("number", "").strip().upper()[:40] or None
    entries = audit.entries(db.session(), scope=scope(), actors=users.actors_of(db.session(), scope()),
                            number=number, limit=AUDIT_PAGE)
    return render_template("office/audit.html", entries=entries, actions=audit.ACTIONS, number=number,
                           limit=AUDIT_PAGE)


def china_time(moment: dt.datetime | None) -> str:
    """A stored time as the office reads it: Beijing time, to the minute."""
    return as_utc(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


#: the keys of an audit line's detail, as the office reads them
DETAIL_LABELS: dict[str, str] = {
    "reason": "原因", "title": "职称名称", "level": "级别", "token": "令牌", "count": "数量",
    "job": "任务", "sheet": "采集表", "issued": "新签发", "existing": "已存在", "scope": "权限",
}


def audit_detail(detail: dict[str, Any] | None) -> str:
    if not detail:
        return ""
    return "；".join(f"{DETAIL_LABELS.get(key, key)}：{value}" for key, value in detail.items())
