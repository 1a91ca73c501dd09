"""/readyz: whether this instance can serve certificates, for a load balancer (/healthz only says it runs)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy import insert

from .. import db
from ..errors import first_line
from ..registry.models import RateWindow
from ..render.fonts import installed_faces

bp = Blueprint("readiness", __name__)


def database_writable(app: Flask) -> str | None:
    """The registry database answers and takes a write (rolled back: nothing is kept)."""
    try:
        with db.engine_for(app).connect() as connection, connection.begin() as transaction:
            connection.execute(insert(RateWindow).values(key=f"readyz:{os.getpid()}", window_start=-1,
                                                         hits=0))
            transaction.rollback()
    except Exception as error:  # any failure of the database is an answer here, not an error
        return f"数据库不可写或无法连接：{first_line(error)}"
    return None


def fonts_present(_app: Flask) -> str | None:
    """The Chinese faces print needs are still on disk."""
    missing = sorted(name for name, face in installed_faces().items() if not os.access(face.path, os.R_OK))
    return f"缺少中文字体：{'、'.join(missing)}" if missing else None


def output_writable(app: Flask) -> str | None:
    """Bulk outputs can be written where they go."""
    folder = Path(app.config["OUTPUT_DIR"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".readyz-"):
            pass
    except OSError as error:
        return f"输出目录不可写：{folder}（{error.strerror or error}）"
    return None


#: check name → what fails it (None when it passes)
CHECKS: dict[str, Callable[[Flask], str | None]] = {
    "database": database_writable,
    "fonts": fonts_present,
    "output_dir": output_writable,
}


@bp.get("/readyz")
def readyz() -> Response:
    """200 when every check passes; 503 naming each check that failed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    results = {name: check(app) for name, check in CHECKS.items()}
    failed = {name: message for name, message in results.items() if message is not None}
    body = {"status": "unready" if failed else "ready",
            "checks": {name: results[name] or "ok" for name in CHECKS}}
    if failed:
        body["failed"] = list(failed)
    response = jsonify(body)
    response.status_code = 503 if failed else 200
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
