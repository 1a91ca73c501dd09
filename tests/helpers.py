"""What the tests share: the app factory, samples and test data, readers of the outputs, workbooks,
artifacts. Fixtures live in the conftest files; everything a test imports lives here."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import shutil
import tempfile
import time
import unittest.mock
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image
from sqlalchemy import create_engine, func, select, text
from stdnum.cn import ric
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.test import TestResponse

from formsvc import create_app, users
from formsvc.config import defaults
from formsvc.forms import get_form
from formsvc.forms.tabular import columns
from formsvc.forms.title_history import TitleRecord
from formsvc.registry.issuing import CertificateRequest
from formsvc.sheets.header import normalized
from formsvc.signing import keys

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "web"
SEAL = ROOT / "static" / "img" / "seal-specimen.svg"
#: the office login the browser tests' live server is created with
OFFICE_USER = ("clerk", "correct horse battery")
#: how long a test waits for something slow to happen (a render, a download, a server's start),
#: in seconds: CI runs `pytest -n auto` on 2 cores, often beside other load, where a 2 s render
#: takes 20. A wait is not a claim about speed (benchmarks/ measures that), so it is generous.
WAIT = 60


# --- the app ------------------------------------------------------------------------------------


def make_app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch,
             **config: Any) -> Flask:
    instance = tmp_path / "instance"
    monkeypatch.setenv("FORMSVC_INSTANCE_PATH", str(instance))
    # an app with no key of its own makes a trial one, for the default issuing body
    own_key = {"ISSUING_BODY", "SIGNING_KEY"} & config.keys() or os.environ.get("FORMSVC_SIGNING_KEY")
    if not own_key and not (instance / keys.TRIAL_DIR).exists():
        shutil.copytree(_trial_signing(font_dir.parent), instance / keys.TRIAL_DIR)
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'registry.sqlite3'}",
        "FONT_DIR": str(font_dir),
        "OUTPUT_DIR": str(tmp_path / "jobs"),
        "PUBLIC_URL": "https://zc.example.gov.cn",
        "VERIFY_RATE_LIMIT": "off",
        "WTF_CSRF_ENABLED": False,
    }
    settings.update(config)
    return create_app(settings)


@functools.cache
def _trial_signing(base: Path) -> Path:
    """The trial CA and key an app makes in a new instance folder (keys.create_trial), made once
    per test process and copied into each test's instance: the same files create_app would
    write, one PKCS#12 encryption and two EC keys fewer per app."""
    instance = base / "trial-instance"
    keys.create_trial(instance, defaults(str(instance))["ISSUING_BODY"])
    return instance / keys.TRIAL_DIR


def override_template(app: Flask, name: str, marker: str) -> Path:
    """An instance's own form.html for the template folder name (a form id, or certificate): one
    page per document saying marker and the document's name, so a PDF shows which template drew it."""
    folder = Path(app.instance_path) / "form_templates" / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "form.html"
    path.write_text('<!doctype html><html lang="zh-CN"><body>{% for document in documents %}'
                    '<p{% if not loop.first %} style="break-before: page"{% endif %}>'
                    f"{marker}{{{{ document.name }}}}</p>{{% endfor %}}</body></html>", encoding="utf-8")
    return path


# --- samples and test data -------------------------------------------------------------------


def notice_text(name: str) -> list[str]:
    """A form's notes as its notice prints them (tests/forms/notices/<name>.txt, a line each): the
    tests' own copy of the notice's words, to hold the form's against."""
    text = (ROOT / "tests" / "forms" / "notices" / f"{name}.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def sample(form_id: str) -> Any:
    return json.loads((SAMPLES / f"{form_id}.json").read_text(encoding="utf-8"))


def record_data(serial: int = 1, **changes: Any) -> dict[str, Any]:
    """The sample title record, made distinct by its 批准文号."""
    data = sample("certificate")
    data["approval_number"] = f"武职改办〔2019〕{serial}号"
    data.update(changes)
    return data


def title_record(serial: int = 1, **changes: Any) -> TitleRecord:
    return TitleRecord.model_validate(record_data(serial, **changes))


def request_for(serial: int = 1, **changes: Any) -> CertificateRequest:
    return CertificateRequest(title_record(serial, **changes))


def code_of(certificate: dict[str, Any]) -> str:
    return certificate["verify_url"].rsplit("/", 1)[1]


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力"
TITLES = (("工程", "建筑工程", "工程师"), ("卫生", "内科学", "主治医师"),
          ("教育", "小学数学", "一级教师"), ("会计", "会计", "会计师"),
          ("工程", "机械设计", "高级工程师"), ("农业", "农学", "助理农艺师"))


def resident_id(birth: dt.date, sequence: int) -> str:
    """A valid 18-character number: 湖北 area, the birth date, the sequence (its parity the
    gender: odd 男), the check digit."""
    body = f"420102{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def title_records(count: int) -> list[dict]:
    """count distinct records of the 采集表 as the API takes them (each its own identity number,
    dates and 批准文号, long ones among them, every date two-digit where it can be)."""
    rows = []
    for serial in range(count):
        gender = "男" if serial % 2 else "女"
        birth = dt.date(1970 + serial % 30, 1 + serial % 12, 10 + serial % 18)
        approval = dt.date(2012 + serial % 10, 1 + (serial * 5) % 12, 10 + serial % 19)
        rows.append({
            "name": ["欧阳振华", "李䶮", "阿依古丽·买买提", "王晓梅"][serial % 4], "gender": gender,
            "document_type": "居民身份证",
            "id_number": resident_id(birth, serial * 2 % 1000 + (gender == "男")),
            "birth_date": birth.isoformat(), "series": "工程", "speciality": "建筑工程",
            "title": "工程师", "committee": "咸宁市工程系列中级职称评审委员会",
            "approver": "咸宁市职称改革工作领导小组办公室",
            "approval_number": [f"鄂人社职改办〔{approval.year}〕{100 + serial}号",
                                f"咸职改办〔{approval.year}〕{serial + 1}号"][serial % 2],
            "approval_date": approval.isoformat(),
        })
    return rows


def person(index: int, *, batch: str = "12") -> dict[str, Any]:
    """A valid, distinct title record: its identity number, gender and birth date agree."""
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=(index * 37) % 9000)
    number = resident_id(birth, index)
    series, speciality, title = TITLES[index % len(TITLES)]
    return {
        "姓名": SURNAMES[index % len(SURNAMES)] + GIVEN[index * 7 % len(GIVEN)]
        + GIVEN[index // 30 % len(GIVEN)],
        "性别": "男" if int(number[16]) % 2 else "女",
        "证件类型": "居民身份证",
        "证件号码": number,
        "出生日期": birth,
        "职称系列": series,
        "专业名称": speciality,
        "职称名称": title,
        "评审组织": f"咸宁市{series}系列中级职称评审委员会",
        "批准单位": "咸宁市职称改革工作领导小组办公室",
        "批准文号": f"咸职改办〔2019〕{batch}号" if index < 1000 else f"咸职改办〔2020〕{batch}号",
        "批准日期": dt.date(2019, 12, 1),
    }


def person_request(index: int, **options: Any) -> CertificateRequest:
    """person(index) as a certificate request: the very record a sheet row of theirs becomes."""
    row = person(index, **options)
    return CertificateRequest(TitleRecord.model_validate(
        {column.name: row[column.header] for column in columns(TitleRecord)}))


def people(count: int, **options: Any) -> list[dict[str, Any]]:
    return [person(i, **options) for i in range(count)]


def photo_zip(numbers: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for index, number in enumerate(numbers):
            image = Image.new("RGB", (350, 490), (240, 240, 240))
            image.paste((40 + index * 20, 60, 90), (100, 120, 250, 400))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG")
            archive.writestr(f"{number}.jpg", buffer.getvalue())
    return out.getvalue()


def setting(path: str, value: Any) -> Callable[[dict], None]:
    """Set the value at a dotted path of the data: posts.total, reviews.1.passed."""
    def change(data: dict) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = data
        for part in parents:
            target = target[part]
        target[last] = value
    return change


@functools.cache
def bomb_png(side: int) -> bytes:
    """A black side×side PNG (1 bit per pixel): a few kilobytes that decode to side² pixels.
    Written row by row straight into the compressor, so that even 30000×30000 costs a second, not
    the gigabyte and the seconds an image in memory would; built once per test process."""
    raw_row = b"\0" * (1 + (side + 7) // 8)  # filter byte "none", then the packed pixels
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(raw_row) for _ in range(side)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (len(body).to_bytes(4, "big") + kind + body
                + zlib.crc32(kind + body).to_bytes(4, "big"))

    header = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


# --- reading the outputs ----------------------------------------------------------------------


def pdf_text(content: bytes) -> list[str]:
    """The text of each page, as a PDF reader extracts it."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def rendered_pdf(client: FlaskClient, form_id: str, data: Any, artifact: str) -> tuple[str, tuple[int, int]]:
    """Render form_id from data as PDF through the API, keep it as an artifact, and read it back:
    the text of all pages without layout spaces, and the first page's size in points."""
    from pypdf import PdfReader

    response = client.post(f"/api/v1/forms/{form_id}/render?format=pdf", json=data)
    assert response.status_code == 200, response.get_json()
    save_artifact(artifact, response.data)
    box = PdfReader(io.BytesIO(response.data)).pages[0].mediabox
    return flat("".join(pdf_text(response.data))), (round(float(box.width)), round(float(box.height)))


def pdf_drawn_images(content: bytes) -> list[list[tuple[Any, tuple[float, ...]]]]:
    """Per page, each image XObject the page draws, with the matrix it is drawn with (width
    and height in points at [0] and [3], position at [4], [5]). Pages may share a resource
    dictionary listing every image, so what is drawn is read from the content stream."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(io.BytesIO(content)).pages:
        xobjects = page["/Resources"].get("/XObject", {})
        drawn: list[tuple[Any, tuple[float, ...]]] = []

        def visit(operator: bytes, operands: Any, cm: Any, tm: Any,
                  xobjects: Any = xobjects, drawn: list = drawn) -> None:
            if operator == b"Do":
                xobject = xobjects[operands[0]].get_object()
                if xobject["/Subtype"] == "/Image":
                    drawn.append((xobject, tuple(cm)))

        page.extract_text(visitor_operand_before=visit)
        pages.append(drawn)
    return pages


def pdf_pages_as_images(content: bytes, dpi: int = 300) -> list[Any]:
    """Each page rendered as a PIL image at dpi, as a printer or a scanner would see it."""
    import pypdfium2

    document = pypdfium2.PdfDocument(content)
    try:
        return [page.render(scale=dpi / 72).to_pil() for page in document]
    finally:
        document.close()


def pdf_qr_codes(content: bytes, dpi: int = 300) -> list[list[Any]]:
    """The QR codes zxing-cpp decodes on each page printed at dpi (zxingcpp.Barcode objects)."""
    import zxingcpp

    return [zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            for image in pdf_pages_as_images(content, dpi)]


def flat(text: str) -> str:
    """Text without the line breaks and spaces that layout puts in."""
    return "".join(text.split())


def docx_text(content: bytes) -> str:
    """All text of a Word document: paragraphs, then every table cell."""
    from docx import Document

    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def docx_runs(content: bytes) -> list[tuple[str, str | None, float | None, bool | None]]:
    """Every run of a Word document, table cells included: (text, East-Asian font, pt, bold)."""
    from docx import Document
    from docx.oxml.ns import qn

    document = Document(io.BytesIO(content))
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        seen = set()
        for row in table.rows:
            for cell in row.cells:
                if cell._tc not in seen:  # a merged cell appears once per grid position
                    seen.add(cell._tc)
                    paragraphs.extend(cell.paragraphs)
    runs = []
    for paragraph in paragraphs:
        for run in paragraph.runs:
            fonts = run._element.rPr.rFonts if run._element.rPr is not None else None
            east_asia = fonts.get(qn("w:eastAsia")) if fonts is not None else None
            size = run.font.size.pt if run.font.size is not None else None
            runs.append((run.text, east_asia, size, run.font.bold))
    return runs


def save_artifact(name: str, content: bytes) -> Path:
    """Keep an output for a person to look at (test-artifacts/ is git-ignored). Written under a
    private name and moved into place, so that parallel test processes never leave half a file."""
    path = ARTIFACTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(staging, path)
    return path


# --- workbooks ----------------------------------------------------------------------------------


def blank_template(client: FlaskClient, form_id: str) -> bytes:
    response = client.get(f"/api/v1/forms/{form_id}/blank?format=xlsx")
    assert response.status_code == 200, response.get_json()
    return response.data


def blank_workbook(client: FlaskClient, form_id: str, sheets: list[str], title: str) -> Any:
    """A form's blank import template, read back (and kept as a test artifact), after checking
    its sheets' names and the title in A1 of the first."""
    content = blank_template(client, form_id)
    save_artifact(f"{form_id}-blank.xlsx", content)
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == sheets
    assert book[sheets[0]]["A1"].value == title
    return book


def sample_rows(form_id: str) -> list[dict[str, Any]]:
    """The sample's rows keyed by column header, dates as dates (Excel date cells)."""
    spec = get_form(form_id)
    assert spec.row_model is not None and spec.rows_field is not None
    rows = []
    for row in sample(form_id)[spec.rows_field]:
        typed = {}
        for column in columns(spec.row_model):
            value = row.get(column.name)
            if column.kind == "date" and isinstance(value, str):
                value = dt.date.fromisoformat(value)
            typed[column.header] = value
        rows.append(typed)
    return rows


def header_row(sheet: Worksheet) -> tuple[int, dict[str, int]]:
    """The header's row number and each header's column (without the * of required columns)."""
    for number in range(1, 11):
        cells = {normalized(c.value): c.column for c in sheet[number] if c.value}
        # a title row is one merged cell, a 申报单位 line two: the header is the first with more
        if len(cells) >= 3:
            return number, cells
    raise AssertionError("no header in the first 10 rows")


def fill(template: bytes, rows: Sequence[Mapping[str, Any]], *,
         edit: Callable[[Worksheet, int], None] | None = None) -> bytes:
    """The template with rows typed in below its header (values by column header); edit may
    then change the sheet (it gets the header's row number)."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    number, places = header_row(sheet)
    for offset, row in enumerate(rows, start=1):
        for header, value in row.items():
            cell = sheet.cell(number + offset, places[header])
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # typed text, even when it starts with =
    if edit is not None:
        edit(sheet, number)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def change_row(row_index: int, **values: Any) -> Callable[[Worksheet, int], None]:
    """An edit for fill: in the row_index-th row (from 0), the cells under the given headers
    (named without their *) take the given values."""
    def edit(sheet: Worksheet, header_row: int) -> None:
        headers = [normalized(c.value) for c in sheet[header_row]]
        for header, value in values.items():
            cell = sheet.cell(header_row + 1 + row_index, headers.index(header) + 1)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    return edit


def upload(client: FlaskClient, form_id: str, content: bytes,
           filename: str = "导入.xlsx") -> TestResponse:
    return client.post(f"/api/v1/forms/{form_id}/import",
                       data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def errors_of(response: TestResponse) -> dict[tuple[Any, ...], str]:
    return {tuple(e["loc"]): e["msg"] for e in response.get_json()["errors"]}


def rezip(content: bytes, replace: Mapping[str, bytes] | None = None,
          add: Mapping[str, bytes] | None = None,
          compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The workbook's ZIP rewritten with some parts replaced or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, \
            zipfile.ZipFile(out, "w", compression) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info.filename)))
        for name, data in add.items():
            target.writestr(name, data)
    return out.getvalue()


def part(content: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read(name)



SHEET_PART = "xl/worksheets/sheet1.xml"
STRINGS_PART = "xl/sharedStrings.xml"


def zip_bomb(filled: bytes) -> bytes:
    """A real .xlsx whose sheet part inflates from about 50 KB to 50 MB."""
    sheet = part(filled, SHEET_PART)
    padding = b" " * (50 * 1024 * 1024)
    # XML allows whitespace before the end tag: the part stays a well-formed sheet
    bloated = sheet.replace(b"</worksheet>", padding + b"</worksheet>")
    return rezip(filled, replace={SHEET_PART: bloated})


def with_blank_rows(content: bytes, count: int) -> bytes:
    """The workbook with count empty (but formatted, as Excel writes them) rows below its data:
    3.2 million of them pack into about 8 MB."""
    import re

    sheet = part(content, SHEET_PART)
    last = max(int(n) for n in re.findall(rb'<row r="(\d+)"', sheet))
    blank = b"".join(b'<row r="%d" spans="1:12" ht="15" customHeight="1"/>' % n
                     for n in range(last + 1, last + 1 + count))
    return rezip(content, replace={SHEET_PART: sheet.replace(b"</sheetData>", blank + b"</sheetData>")})


def with_shared_strings(content: bytes, count: int) -> bytes:
    """The workbook with a shared-strings part of count entries (openpyxl writes its text inline,
    so the part, its content type and its relationship are added): 2 million entries pack into
    about 2.5 MB, and openpyxl would read them all before the first row."""
    types = part(content, "[Content_Types].xml").replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    relations = part(content, "xl/_rels/workbook.xml.rels").replace(b"</Relationships>", (
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml" Id="rIdStrings"/></Relationships>'))
    strings = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
               b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (count, count)
               + b"".join(b"<si><t>%x</t></si>" % n for n in range(count)) + b"</sst>")
    return rezip(content, replace={"[Content_Types].xml": types, "xl/_rels/workbook.xml.rels": relations},
                 add={STRINGS_PART: strings})


# --- bulk jobs ---------------------------------------------------------------------------------


def post_job(client: Any, auth: dict[str, str], sheet: bytes, photos: bytes | None = None) -> Any:
    data: dict[str, Any] = {"sheet": (io.BytesIO(sheet), "咸宁市2019年职称数据.xlsx")}
    if photos is not None:
        data["photos"] = (io.BytesIO(photos), "photos.zip")
    return client.post("/api/v1/jobs", data=data, headers=auth, content_type="multipart/form-data")


def wait_done(client: Any, auth: dict[str, str], url: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        body = client.get(url, headers=auth).get_json()
        seen.append(body["done"])
        if body["state"] not in ("queued", "running"):
            body["seen"] = seen
            return body
        time.sleep(0.5)
    raise AssertionError(f"job not finished after {timeout}s: {body}")


def certificate_count(app: Flask) -> int:
    """Certificates in the app's registry."""
    from formsvc import db
    from formsvc.registry.models import Certificate

    with db.transaction(app) as session:
        return session.scalar(select(func.count()).select_from(Certificate))


def job_row(url: str) -> tuple[str, int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT state, done, total FROM jobs")).one_or_none()
            return tuple(row) if row else ("", 0, 0)  # type: ignore[return-value]
    finally:
        engine.dispose()


def scalar(url: str, sql: str) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


# --- browser pages -----------------------------------------------------------------------------


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot kept in test-artifacts/web/ for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Any, live_server: Callable[[str], str], next_path: str = "/office/") -> None:
    page.goto(live_server("/office/login?next=" + next_path))
    page.get_by_label("用户名").fill(OFFICE_USER[0])
    page.get_by_label("密码").fill(OFFICE_USER[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server(next_path))


@functools.cache
def _password_hash(password: str) -> str:
    return generate_password_hash(password)


@functools.cache
def password_matches(password_hash: str, password: str) -> bool:
    """werkzeug's check_password_hash, each hash and password checked once per test process (a
    scrypt check is about 50 ms, and the office tests log in hundreds of times): the answer of
    a pure function, remembered."""
    return check_password_hash(password_hash, password)


def create_user(session: Any, name: str, password: str, **options: Any) -> Any:
    """users.create for a fixture, with the scrypt hash of each password made once per test
    process (about 0.3 s each, more under load): the same kind of hash users.create stores, only
    its salt shared between the tests' throwaway databases. Logging in still checks it in full;
    tests/test_users.py tests the hashing itself with users.create."""
    with unittest.mock.patch.object(users, "generate_password_hash", _password_hash):
        return users.create(session, name, password, **options)
