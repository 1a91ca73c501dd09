"""The web pages: server time and weight of each page, and time until a form can be typed into."""

from __future__ import annotations

import logging
import os
import re
import threading

from common import Report, bench_app, median_ms

CHROMIUM = os.environ.get("FORMSVC_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def weight_kb(client, path: str) -> float:
    """The page with every stylesheet and script it loads (and their imports), uncompressed."""
    html = client.get(path).get_data(as_text=True)
    seen: set[str] = set()
    pending = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    total = len(html.encode())
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        body = client.get(url).get_data(as_text=True)
        total += len(body.encode())
        pending += [f"/static/js/{name}" for name in re.findall(r"from '\./([\w-]+\.js)'", body)]
    return total / 1024


def bench(report: Report) -> None:
    from formsvc.forms import FORMS

    app = bench_app()
    client = app.test_client()
    pages = ["/", "/api/docs", "/office/login", *(f"/forms/{form_id}" for form_id in FORMS)]
    for path in pages:
        report.figure(f"page {path}: server time (median)", median_ms(lambda p=path: client.get(p)), "ms")
    for path in ("/", "/forms/pledge", "/forms/crossover-summary"):
        report.figure(f"page {path}: HTML+CSS+JS", weight_kb(client, path), "KB")
    browser(report, app)


def browser(report: Report, app) -> None:
    """Navigation start to the generated form being on screen, in headless Chromium (median of 5)."""
    if not os.path.exists(CHROMIUM):
        report.note(f"Chromium not found at {CHROMIUM}: browser timings skipped")
        return
    import statistics

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = chromium.new_page()
            for form_id in ("pledge", "crossover-summary"):
                times = []
                for _ in range(6):
                    page.goto(f"{base}/forms/{form_id}")
                    page.wait_for_selector(".schema-form input")
                    times.append(page.evaluate(
                        "() => performance.getEntriesByName('formsvc:form-ready')[0].startTime"))
                report.figure(f"page /forms/{form_id}: navigation to form ready (median)",
                              statistics.median(times[1:]), "ms")
            chromium.close()
    finally:
        server.shutdown()
