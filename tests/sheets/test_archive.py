"""Hostile files never reach the XML parsers: each gets a precise Chinese refusal, never a 500."""

from __future__ import annotations

import io
import os
import struct
import zipfile

import openpyxl
import pytest
from defusedxml import EntitiesForbidden

from formsvc.errors import MalformedRequest, PayloadTooLarge, UnsupportedMediaType
from formsvc.forms import get_form
from formsvc.sheets import SheetLimits, check_workbook, read_rows

from ..helpers import blank_template, errors_of, fill, part, rezip, sample_rows, upload, zip_bomb

FORM = "title-history"
SHEET = "xl/worksheets/sheet1.xml"
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1">'
    b"<si><t>&lol3;</t></si></sst>"
)


@pytest.fixture
def filled(client) -> bytes:
    return fill(blank_template(client, FORM), sample_rows(FORM))


def with_lying_sizes(content: bytes, name: str, declared: int) -> bytes:
    """The ZIP with one entry's uncompressed size patched in its local and central headers: its
    data inflates to far more than the directory admits."""
    data = bytearray(content)
    encoded = name.encode()
    # (signature, offset of the uncompressed size, of the name's length, of the name)
    for signature, size_at, length_at, name_at in ((b"PK\x03\x04", 22, 26, 30),
                                                   (b"PK\x01\x02", 24, 28, 46)):
        start = data.find(signature)
        while start != -1:
            length = struct.unpack_from("<H", data, start + length_at)[0]
            if bytes(data[start + name_at:start + name_at + length]) == encoded:
                struct.pack_into("<I", data, start + size_at, declared)
            start = data.find(signature, start + 4)
    return bytes(data)


def test_openpyxl_parses_with_defusedxml():
    from openpyxl.xml.functions import iterparse

    assert openpyxl.DEFUSEDXML is True
    with pytest.raises(EntitiesForbidden):
        list(iterparse(io.BytesIO(BILLION_LAUGHS)))


def test_zip_bomb_disguised_as_xlsx_is_refused_before_parsing(client, filled):
    bomb = zip_bomb(filled)
    assert len(bomb) < 1024 * 1024  # small on the wire
    response = upload(client, FORM, bomb)
    assert response.status_code == 413
    message = errors_of(response)[("file",)]
    assert "压缩炸弹" in message and "xl/worksheets/sheet1.xml" in message


def test_unpacked_size_and_entry_limits_apply_before_parsing(filled):
    spec = get_form(FORM)
    with pytest.raises(PayloadTooLarge, match="解压后超过"):
        read_rows(spec, filled, SheetLimits(max_uncompressed=10_000))
    many = rezip(filled, add={f"xl/media/image{i}.png": b"x" for i in range(1100)})
    with pytest.raises(PayloadTooLarge, match="个部件"):
        read_rows(spec, many)


def test_entry_lying_about_its_size_is_damaged_not_a_bomb(client, filled):
    # zipfile stops inflating at the declared size and fails the CRC check: the declared sizes
    # the limits look at bound what is ever read
    lying = with_lying_sizes(zip_bomb(filled), SHEET, 60_000)
    response = upload(client, FORM, lying)
    assert response.status_code == 400
    assert "已损坏" in errors_of(response)[("file",)]


def test_ten_megabyte_file_is_refused(client, filled):
    big = rezip(filled, add={"xl/media/photo.bin": os.urandom(10 * 1024 * 1024)},
                compression=zipfile.ZIP_STORED)
    response = upload(client, FORM, big)
    assert response.status_code == 413
    assert errors_of(response)[("file",)].startswith("文件过大：10.")


def test_body_over_the_request_limit_is_413(client):
    response = upload(client, FORM, b"PK\x03\x04" + b"\0" * (17 * 1024 * 1024))
    assert response.status_code == 413
    assert "上传内容过大" in response.get_json()["errors"][0]["msg"]


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


@pytest.mark.parametrize(("content", "status", "words"), [
    (OLE2 + b"\0" * 4096, 415, "旧版 Excel 97-2003 工作簿（.xls）"),
    (OLE2 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64, 415, "设置了打开密码"),
    ("姓名,性别,证件类型\n李䶮,男,居民身份证\n".encode(), 415, "文本文件（如 CSV）"),
    ("姓名,性别\n张三,男\n".encode("gb18030"), 415, "文本文件（如 CSV）"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 415, "PDF 文件"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, 415, "PNG 图片"),
    (os.urandom(2048).replace(b"PK", b"pk") + b"\xff\xfe", 415, "不是 Excel 工作簿"),
    (b"", 400, "上传的文件是空的"),
], ids=["xls", "encrypted", "csv", "csv-gbk", "pdf", "png", "random", "empty"])
def test_files_that_are_not_xlsx_say_what_they_are(client, content, status, words):
    response = upload(client, FORM, content)
    assert response.status_code == status, response.get_json()
    assert words in errors_of(response)[("file",)]


def test_other_zip_packages_are_named(client, filled):
    docx = rezip(filled, add={"word/document.xml": b"<w:document/>"})
    docx = rezip(docx, replace={"xl/workbook.xml": b""})
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        names = [n for n in archive.namelist() if not n.startswith("xl/")]
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        for name in names:
            archive.writestr(name, part(docx, name))
    response = upload(client, FORM, plain.getvalue())
    assert response.status_code == 415
    assert "Word 文档（.docx）" in errors_of(response)[("file",)]
    just_zip = io.BytesIO()
    with zipfile.ZipFile(just_zip, "w") as archive:
        archive.writestr("采集表.xlsx", filled)
    response = upload(client, FORM, just_zip.getvalue())
    assert response.status_code == 415
    assert "ZIP 压缩包" in errors_of(response)[("file",)]


@pytest.mark.parametrize("damage", ["truncated", "garbage-sheet", "garbage-workbook", "bad-deflate"])
def test_damaged_workbooks_are_400_not_500(client, filled, damage):
    if damage == "truncated":
        content = filled[: len(filled) // 2]
    elif damage == "garbage-sheet":
        content = rezip(filled, replace={SHEET: b"<worksheet><sheetData><row r='x'><c r="})
    elif damage == "garbage-workbook":
        content = rezip(filled, replace={"xl/workbook.xml": b"\x00\x01not xml"})
    else:
        data = bytearray(filled)
        start = data.find(b"PK\x03\x04", data.find(SHEET.encode()) - 40)
        # scramble the deflate stream of the first entry's data
        for offset in range(start + 60, start + 160):
            data[offset] ^= 0x5A
        content = bytes(data)
    response = upload(client, FORM, content)
    assert response.status_code == 400, response.get_json()
    assert "已损坏" in errors_of(response)[("file",)]


def test_xml_with_a_dtd_is_refused_before_any_parser_sees_it(client, filled):
    content = rezip(filled, replace={SHEET: BILLION_LAUGHS})
    response = upload(client, FORM, content)
    assert response.status_code == 400
    assert "文档类型声明（DTD）" in errors_of(response)[("file",)]
    utf16 = rezip(filled, replace={"[Content_Types].xml": BILLION_LAUGHS.decode().replace(
        'version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")})
    with pytest.raises(MalformedRequest, match="DTD"):
        check_workbook(utf16, SheetLimits())


def test_encrypted_zip_entries_are_refused(filled):
    data = bytearray(filled)
    start = data.find(b"PK\x01\x02")
    flags = struct.unpack_from("<H", data, start + 8)[0]
    struct.pack_into("<H", data, start + 8, flags | 0x1)
    with pytest.raises(UnsupportedMediaType, match="加密"):
        check_workbook(bytes(data), SheetLimits())


def test_a_real_compression_ratio_passes(filled):
    # an honest sheet of many rows packs well, but nowhere near a bomb
    rows = sample_rows(FORM) * 300
    check_workbook(fill(filled, rows), SheetLimits())
    with zipfile.ZipFile(io.BytesIO(fill(filled, rows))) as archive:
        info = archive.getinfo(SHEET)
    assert info.file_size / info.compress_size < SheetLimits().max_ratio
