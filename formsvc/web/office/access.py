"""Who is at the office pages: the blueprint, the login check, and whose certificates they see."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, g, redirect, request, url_for

from ...registry.scope import Scope
from ..security import no_store

# the templates are the web package's (templates/office/…), beside the other blueprints'
bp = Blueprint("office", __name__, url_prefix="/office", template_folder="../templates")
# every office page may show identity numbers: none is kept in a cache
bp.after_request(no_store)

View = TypeVar("View", bound=Callable[..., Any])


def actor() -> str:
    """How the audit log names the person: their office login."""
    return f"office:{g.office_user.name}"


def scope() -> Scope:
    """The certificates the person works on: their issuer's, or all for an admin."""
    return g.office_user.scope


def login_required(view: View) -> View:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("office_user") is None:
            return redirect(url_for("office.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
