"""Browser fixtures: the app served on a free port from a throwaway instance, and headless Chromium.

The live server runs the real app (CSRF on, a migrated database, an office user created) in a thread;
Playwright drives Debian's /usr/bin/chromium. Each page a test opens records its console errors
(CSP violations among them) and its uncaught exceptions, so that a test can insist there are none.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from .. import services
from ..helpers import OFFICE_USER, WAIT, create_user, make_app

CHROMIUM = os.environ.get("FORMSVC_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class LiveServer:
    """The app answering on a real port: its URL, and the app for setting up data directly."""

    app: Flask
    url: str
    server: BaseWSGIServer = field(repr=False)

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, font_dir: Path,
                sqlite_template: Path) -> Iterator[LiveServer]:
    from formsvc import db

    tmp_path = tmp_path_factory.mktemp("live")
    with pytest.MonkeyPatch.context() as monkeypatch:
        # small chunks, so that a bulk job of a few dozen rows moves its progress bar in steps.
        # Slots for every render a test can have under way: a test's page previews and downloads
        # while the previous test's last render may still run on a loaded machine, all from
        # 127.0.0.1; the default (2 per client) would answer 429 there. tests/test_budget.py
        # tests the slots themselves.
        app = make_app(tmp_path, font_dir, monkeypatch, WTF_CSRF_ENABLED=True,
                       PUBLIC_URL="http://127.0.0.1", TESTING=False, JOB_CHUNK_SIZE=8, JOB_WORKERS=2,
                       HEAVY_PER_CLIENT=8, HEAVY_TOTAL=8,
                       # a loaded test machine can take longer than a real server to check an upload
                       DOCUMENT_CHECK_SECONDS=60.0,
                       DATABASE_URL=services.copied_sqlite(sqlite_template, tmp_path / "database"))
    with app.app_context():
        create_user(db.session(), *OFFICE_USER, admin=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    # the QR codes of certificates issued here must open this server's /v/ pages
    app.config["PUBLIC_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(app, url, server)
    server.shutdown()
    thread.join(10)
    from formsvc.jobs.runners import runner_for

    runner = runner_for(app)
    if hasattr(runner, "shutdown"):
        runner.shutdown()  # the bulk jobs' worker processes
    db.dispose(app)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (Debian package chromium; make test installs it)")
    from playwright.sync_api import expect, sync_playwright

    # expect() keeps its own default (5 s), apart from the context's
    expect.set_options(timeout=WAIT * 1000)

    with sync_playwright() as playwright:
        # not the TMPDIR an app of this process set (formsvc/scratch.py: instance/tmp/<pid>):
        # under a deep test folder, Chromium's singleton socket path grows past the 108 bytes
        # a Unix socket may have, and Chromium exits at launch
        env = {**os.environ, "TMPDIR": "/tmp"}
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
        yield chromium
        chromium.close()


#: Chromium logs every fetch answered with an error status; these statuses are the API's answers
#: the pages expect and show (a 422 lists the errors), not faults of the page
EXPECTED_ANSWERS = re.compile(r"Failed to load resource: the server responded with a status of "
                              r"(400|401|403|409|413|415|422|429)\b")


@dataclass
class PageLog:
    """What the browser complained about while the test ran (CSP violations are console errors)."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [m for m in self.console_errors if not EXPECTED_ANSWERS.match(m)] + self.page_errors


def open_page(browser: Any, viewport: dict[str, int] = DESKTOP) -> tuple[Any, Any, PageLog]:
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True,
                                  timezone_id="Asia/Shanghai")
    # every wait of a page (clicks, wait_for, downloads, navigations) and of expect() below
    context.set_default_timeout(WAIT * 1000)
    context.set_default_navigation_timeout(WAIT * 1000)
    page = context.new_page()
    log = PageLog()
    page.on("console", lambda message: message.type == "error" and log.console_errors.append(message.text))
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    return context, page, log


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop-sized page; its log is at page.formsvc_log."""
    context, page, log = open_page(browser)
    page.formsvc_log = log
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    context, page, log = open_page(browser, PHONE)
    page.formsvc_log = log
    yield page
    context.close()
