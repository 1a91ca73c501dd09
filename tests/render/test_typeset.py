"""The listings set by Typst (render/typeset.py): data stay data, templates stay in their root, an
instance's own template wins, long listings page as paper ones do, numbers stay whole and legible."""

from __future__ import annotations

import contextlib
import io
import math
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from formsvc.documents import Document
from formsvc.errors import SetupError
from formsvc.render import typeset

from ..helpers import flat, override_template, pdf_text, sample

HOSTILE = [
    '#read("/etc/passwd")',
    "*粗体* _斜体_ $x^2$ #set text(size: 1pt)",
    '<img src="file:///etc/passwd">',
    '=HYPERLINK("http://example.com")',
    "] } ) // 注释 /* 注释 */ \\ @label <label>",
]


def render(client, form_id: str, data: dict) -> bytes:
    response = client.post(f"/api/v1/forms/{form_id}/render?format=pdf", json=data)
    assert response.status_code == 200, response.get_json()
    assert response.data.startswith(b"%PDF-")
    return response.data


def text_sizes(content: bytes) -> list[tuple[str, float]]:
    """(text, size in pt) of every piece of text drawn, as the page shows it."""
    found = []
    for page in PdfReader(io.BytesIO(content)).pages:
        def visit(text, cm, tm, font, size, found=found):
            if text.strip():
                a, b, c, d = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                              tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
                found.append((text, size * math.sqrt(abs(a * d - b * c))))
        page.extract_text(visitor_text=visit)
    return found


def font_names(content: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_that_looks_like_markup_prints_as_typed(client, value):
    data = sample("title-history")
    data["rows"][0]["committee"] = value
    data["rows"][1]["approver"] = value
    text = flat("".join(pdf_text(render(client, "title-history", data))))
    assert text.count(flat(value)) == 2
    assert "root:" not in text


def test_a_summary_prints_hostile_text_in_every_field_as_typed(client):
    data = sample("crossover-summary")
    data["unit"] = HOSTILE[0]
    data["rows"][0]["address"] = HOSTILE[1]
    data["rows"][0]["experience"] = HOSTILE[2]
    text = flat("".join(pdf_text(render(client, "crossover-summary", data))))
    for value in HOSTILE[:3]:
        assert flat(value) in text, value


@pytest.mark.parametrize("source", [
    '#read("/etc/passwd")',
    '#read("../../../../../../../../etc/passwd")',
    '#image("/etc/hostname")',
])
def test_a_template_reads_nothing_outside_its_root(tmp_path, source):
    folder = tmp_path / "form"
    folder.mkdir()
    template = folder / "form.typ"
    template.write_text(source, encoding="utf-8")
    with pytest.raises(SetupError, match="打印模板有误") as raised:
        typeset.render_template(template, tmp_path, [Document("表", {"title": "表"})])
    assert str(template) in str(raised.value)
    assert "root:" not in str(raised.value)


def test_a_template_that_does_not_compile_names_itself(tmp_path):
    (tmp_path / "form").mkdir()
    template = tmp_path / "form" / "form.typ"
    template.write_text("#let x = (", encoding="utf-8")
    with pytest.raises(SetupError, match="打印模板有误"):
        typeset.render_template(template, tmp_path, [Document("表", {})])


def test_an_instance_form_html_wins_over_the_shipped_form_typ(app, client):
    override_template(app, "title-history", "本地采集表样式")
    text = flat("".join(pdf_text(render(client, "title-history", sample("title-history")))))
    assert text.startswith("本地采集表样式湖北省职称历史数据采集表")


@pytest.mark.parametrize("proxy", [None, "https_proxy", "HTTPS_PROXY", "all_proxy"])
def test_a_template_reaches_no_package_server(tmp_path, monkeypatch, proxy):
    import socket

    (tmp_path / "form").mkdir()
    template = tmp_path / "form" / "form.typ"
    template.write_text('#import "@preview/tablex:0.0.8": *\n表', encoding="utf-8")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    if proxy:  # the service's own proxy, which the typesetter must not follow
        monkeypatch.setenv(proxy, f"http://127.0.0.1:{listener.getsockname()[1]}")
        monkeypatch.setenv("no_proxy", "packages.typst.org")
    typeset.TYPESETTER.stop()  # started again with this environment
    try:
        with pytest.raises(SetupError, match="Connection refused"):  # the closed proxy, not DNS
            typeset.render_template(template, tmp_path, [Document("表", {})])
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
        typeset.TYPESETTER.stop()


def sample_pdf_text(client) -> str:
    return flat("".join(pdf_text(render(client, "title-history", sample("title-history")))))


def test_a_template_outside_its_root_is_refused_and_the_typesetter_goes_on(client, tmp_path):
    sample_pdf_text(client)
    before = typeset.TYPESETTER.pid
    elsewhere = tmp_path / "elsewhere.typ"
    elsewhere.write_text("表", encoding="utf-8")
    with pytest.raises(SetupError, match="打印模板有误"):
        typeset.render_template(elsewhere, tmp_path / "root", [Document("表", {})])
    assert typeset.TYPESETTER.pid == before
    assert "湖北省职称历史数据采集表" in sample_pdf_text(client)


def test_an_exchange_broken_off_leaves_no_answer_for_the_next_render(client, monkeypatch):
    sample_pdf_text(client)
    original = typeset._read

    def interrupted(fd, size, deadline):
        raise RuntimeError("a time limit's signal")

    monkeypatch.setattr(typeset, "_read", interrupted)
    data = sample("title-history")
    data["rows"][0]["name"] = "欧阳明远"
    with pytest.raises(RuntimeError, match="time limit"):
        typeset.render_template(*shipped_template("title-history"), title_documents(data))
    assert typeset.TYPESETTER.pid is None  # stopped, its answer with it
    monkeypatch.setattr(typeset, "_read", original)
    text = sample_pdf_text(client)
    assert "欧阳明远" not in text and flat(sample("title-history")["rows"][0]["name"]) in text


def test_a_typesetter_dead_before_the_request_is_written_is_a_setup_error(client, monkeypatch):
    import os
    import signal

    sample_pdf_text(client)
    original = typeset.Typesetter._running

    def dies(self):
        process = original(self)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return process

    monkeypatch.setattr(typeset.Typesetter, "_running", dies)
    with pytest.raises(SetupError, match="排版进程意外退出"):
        typeset.render_template(*shipped_template("title-history"),
                                title_documents(sample("title-history")))
    monkeypatch.setattr(typeset.Typesetter, "_running", original)
    assert "湖北省职称历史数据采集表" in sample_pdf_text(client)


def test_a_typesetter_that_stops_answering_is_given_up_in_time(client, monkeypatch):
    import os
    import signal

    sample_pdf_text(client)
    stuck = typeset.TYPESETTER.pid
    os.kill(stuck, signal.SIGSTOP)
    monkeypatch.setattr(typeset, "SET_TIMEOUT_S", 1.0)
    data = {"rows": sample("title-history")["rows"] * 100}  # more than a pipe holds
    with pytest.raises(SetupError, match="排版超时"):
        typeset.render_template(*shipped_template("title-history"), title_documents(data))
    assert typeset.TYPESETTER.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(stuck, 0)  # killed and reaped
    assert "湖北省职称历史数据采集表" in sample_pdf_text(client)


def test_a_fork_starts_a_typesetter_of_its_own(client):
    import os
    import select
    import signal

    sample_pdf_text(client)
    parents = typeset.TYPESETTER.pid
    # forked while another thread's render holds the lock, as in a threaded server
    held, done = threading.Event(), threading.Event()

    def render_under_way() -> None:
        with typeset.TYPESETTER._lock:
            held.set()
            done.wait(60)

    other = threading.Thread(target=render_under_way)
    other.start()
    held.wait(10)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the fork: a worker a server forked after its first render
        ok = False
        try:
            content = typeset.render_template(*shipped_template("title-history"),
                                              title_documents(sample("title-history")))
            ok = typeset.TYPESETTER.pid not in (None, parents) and content.startswith(b"%PDF-")
        finally:
            os.write(write, b"1" if ok else b"0")
            os._exit(0)
    done.set()
    other.join()
    os.close(write)
    try:
        assert select.select([read], [], [], 30)[0], "the fork's render did not finish"
        assert os.read(read, 1) == b"1"
    finally:
        os.close(read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert typeset.TYPESETTER.pid == parents
    assert "湖北省职称历史数据采集表" in sample_pdf_text(client)


def test_a_fork_that_sets_nothing_holds_no_end_of_its_parents_pipes(client):
    import os
    import signal

    sample_pdf_text(client)
    pid = os.fork()
    if pid == 0:  # a worker that has not printed a listing yet
        signal.pause()
        os._exit(0)
    try:
        process = typeset.TYPESETTER._process
        typeset.TYPESETTER.stop()
        assert process.returncode == 0  # ended by its requests' end, not killed after 10 s
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_a_typesetter_ends_with_the_process_that_started_it(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    read, write = os.pipe()  # its stdin, held open here as a fork of its parent would
    starter = subprocess.Popen(
        [sys.executable, "-c",
         "import os, subprocess, sys, time\n"
         f"p = subprocess.Popen([sys.executable, '-I', {typeset.typesetter.__file__!r}, '[]',"
         f" str(os.getpid())], stdin={read}, pass_fds=({read},))\n"
         "print(p.pid, flush=True)\n"
         "time.sleep(600)\n"],
        stdout=subprocess.PIPE, pass_fds=(read,))
    try:
        typesetter_pid = int(starter.stdout.readline())
        os.kill(starter.pid, signal.SIGKILL)
        starter.wait()
        for _ in range(100):  # it looks for its parent once a second
            if not Path(f"/proc/{typesetter_pid}").exists() or (
                    Path(f"/proc/{typesetter_pid}/stat").read_text().split(") ")[1][0] == "Z"):
                break
            time.sleep(0.1)
        else:
            os.kill(typesetter_pid, signal.SIGKILL)
            pytest.fail("the typesetter outlived the process that started it")
    finally:
        os.close(read)
        os.close(write)


def test_an_instance_copy_of_the_shipped_form_typ_imports_the_shared_listing(app, client):
    shipped = (typeset.PACKAGES.parent / "title-history" / "form.typ").read_text(encoding="utf-8")
    folder = Path(app.instance_path) / "form_templates" / "title-history"
    folder.mkdir(parents=True)
    (folder / "form.typ").write_text(shipped.replace("attachment: \"附件4\"", "attachment: \"本地附件\""),
                                     encoding="utf-8")
    text = flat("".join(pdf_text(render(client, "title-history", sample("title-history")))))
    assert text.startswith("湖北省职称历史数据采集表") and text.endswith("本地附件")


def test_the_typesetter_is_replaced_once_it_has_grown_past_its_limit(client, monkeypatch):
    render(client, "title-history", sample("title-history"))
    first = typeset.TYPESETTER.pid
    assert first is not None
    monkeypatch.setattr(typeset, "MAX_RESIDENT_MB", 0)
    text = flat("".join(pdf_text(render(client, "title-history", sample("title-history")))))
    assert "湖北省职称历史数据采集表" in text
    assert typeset.TYPESETTER.pid is None  # stopped after the document it set
    monkeypatch.setattr(typeset, "MAX_RESIDENT_MB", 400)
    render(client, "title-history", sample("title-history"))
    assert typeset.TYPESETTER.pid not in (None, first)


def shipped_template(form_id: str) -> tuple[Path, Path]:
    return typeset.PACKAGES.parent / form_id / "form.typ", typeset.PACKAGES.parent


def title_documents(data: dict) -> list[Document]:
    from formsvc.forms import FORMS

    spec = FORMS["title-history"]
    return spec.documents(spec.validate(data).model)


def test_a_killed_typesetter_fails_one_render_and_the_next_starts_another(client, monkeypatch):
    import os
    import signal

    render(client, "title-history", sample("title-history"))
    killed = typeset.TYPESETTER.pid
    os.kill(killed, signal.SIGKILL)
    os.waitpid(killed, 0)
    # found dead before the request: a new one sets it
    render(client, "title-history", sample("title-history"))
    assert typeset.TYPESETTER.pid != killed
    # dies while setting: that render fails as the setup's fault, the next one is set
    original = typeset.typesetter.ANSWER

    class Dies:
        size = original.size

        @staticmethod
        def unpack(data):
            os.kill(typeset.TYPESETTER.pid, signal.SIGKILL)
            raise EOFError

    monkeypatch.setattr(typeset.typesetter, "ANSWER", Dies)
    with pytest.raises(SetupError, match="排版进程意外退出"):
        typeset.render_template(typeset.PACKAGES.parent / "title-history" / "form.typ",
                                typeset.PACKAGES.parent, [Document("表", {"title": "表"})])
    monkeypatch.setattr(typeset.typesetter, "ANSWER", original)
    assert "湖北省职称历史数据采集表" in flat("".join(pdf_text(render(client, "title-history",
                                                                        sample("title-history")))))


def test_an_instance_form_typ_wins_over_the_shipped_one(app, client):
    folder = Path(app.instance_path) / "form_templates" / "crossover-summary"
    folder.mkdir(parents=True)
    (folder / "form.typ").write_text(
        '#let data = json(bytes(sys.inputs.data))\n'
        '#for doc in data.documents [本地汇总表样式 #doc.title #doc.cells.len() 人]\n',
        encoding="utf-8")
    text = flat("".join(pdf_text(render(client, "crossover-summary", sample("crossover-summary")))))
    assert text == "本地汇总表样式武汉市专业技术人才向高技能人才贯通申报汇总表5人"


def test_a_long_summary_repeats_its_header_and_keeps_each_row_on_one_page(client):
    data = sample("crossover-summary")
    rows = []
    for index in range(40):
        row = dict(data["rows"][index % len(data["rows"])])
        row["serial"] = index + 1
        row["original_number"] = f"HB{index:04d}{row['original_number'][-6:]}"
        # rows of many heights: some end near a page's foot
        row["experience"] = ("在武汉重型机床集团有限公司从事数控机床电气维护工作" * 3)[:40 + index * 13 % 60]
        rows.append(row)
    data["rows"] = rows
    pages = [flat(page) for page in pdf_text(render(client, "crossover-summary", data))]
    assert len({number for number, page in enumerate(pages) for row in rows
                if row["original_number"] in page}) > 1
    for number, page in enumerate(pages, start=1):
        if any(row["original_number"] in page for row in rows):
            assert "*姓名*证件类型*证件号性别出生日期" in page, number
        # 附件N is drawn over the first page once it is set: a reader meets it last
        assert page.removesuffix("附件1").endswith(f"第{number}页/共{len(pages)}页"), page[-20:]
        assert ("附件1" in page) == (number == 1)
    for row in rows:
        holding = [page for page in pages if row["original_number"] in page]
        assert len(holding) == 1, row["original_number"]
        assert flat(row["experience"]) in holding[0] and row["mobile"] in holding[0]


def test_numbers_stay_whole_on_one_line_at_7_pt_or_more(client):
    data = sample("crossover-summary")
    for index, row in enumerate(data["rows"]):
        row["diploma_number"] = f"10486120120500{index:04d}"
        row["original_number"] = f"42010020180600{index:04d}"
    content = render(client, "crossover-summary", data)
    lines = [line for page in pdf_text(content) for line in page.splitlines()]
    for row in data["rows"]:
        for field in ("id_number", "mobile", "diploma_number", "original_number"):
            assert any(row[field] in line for line in lines), (field, row[field])
    assert min(size for _, size in text_sizes(content)) >= 7


def test_a_code_too_long_for_its_column_even_at_7_pt_is_kept_legible_in_the_cell(client):
    data = sample("crossover-summary")
    data["rows"][0]["original_number"] = "ZC" + "1234567890" * 3 + "ABCDEFGH"  # 40, the limit
    content = render(client, "crossover-summary", data)
    assert data["rows"][0]["original_number"] in flat("".join(pdf_text(content)))
    assert min(size for _, size in text_sizes(content)) >= 7


def test_a_listing_prints_in_fangsong_with_heiti_headers_and_noto_for_rare_characters(client):
    names = font_names(render(client, "title-history", sample("title-history")))
    assert {"FandolFang-Regular-Identity-H", "NotoSansCJKsc-Regular-Identity-H",
            "NotoSerifCJKsc-Bold-Identity-H"} <= names
    # 李䶮: U+4DAE is beyond FandolFang, so Noto Serif draws it
    assert "NotoSerifCJKsc-Regular-Identity-H" in names


def test_two_listings_set_at_once_each_print_their_own_data(client, app):
    names = ("欧阳明远", "司马思琪")
    documents = {}
    for name in names:
        data = sample("title-history")
        data["rows"] = data["rows"] * 10  # long enough for the two to overlap
        data["rows"][0] = {**data["rows"][0], "name": name}
        documents[name] = title_documents(data)
    for _ in range(5):
        start = threading.Barrier(len(names))
        results: dict[str, str] = {}

        def work(name: str, start: threading.Barrier = start, results: dict = results) -> None:
            start.wait()
            content = typeset.render_template(*shipped_template("title-history"), documents[name])
            results[name] = flat("".join(pdf_text(content)))

        threads = [threading.Thread(target=work, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for name, other in (names, names[::-1]):
            assert name in results[name] and other not in results[name]


def glyph_positions(content: bytes) -> list[tuple[int, str, float, float, float, float]]:
    """(page, text, x, y, page width, page height) of every piece of text drawn."""
    found = []
    for number, page in enumerate(PdfReader(io.BytesIO(content)).pages):
        width, height = float(page.mediabox.width), float(page.mediabox.height)

        def visit(text, cm, tm, font, size, number=number, width=width, height=height):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                found.append((number, text, x, y, width, height))
        page.extract_text(visitor_text=visit)
    return found


def longest_summary_row(index: int) -> dict:
    """A row of the 汇总表 with every text at its schema's limit, 简要经历 in 100 short lines."""
    return {
        "serial": 99990 + index, "name": "欧阳" + "思" * 28, "document_type": "身份证",
        "id_number": "420102199003072315", "education": "大学专科和专科学校",
        "candidate_source": "港澳台商投资", "delivery": "快递到付", "occupation": "职" * 30,
        "trade": "工" * 30, "level": "一级/高级技师", "condition": "条" * 60,
        "mobile": "13907151234", "work_start": "2012-07-01", "profession": "专" * 30,
        "profession_years": 60, "ethnicity": "民" * 10, "political_status": "政" * 20,
        "diploma_number": "1" * 40, "experience": "\n".join(["经历"] * 100),
        "postal_code": "430205", "unit": "单" * 50, "address": "址" * 100,
        "mailing_address": "寄" * 100, "email": "a" * 35 + "@" + "b" * 20 + ".com",
        "household_registration": "籍" * 50, "province": "省" * 20, "city": "市" * 20,
        "original_occupation": "原" * 30, "original_level": "等" * 20,
        "original_number": "Z" * 40,
    }


def test_rows_at_every_limit_stay_on_their_pages(client):
    data = {"unit": "单" * 50, "rows": [longest_summary_row(index) for index in range(6)]}
    content = render(client, "crossover-summary", data)
    positions = glyph_positions(content)
    assert len({page for page, *_ in positions}) > 1
    outside = [(page, text) for page, text, x, y, width, height in positions
               if not (0 <= x <= width and 0 <= y <= height)]
    assert outside == []
    assert min(size for _, size in text_sizes(content)) >= 7


def test_an_address_too_long_for_its_cell_breaks_after_its_at_sign(client):
    data = sample("crossover-summary")
    data["rows"][0]["email"] = "liyan1990@163.com"  # wider than 邮箱's 14 mm even at 7 pt
    lines = [line.strip() for page in pdf_text(render(client, "crossover-summary", data))
             for line in page.splitlines()]
    at = lines.index("liyan1990@")
    assert lines[at + 1] == "163.com"
