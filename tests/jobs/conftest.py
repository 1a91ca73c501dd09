"""Fixtures of the bulk-job tests: a token for the jobs app, and 采集表 filled from rows."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from formsvc import db
from formsvc.registry import tokens

from ..helpers import blank_template, fill


@pytest.fixture
def auth(jobs_app: Flask) -> dict[str, str]:
    with jobs_app.app_context():
        return {"Authorization": f"Bearer {tokens.create(db.session(), '咸宁市职改办')}"}


@pytest.fixture
def sheet_of(jobs_app: Flask):
    template = blank_template(jobs_app.test_client(), "title-history")

    def make(rows: list[dict[str, Any]]) -> bytes:
        return fill(template, rows)

    return make
