"""formsvc: the official forms of professional-title (职称) evaluation, and electronic certificates."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from . import config

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The application: settings from the environment (or test_config), then every blueprint."""
    app = Flask(
        __name__,
        instance_path=config.instance_path_from_environment(),
        instance_relative_config=True,
        static_folder=str(STATIC_DIR),
    )
    app.config.from_mapping(config.defaults(app.instance_path))
    app.config.update(config.from_environment())
    if test_config is not None:
        app.config.update(test_config)
    from . import clock

    clock.zone(app.config)  # a TIME_ZONE that names no zone stops the start, saying so
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    os.makedirs(app.instance_path, exist_ok=True)
    from . import scratch

    scratch.init_app(app)
    # Chinese stays readable in JSON, and fields keep the order of the forms
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = config.secret_key(app.instance_path)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    warning = config.public_address_warning(app.config["PUBLIC_URL"])
    if warning:
        app.logger.warning(warning)

    from .render.fonts import installed_faces

    installed_faces()  # no Chinese fonts: refuse to start, saying which package to install

    from . import cli, db, errors, signing, users
    from .registry import audit, tokens
    from .web import (
        api,
        applications,
        certificates,
        corrections,
        document_check,
        jobs,
        office,
        openapi,
        pages,
        readiness,
        security,
        slots,
        verify,
    )

    errors.init_app(app)
    db.init_app(app)
    cli.init_app(app)
    # the command groups of the features: flask user …, token …, audit …
    users.init_app(app)
    tokens.init_app(app)
    audit.init_app(app)
    signing.init_app(app)
    slots.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(openapi.bp)
    applications.init_app(app)
    certificates.init_app(app)
    corrections.init_app(app)
    jobs.init_app(app)
    verify.init_app(app)
    document_check.init_app(app)
    security.init_app(app)
    pages.init_app(app)
    office.init_app(app)
    readiness.init_app(app)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
