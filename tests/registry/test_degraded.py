"""A read-only or unreachable database or rate-limit store: verification degrades, /readyz says why."""

from __future__ import annotations

import logging

import pytest

from formsvc import db
from formsvc.render.fonts import FontFace
from formsvc.web import ratelimit, readiness

from ..helpers import code_of, make_app
from ..services import free_port
from .test_ratelimit import NOW, assert_limited

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(ratelimit.time, "time", lambda: NOW)


def read_only_url(registry_app) -> str:
    """The same SQLite file, opened read-only (as root, file modes would not stop a write)."""
    path = registry_app.config["DATABASE_URL"].removeprefix("sqlite:///")
    return f"sqlite:///file:{path}?mode=ro&uri=true"


@pytest.fixture
def other_app(tmp_path, font_dir, monkeypatch):
    apps = []

    def build(**config):
        app = make_app(tmp_path / f"other{len(apps)}", font_dir, monkeypatch, **config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        db.dispose(app)


@SQLITE_ONLY
def test_a_read_only_database_still_verifies_and_limits_per_process(registry_app, issued, other_app,
                                                                    fixed_clock, caplog):
    app = other_app(DATABASE_URL=read_only_url(registry_app), VERIFY_RATE_LIMIT="3/hour")
    client = app.test_client()
    url = f"/api/v1/verify/{code_of(issued)}"
    with caplog.at_level(logging.WARNING, logger=ratelimit.__name__):
        answers = [client.get(url) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].get_json()["certificate"]["number"] == issued["number"]
    assert any("counting in this process only" in r.getMessage() for r in caplog.records)
    # the limit still holds, counted in memory
    assert_limited(client.get(url), json=True)
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["status"] == "unready" and body["failed"] == ["database"]
    assert "数据库不可写" in body["checks"]["database"]
    assert body["checks"]["fonts"] == "ok" and body["checks"]["output_dir"] == "ok"


def test_an_unreachable_database_answers_503_in_chinese(app, other_app, caplog):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/formsvc"
    unreachable = other_app(DATABASE_URL=url, VERIFY_RATE_LIMIT="3/hour")
    client = unreachable.test_client()
    code = "A" * 22
    with caplog.at_level(logging.WARNING):
        answer = client.get(f"/api/v1/verify/{code}")
    assert answer.status_code == 503
    assert answer.get_json()["errors"][0]["msg"] == "证书登记库暂时无法访问，请稍后再试"
    assert answer.headers["Retry-After"] == "30"
    page = client.get(f"/v/{code}")
    assert page.status_code == 503 and "证书登记库暂时无法访问" in page.get_data(as_text=True)
    assert any("counting in this process only" in r.getMessage() for r in caplog.records)
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["failed"] == ["database"]


@SQLITE_ONLY
def test_an_unreachable_redis_store_leaves_verification_answering(registry_app, issued, other_app,
                                                                  fixed_clock, caplog):
    app = other_app(DATABASE_URL=registry_app.config["DATABASE_URL"], VERIFY_RATE_LIMIT="3/hour",
                    RATE_LIMIT_STORAGE=f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    url = f"/api/v1/verify/{code_of(issued)}"
    with caplog.at_level(logging.WARNING, logger=ratelimit.__name__):
        assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    assert any("counting in this process only" in r.getMessage() for r in caplog.records)
    assert_limited(client.get(url), json=True)


def test_ready_when_database_fonts_and_output_folder_serve(registry_app):
    ready = registry_app.test_client().get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json() == {"status": "ready",
                                "checks": {"database": "ok", "fonts": "ok", "output_dir": "ok"}}
    assert ready.headers["Cache-Control"] == "no-store"


def test_unready_without_an_output_folder_or_fonts(registry_app, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    registry_app.config["OUTPUT_DIR"] = str(blocker / "jobs")
    monkeypatch.setattr(readiness, "installed_faces",
                        lambda: {"serif-regular": FontFace(tmp_path / "gone.otf", 0)})
    body = registry_app.test_client().get("/readyz").get_json()
    assert body["failed"] == ["fonts", "output_dir"]
    assert body["checks"]["fonts"] == "缺少中文字体：serif-regular"
    assert body["checks"]["output_dir"].startswith(f"输出目录不可写：{blocker / 'jobs'}")
    assert body["checks"]["database"] == "ok"
