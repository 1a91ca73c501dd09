"""What the office's long lists share: filters read from the address (with Chinese errors naming
the field), the page asked for, and page links that keep the filters."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from sqlalchemy import select

from ... import clock, db, users
from ...errors import InvalidData, Problem
from ...jobs.models import Job
from ...registry.audit import actor_name
from ...registry.models import STATUS_TEXT
from .access import scope

#: the batches offered in a filter's list: the newest; an older one is reached from its job page
BATCH_CHOICES = 50
_JOB_ID = re.compile(r"[0-9a-f]{32}")


def page_number() -> int:
    """The page asked for (from 1); anything else is the first page."""
    value = request.args.get("page", "")
    return int(value) if value.isdigit() and 0 < len(value) < 7 else 1


def page_url(number: int) -> str:
    """This list's address at page number, with every filter kept."""
    args = {key: value for key, value in request.args.items() if key != "page"}
    return url_for(request.endpoint or "office.index", **(request.view_args or {}), **args, page=number)


@dataclass(frozen=True)
class Choice:
    value: str
    text: str


class Filters:
    """Reads the filters of a list from the address, collecting every problem at once."""

    def __init__(self, args: Mapping[str, str]) -> None:
        self.args = args
        self.problems: list[Problem] = []

    def text(self, key: str, length: int) -> str | None:
        return "".join(self.args.get(key, "").split())[:length] or None

    def date(self, key: str, label: str) -> dt.date | None:
        value = self.args.get(key, "").strip()
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problems.append(Problem((key,), f"{label}应为“年-月-日”格式的日期，如 2026-03-01"))
            return None

    def date_range(self, start_key: str, end_key: str, label: str) -> tuple[dt.date | None, dt.date | None]:
        start = self.date(start_key, f"{label}起")
        end = self.date(end_key, f"{label}止")
        if start and end and start > end:
            self.problems.append(Problem((start_key,), f"{label}起不能晚于{label}止"))
        return start, end

    def job(self, key: str = "job") -> str | None:
        value = self.args.get(key, "").strip().lower()
        if value and not _JOB_ID.fullmatch(value):
            self.problems.append(Problem((key,), "批次编号应为 32 位十六进制字符（从批量签发的作业页进入）"))
            return None
        return value or None

    def choice(self, key: str, allowed: Mapping[str, str], label: str) -> str | None:
        value = self.args.get(key, "").strip()
        if value and value not in allowed:
            self.problems.append(Problem((key,), f"{label}应为{'、'.join(allowed.values())}之一"))
            return None
        return value or None

    def done(self) -> None:
        if self.problems:
            raise InvalidData(self.problems)


def operator_choices() -> list[Choice]:
    """Who the person may filter by: their issuer's operators and token, or everyone for an admin."""
    return [Choice(actor, actor_name(actor)) for actor in users.actors_of(db.session(), scope())]


def batch_choices(current: str | None) -> list[Choice]:
    """The newest batches of the person's scope (and the one filtered by, if older)."""
    query = select(Job).order_by(Job.created_at.desc()).limit(BATCH_CHOICES)
    if not scope().whole_registry:
        query = query.where(Job.issuer_id == scope().issuer_id)
    jobs = list(db.session().scalars(query))
    if current and current not in {job.id for job in jobs}:
        job = db.session().get(Job, current)
        if job is not None and scope().owns(job.issuer_id):
            jobs.append(job)
    return [Choice(job.id, batch_name(job)) for job in jobs]


def batch_name(job: Job) -> str:
    return f"{job.source_name}（{clock.shown(job.created_at)}，{job.total} 条）"


STATUS_CHOICES = [Choice(value, text) for value, text in STATUS_TEXT.items()]


def described(choices: list[Choice], value: str | None) -> str | None:
    """The text a person chose for value, for the audit line of an export."""
    return next((c.text for c in choices if c.value == value), value)


def listing_context(**context: Any) -> dict[str, Any]:
    return {"page_url": page_url, **context}
