"""The office pages behind a login: bulk issuing jobs, certificate search and revocation, the audit log.

One module per job: access (the blueprint, the login check, the person's scope), login,
certificates, correcting (更正), jobs, audit_log, exports (the lists as XLSX), and listing (what
the long lists share). Importing them adds their pages to the blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from ... import clock
from ...config import public_address_warning
from . import audit_log, certificates, correcting, exports, jobs, login
from .access import bp


def jobs_enabled() -> bool:
    return "office.job_new" in current_app.view_functions


@bp.context_processor
def office_context() -> dict[str, Any]:
    public_url = current_app.config["PUBLIC_URL"].rstrip("/")
    return {"jobs_enabled": jobs_enabled(), "public_url": public_url,
            "public_address_warning": public_address_warning(public_url)}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(clock.shown, "local_time")
    app.add_template_filter(audit_log.audit_detail, "audit_detail")
    app.add_template_filter(audit_log.actor_name, "actor_name")
    app.add_template_filter(jobs.sheet_place, "sheet_place")


__all__ = ["audit_log", "bp", "certificates", "correcting", "exports", "init_app", "jobs", "login"]
