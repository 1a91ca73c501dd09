"""Work budgets (issue 13 item 2): heavy synchronous requests are refused before their work starts,
expensive endpoints take a few requests at a time, and a real gunicorn keeps answering /healthz."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from formsvc.budget import APPLICATIONS, IMPORT_ROWS, RENDER
from formsvc.errors import PayloadTooLarge
from formsvc.sheets import SheetLimits, check_workbook
from formsvc.web.slots import slot

from .helpers import (
    WAIT,
    blank_template,
    fill,
    make_app,
    rezip,
    sample,
    sample_rows,
    with_blank_rows,
    with_shared_strings,
)
from .services import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
IMPORT = "/api/v1/forms/title-history/import"
APPLICATIONS_URL = "/api/v1/forms/crossover-summary/applications?format=pdf"
RENDER_PDF = "/api/v1/forms/title-history/render?format=pdf"


@dataclass(frozen=True)
class Heavy:
    """One request of the red-team pass that used to run past the worker timeout."""

    path: str
    #: a file for the multipart field file, or a JSON body
    file: bytes | None = None
    body: bytes | None = None
    #: what the refusal must say
    words: tuple[str, ...] = ()

    def send(self, base: str, client: str, timeout: float = 60) -> tuple[int, dict, float]:
        """POST it with urllib as client (an address the proxy in front saw); the status, the
        JSON answer and the seconds it took."""
        if self.file is not None:
            boundary = "formsvc-heavy"
            data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n").encode() + self.file + (
                f"\r\n--{boundary}--\r\n").encode()
            kind = f"multipart/form-data; boundary={boundary}"
        else:
            data, kind = self.body or b"", "application/json"
        request = urllib.request.Request(base + self.path, data=data,
                                         headers={"Content-Type": kind, "X-Forwarded-For": client})
        start = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw or b"{}"), time.monotonic() - start


def _rows(form_id: str, count: int) -> list:
    rows = sample(form_id)["rows"]
    return (rows * (count // len(rows) + 1))[:count]


@pytest.fixture(scope="session")
def heavy_requests(tmp_path_factory: pytest.TempPathFactory, font_dir: Path) -> dict[str, Heavy]:
    """The heavy requests of item 2, built once per session (the 8 MB sheet takes seconds)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        app = make_app(tmp_path_factory.mktemp("heavy"), font_dir, monkeypatch)
    client = app.test_client()
    filled = fill(blank_template(client, "title-history"), sample_rows("title-history"))
    summary = fill(blank_template(client, "crossover-summary"), sample_rows("crossover-summary") * 80)
    title_pdf = {**sample("title-history"), "rows": _rows("title-history", 2000)}
    return {
        "blank-rows": Heavy(IMPORT, file=with_blank_rows(filled, 3_200_000),
                            words=("工作表“职称数据”的行数（含空行）超过", "POST /api/v1/jobs")),
        "shared-strings": Heavy(IMPORT, file=with_shared_strings(filled, 2_000_000),
                                words=("xl/sharedStrings.xml", "共享字符串")),
        "title-history-pdf": Heavy(RENDER_PDF, body=json.dumps(title_pdf, ensure_ascii=False).encode(),
                                   words=("职称数据共 2000 条", "分批生成")),
        "applications": Heavy(APPLICATIONS_URL, file=summary,
                              words=("工作表“汇总表”的行数（含空行）超过", "分成几个文件")),
    }


def test_the_hostile_sheets_are_what_the_red_team_sent(heavy_requests):
    sheet = heavy_requests["blank-rows"].file
    assert sheet is not None and 7 * 2**20 < len(sheet) < 8.5 * 2**20  # 3.2 million rows in 8 MB
    check_workbook(sheet, SheetLimits(max_rows=4_000_000))  # within every limit but the row budget
    strings = heavy_requests["shared-strings"].file
    assert strings is not None and len(strings) < 6 * 2**20
    with zipfile.ZipFile(io.BytesIO(strings)) as archive:
        assert archive.read("xl/sharedStrings.xml").count(b"<si>") == 2_000_000


@pytest.mark.parametrize("name", ["blank-rows", "shared-strings", "title-history-pdf", "applications"])
def test_heavy_requests_are_refused_before_the_work_starts(client, heavy_requests, name):
    heavy = heavy_requests[name]
    if heavy.file is not None:
        response = client.post(heavy.path, data={"file": (io.BytesIO(heavy.file), "a.xlsx")},
                               content_type="multipart/form-data")
    else:
        response = client.post(heavy.path, data=heavy.body, content_type="application/json")
    assert response.status_code == 413, response.get_json()
    message = response.get_json()["errors"][0]["msg"]
    assert all(words in message for words in heavy.words), message


def _sheet(rows: bytes) -> bytes:
    """A minimal workbook whose one sheet has the given <sheetData> content."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0" encoding="UTF-8"?><Types/>')
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml",
                         b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         b"<sheetData>" + rows + b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.mark.parametrize(("rows", "words"), [
    # a row number far down the sheet: the reader walks every row up to it
    (b'<row r="1"><c r="A1"><v>1</v></c></row><row r="3200000"><c r="A3200000"><v>1</v></c></row>', "行数"),
    (b'<row r="1"/>' + b"<row/>" * 200, "行数"),  # rows without a number count one each
    (b'<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="201"/>', "行数"),
    (b'<row r="' + b"9" * 5000 + b'"/>', "行数"),  # more digits than int() takes
    (b'<row r="1">' + b"<c/>" * 5000 + b"</row>", "单元格"),
    (b'<row r="1">' + b"<x:c xmlns:x='urn:x'/>" * 5000 + b"</row>", "单元格"),
], ids=["far-row-number", "unnumbered", "prefixed", "huge-number", "cells", "prefixed-cells"])
def test_rows_and_cells_are_counted_as_the_reader_walks_them(rows, words):
    limits = SheetLimits(max_rows=200, max_cells=4000)
    with pytest.raises(PayloadTooLarge, match=words):
        check_workbook(_sheet(rows), limits)


def test_a_sheet_within_the_budget_passes_the_count():
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(1, 201))
    check_workbook(_sheet(rows), SheetLimits(max_rows=200, max_cells=200))
    with pytest.raises(PayloadTooLarge, match="上限 199 行"):
        check_workbook(_sheet(rows), SheetLimits(max_rows=199, max_cells=200))


def test_a_dtd_after_the_first_4_kb_is_found():
    # a comment may come before the DOCTYPE: the whole part is read, not its first 4 KB
    part = (b'<?xml version="1.0"?><!--' + b" " * 8000 + b'--><!DOCTYPE x [<!ENTITY a "b">]>'
            b"<Types/>")
    content = rezip(_sheet(b""), replace={"[Content_Types].xml": part})
    with pytest.raises(Exception, match="文档类型声明（DTD）"):
        check_workbook(content, SheetLimits())
    # a megabyte piece later, in a part that packs like a real one
    filler = os.urandom(2**20).hex().encode()
    later = rezip(_sheet(b""), replace={"xl/workbook.xml": b"<workbook><t>" + filler
                                        + b"</t><!ENTITY a 'b'></workbook>"})
    with pytest.raises(Exception, match="文档类型声明（DTD）"):
        check_workbook(later, SheetLimits())


@pytest.mark.parametrize("part", [
    b'<?xml version="1.0" encoding="UTF-7"?><workbook/>',
    b'<?xml version="1.0" encoding="cp037"?><workbook/>',
    "<workbook/>".encode("utf-16"),
    "<workbook/>".encode("utf-16-be"),
], ids=["utf-7", "ebcdic-declared", "utf-16", "utf-16-no-bom"])
def test_parts_in_other_encodings_are_refused(part):
    # what is counted is counted in UTF-8 bytes: a part the parser would decode otherwise is refused
    with pytest.raises(Exception, match="不是 UTF-8 编码的 XML"):
        check_workbook(rezip(_sheet(b""), replace={"xl/workbook.xml": part}), SheetLimits())


@pytest.mark.parametrize(("form_id", "extension"), [
    (form_id, extension) for form_id, budget in RENDER.items() for extension in budget.per_format
])
def test_renders_over_their_budget_are_refused_naming_the_list(client, form_id, extension):
    budget = RENDER[form_id]
    data = sample(form_id)
    items = data[budget.field]
    limit = budget.per_format[extension]
    data[budget.field] = (items * (limit // len(items) + 2))[:limit + 1]
    response = client.post(f"/api/v1/forms/{form_id}/render?format={extension}", json=data)
    assert response.status_code == 413
    [error] = response.get_json()["errors"]
    assert error["loc"] == [budget.field]
    assert f"一次最多生成 {budget.per_format[extension]} 条" in error["msg"]


def test_a_summary_over_the_applications_budget_is_refused_before_rendering(client):
    rows = sample_rows("crossover-summary")
    summary = fill(blank_template(client, "crossover-summary"), (rows * 100)[:APPLICATIONS["pdf"] + 1])
    response = client.post(APPLICATIONS_URL, data={"file": (io.BytesIO(summary), "a.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert f"汇总表有 {APPLICATIONS['pdf'] + 1} 位申报人，一次最多生成 {APPLICATIONS['pdf']} 份" in (
        response.get_json()["errors"][0]["msg"])


def test_budgets_leave_room_for_the_forms_own_limits():
    assert IMPORT_ROWS > 20_000  # a whole 采集表 still imports, with room for blank rows
    assert APPLICATIONS["pdf"] >= 50


# --- concurrency ------------------------------------------------------------------------------


def test_expensive_requests_take_a_slot_per_client_and_in_all(app, client):
    app.config.update(HEAVY_PER_CLIENT=2, HEAVY_TOTAL=3)

    def attempt():
        # a file that is refused at once: what answers is the slot, or the file check after it
        return client.post(IMPORT, data={"file": (io.BytesIO(b"not a workbook"), "a.xlsx")},
                           content_type="multipart/form-data")

    assert attempt().status_code == 415
    with slot(app, "127.0.0.1"), slot(app, "127.0.0.1"):
        busy = attempt()
        assert busy.status_code == 429 and busy.headers["Retry-After"] == "3"
        assert "同一客户端同时进行的生成或导入请求最多 2 个" in busy.get_json()["errors"][0]["msg"]
        preview = client.post("/forms/pledge/preview", data={"data": "{}"},
                              headers={"Origin": "http://localhost", "Accept": "text/html"})
        assert preview.status_code == 429 and preview.headers["Retry-After"] == "3"
        # said inside the form page's preview frame, which the site's error page may not be
        policy = preview.headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in policy and "frame-ancestors 'none'" not in policy
        assert "同一客户端同时进行的生成或导入请求最多 2 个" in preview.get_data(as_text=True)
    with slot(app, "192.0.2.1"), slot(app, "192.0.2.2"), slot(app, "192.0.2.3"):
        full = attempt()
        assert full.status_code == 429
        assert "服务器正忙" in full.get_json()["errors"][0]["msg"]
    assert attempt().status_code == 415  # every slot was given back


def test_a_slot_is_held_across_processes_and_freed_when_its_holder_dies(app):
    app.config.update(HEAVY_PER_CLIENT=1, HEAVY_TOTAL=4)
    ready, done = os.pipe(), os.pipe()
    pid = os.fork()
    if pid == 0:  # another worker, holding the client's only slot until told to die
        try:
            with slot(app, "198.51.100.7"):
                os.write(ready[1], b"x")
                os.read(done[0], 1)
        finally:
            os._exit(0)
    os.read(ready[0], 1)
    with pytest.raises(Exception, match="最多 1 个"), slot(app, "198.51.100.7"):
        pass
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    with slot(app, "198.51.100.7"):
        pass  # the kernel released the dead holder's lock


# --- the done-when: a real gunicorn under the heavy requests ----------------------------------


@pytest.fixture
def served(tmp_path: Path, font_dir: Path) -> Iterator[str]:
    """The app under gunicorn as `make run` serves it: 2 workers of 4 threads, 30 s timeout."""
    port = free_port()
    environment = {
        **os.environ,
        "FORMSVC_INSTANCE_PATH": str(tmp_path / "served"),
        "FORMSVC_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
        "FORMSVC_FONT_DIR": str(font_dir),
        "FORMSVC_SECRET_KEY": "served",
        # the heavy requests come from different clients (X-Forwarded-For), as an attack would
        "FORMSVC_PROXY_COUNT": "1",
        "FORMSVC_HEAVY_TOTAL": "8",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        # --preload: both workers serve from the start (without it the test could begin while
        # the second is still importing, and time that instead)
        [str(VENV_BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--timeout", "30", "--preload",
         "--bind", f"127.0.0.1:{port}", "formsvc:create_app()"],
        env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
    )
    try:
        wait_for_port(port, timeout=120, process=process, log=tmp_path / "gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 2 * WAIT
        while True:  # both workers up: the port opens with the master
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def test_healthz_answers_within_a_second_while_heavy_requests_are_refused(served, heavy_requests):
    latencies: list[float] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            start = time.monotonic()
            with urllib.request.urlopen(served + "/healthz", timeout=10) as response:
                assert response.status == 200
            latencies.append(time.monotonic() - start)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    results: dict[str, tuple[int, dict, float]] = {}

    def send(name: str, client: str) -> None:
        results[name] = heavy_requests[name].send(served, client)

    try:
        senders = [threading.Thread(target=send, args=(name, f"203.0.113.{number}"))
                   for number, name in enumerate(heavy_requests, start=1)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(60)
    finally:
        time.sleep(0.3)  # and healthz still answers after them
        stop.set()
        watcher.join(15)
    print({name: round(seconds, 2) for name, (_s, _b, seconds) in results.items()}, sorted(latencies)[-5:])
    assert set(results) == set(heavy_requests)
    for name, (status, body, seconds) in results.items():
        assert status == 413, (name, body)
        message = body["errors"][0]["msg"]
        assert all(words in message for words in heavy_requests[name].words), message
        assert seconds < 5, (name, seconds)  # refused at once, not after the work
    assert len(latencies) >= 5
    assert max(latencies) < 1.0, sorted(latencies)[-5:]
