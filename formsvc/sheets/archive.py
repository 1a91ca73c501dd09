"""The first stage of an import: an uploaded file is checked as hostile before any XML is parsed.

An .xlsx is a ZIP of XML parts. Before openpyxl sees it we check what the bytes are (a clerk's
.xls, CSV or password-protected file gets a message saying what to do), and that the ZIP cannot
expand beyond fixed limits: the sizes come from the central directory, and Python's zipfile never
inflates an entry past the size declared there (it stops and fails the CRC check), so checking
the declared sizes bounds what parsing can ever read. XML parts may not declare a DTD: Office
never writes one, and entity tricks (billion laughs, external entities) need one.

Every XML part is then read once, streaming, against the request's work budget (parts.py).
"""

from __future__ import annotations

import io
import zipfile
import zlib

import openpyxl

from ..errors import MalformedRequest, PayloadTooLarge, SetupError, UnsupportedMediaType
from .limits import FILE_LOC, MB, SheetLimits
from .parts import check_parts

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
#: Office puts a password-protected workbook into an OLE2 file with these streams
ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
#: other files people upload by mistake, recognised by their first bytes
OTHER_KINDS = {
    b"%PDF": "PDF 文件",
    b"\x89PNG": "PNG 图片",
    b"\xff\xd8\xff": "JPEG 图片",
    b"{\\rtf": "RTF 文档",
    b"Rar!": "RAR 压缩包",
    b"7z\xbc\xaf": "7z 压缩包",
}
#: parts that say a ZIP is another Office or OpenDocument file
OTHER_PACKAGES = {
    "word/document.xml": "Word 文档（.docx）",
    "ppt/presentation.xml": "PowerPoint 演示文稿（.pptx）",
    "content.xml": "OpenDocument 文件（如 WPS/LibreOffice 的 .ods）",
}
SAVE_AS = "请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）后再上传"
def ensure_defused() -> None:
    """openpyxl parses with defusedxml only when it is installed and not switched off."""
    if not openpyxl.DEFUSEDXML:
        raise SetupError(
            "openpyxl 未启用 defusedxml：请安装 defusedxml，且不要设置 OPENPYXL_DEFUSEDXML=False"
        )


def _unsupported(message: str) -> UnsupportedMediaType:
    return UnsupportedMediaType(message, loc=FILE_LOC)


def _not_a_zip(content: bytes) -> UnsupportedMediaType:
    if content.startswith(OLE2_MAGIC):
        if any(stream in content for stream in ENCRYPTED_STREAMS):
            return _unsupported(
                "文件设置了打开密码（已加密），无法读取："
                "请在 Excel 中取消密码（文件→信息→保护工作簿）后再上传"
            )
        return _unsupported(f"这是旧版 Excel 97-2003 工作簿（.xls），只接受 .xlsx：{SAVE_AS}")
    for magic, kind in OTHER_KINDS.items():
        if content.startswith(magic):
            return _unsupported(f"上传的是{kind}，不是 Excel 工作簿（.xlsx）")
    if _looks_like_text(content[:4096]):
        return _unsupported(f"上传的是文本文件（如 CSV），不是 Excel 工作簿（.xlsx）：{SAVE_AS}")
    return _unsupported(f"不是 Excel 工作簿（.xlsx）：{SAVE_AS}")


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        # the cut may fall inside a character: drop up to three trailing bytes
        for cut in range(4):
            try:
                text = head[: len(head) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            return all(c.isprintable() or c in "\r\n\t\ufeff" for c in text)
    return False


def check_entries(archive: zipfile.ZipFile, limits: SheetLimits, *, kind: str = "Excel 工作簿",
                  loc: tuple[str, ...] = FILE_LOC) -> None:
    """Refuse a ZIP (a workbook, or a ZIP of photos) too large packed or unpacked: zip bombs."""
    entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise PayloadTooLarge(
            f"文件包含 {len(entries)} 个部件（上限 {limits.max_entries}），不是正常的{kind}",
            loc=loc,
        )
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise UnsupportedMediaType("文件中的内容已加密，无法读取：请取消密码后再上传", loc=loc)
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsupportedMediaType(f"文件使用了不支持的压缩方式，无法读取：{entry.filename[:80]}",
                                       loc=loc)
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > limits.ratio_floor and ratio > limits.max_ratio:
            raise PayloadTooLarge(
                f"文件疑似“压缩炸弹”：部件 {entry.filename[:80]} 解压后是压缩前的 {ratio:.0f} 倍"
                f"（上限 {limits.max_ratio} 倍），已拒绝",
                loc=loc,
            )
        total += entry.file_size
        if total > limits.max_uncompressed:
            raise PayloadTooLarge(
                f"文件解压后超过 {limits.max_uncompressed // MB} MB，已拒绝：请分成几个文件上传", loc=loc
            )


def _kind_of_package(archive: zipfile.ZipFile) -> None:
    names = set(archive.namelist())
    if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        return
    for part, kind in OTHER_PACKAGES.items():
        if part in names:
            raise _unsupported(f"上传的是{kind}，不是 Excel 工作簿（.xlsx）：{SAVE_AS}")
    raise _unsupported("上传的是 ZIP 压缩包，不是 Excel 工作簿（.xlsx）：请解压后上传其中的 .xlsx 文件")


def check_workbook(content: bytes, limits: SheetLimits) -> None:
    """Refuse, with a message saying why, anything that is not a plain .xlsx within the limits."""
    ensure_defused()
    if not content:
        raise MalformedRequest("上传的文件是空的", loc=FILE_LOC)
    if len(content) > limits.max_bytes:
        raise PayloadTooLarge(
            f"文件过大：{len(content) / MB:.1f} MB，上限 {limits.max_bytes // MB} MB", loc=FILE_LOC
        )
    if not content.startswith(ZIP_MAGIC):
        raise _not_a_zip(content)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            check_entries(archive, limits)
            _kind_of_package(archive)
            check_parts(archive, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
            NotImplementedError, OSError) as error:
        raise MalformedRequest(
            "文件已损坏，无法作为 Excel 工作簿打开：请在 Excel 中打开确认后重新保存再上传", loc=FILE_LOC
        ) from error
