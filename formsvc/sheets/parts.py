"""The second check of an upload: every part of the ZIP read once, streaming and without a parser.

archive.py bounded the bytes; this bounds the work. Size is not work: 3.2 million empty rows pack
into 8 MB, 2 million shared strings into 2.5 MB. So every XML part is read once, in pieces, to
count what the parsers would build — rows (blank ones included, and the rows a row number skips
to), cells, shared strings, elements — against the request's work budget; the count stops at the
first excess. On the way a part that declares a DTD, or XML that is not UTF-8, is refused.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from ..errors import MalformedRequest, PayloadTooLarge
from .limits import FILE_LOC, MB, SheetLimits

#: parts are read in pieces of this size: memory stays flat however large the part
CHUNK_BYTES = 1 * MB
#: no tag of a real part is this long; a longer one could hide what is counted
MAX_TAG_BYTES = 64 * 1024
#: parts every Office writer produces as XML; any other part that starts like XML is XML too
XML_SUFFIXES = (".xml", ".rels", ".vml")
#: the only encodings a part may declare: what is counted is counted in these bytes
XML_ENCODINGS = ("utf-8", "utf8", "us-ascii", "ascii")
DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!doctype", "<!ENTITY", "<!entity")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


@dataclass
class PartCount:
    """What the parsers would build from one XML part, counted without parsing it."""

    name: str
    #: rows a reader walks: the highest row number, plus rows that give none
    rows: int = 0
    cells: int = 0
    strings: int = 0
    elements: int = 0
    #: rows that give no number, and the highest number given
    unnumbered: int = 0
    highest: int = 0




def _start_tags(prefix: bytes) -> tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]:
    """Patterns of the start tags counted, <c>, <si> and <row> (its attributes captured)."""
    return (re.compile(prefix + rb"c(?=[\s/>])"), re.compile(prefix + rb"si(?=[\s/>])"),
            re.compile(prefix + rb"row(?=[\s/>])([^>]*)"))


#: the tags as Office writes them; patterns that start with a literal are searched fast
_PLAIN = _start_tags(b"<")
#: the same tags with any namespace prefix (<x:c>), slower to search: only for parts that have them
_PREFIXED = _start_tags(rb"<(?:[A-Za-z_][\w.-]*:)?")
_HAS_PREFIX = re.compile(rb":(?:c|si|row)[\s/>]")
#: how many entries the shared strings say they hold (uniqueCount; count is of the cells using them)
_DECLARED_STRINGS = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst[^>]*?\suniqueCount\s*=\s*[\"']\s*(\d+)")
#: the row number among a <row> tag's attributes: r="7"
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"']\s*(\d+)")
_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
#: what a part looks like when it is XML in some encoding: <, a BOM, UTF-16/32 or EBCDIC "<?"
_XML_STARTS = (b"<", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00<", b"\x00\x00\x00<",
               b"\x4c\x6f\xa7\x94")


def _refuse(name: str, what: str) -> MalformedRequest:
    return MalformedRequest(f"文件的部件 {name[:80]} {what}，正常的 Excel 文件没有，已拒绝", loc=FILE_LOC)


def _check_encoding(name: str, head: bytes) -> None:
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    declared = _DECLARED_ENCODING.match(body)
    if b"\x00" in head or not body.startswith(b"<") or (
            declared and declared[1].decode("latin-1").strip().lower() not in XML_ENCODINGS):
        raise _not_utf8(name)


def _not_utf8(name: str) -> MalformedRequest:
    return MalformedRequest(f"文件已损坏或不是正常的 Excel 文件：部件 {name[:80]} 不是 UTF-8 编码的 XML，"
                            "请在 Excel 中打开确认后重新保存再上传", loc=FILE_LOC)


def _number(digits: bytes) -> int:
    """A count written in a part; one of more digits than any sheet has rows counts as 10**10
    (int() of thousands of digits is slow, and refused past 4,300)."""
    digits = digits.lstrip(b"0")
    return int(digits or b"0") if len(digits) < 11 else 10**10


def _count_piece(piece: bytes, count: PartCount) -> None:
    count.elements += piece.count(b"<") - piece.count(b"</")
    cell, string, row = _PREFIXED if _HAS_PREFIX.search(piece) else _PLAIN
    count.cells += len(cell.findall(piece))
    count.strings += len(string.findall(piece))
    for attributes in row.findall(piece):
        number = _ROW_NUMBER.search(attributes)
        if number is None:
            count.unnumbered += 1
            continue
        count.highest = max(count.highest, _number(number[1]))
    count.rows = count.highest + count.unnumbered


def _over_budget(count: PartCount, limits: SheetLimits) -> bool:
    return (count.rows > limits.max_rows or count.cells > limits.max_cells
            or count.strings > limits.max_strings or count.elements > limits.max_elements)


def scan_part(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: SheetLimits) -> PartCount:
    """One part read in pieces: no DTD anywhere in it, UTF-8 if it is XML, and what it holds
    counted, stopping as soon as a count is over the budget."""
    count = PartCount(entry.filename)
    carry = b""
    first = True
    with archive.open(entry) as part:
        while True:
            chunk = part.read(CHUNK_BYTES)
            if first:
                first = False
                if not entry.filename.lower().endswith(XML_SUFFIXES) and not chunk.lstrip().startswith(
                        _XML_STARTS):
                    return count  # a picture or a printer's settings: no parser reads it as XML
                if any(marker in chunk for marker in DTD_MARKERS):
                    raise _refuse(entry.filename, "含有 XML 文档类型声明（DTD）")
                _check_encoding(entry.filename, chunk)
                # shared strings that say they hold too many are refused at once (those that
                # say less than they hold are counted like every other part)
                declared = _DECLARED_STRINGS.search(chunk, 0, 4096)
                if declared and _number(declared[1]) > limits.max_strings:
                    count.strings = _number(declared[1])
                    return count
            buffer = carry + chunk
            if not chunk:
                _count_piece(buffer, count)
                return count
            if b"\x00" in chunk:
                raise _not_utf8(entry.filename)
            # a tag cut by the piece's end is counted with the next piece
            cut = buffer.rfind(b"<")
            if cut == -1 or buffer.find(b">", cut) != -1:
                cut = len(buffer)
            piece, carry = buffer[:cut], buffer[cut:]
            if len(carry) > MAX_TAG_BYTES:
                raise _refuse(entry.filename, f"含有超过 {MAX_TAG_BYTES // 1024} KB 的 XML 标记")
            if b"<!" in buffer and any(marker in buffer for marker in DTD_MARKERS):
                raise _refuse(entry.filename, "含有 XML 文档类型声明（DTD）")
            _count_piece(piece, count)
            if _over_budget(count, limits):
                return count


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name → sheet name, from the workbook and its relationships (best effort: only to
    name a sheet in a message)."""
    from defusedxml import ElementTree

    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # the name is a courtesy; a damaged workbook is reported by the reader
        return {}
    targets = {r.get("Id"): str(r.get("Target", "")) for r in relations}
    names: dict[str, str] = {}
    for sheet in workbook.iter():
        if not str(sheet.tag).endswith("}sheet"):
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        target = targets.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        names[part] = str(sheet.get("name", ""))
    return names


def _budget_error(count: PartCount, limits: SheetLimits, archive: zipfile.ZipFile) -> PayloadTooLarge:
    sheet = _sheet_names(archive).get(count.name)
    where = f"工作表“{sheet}”的" if sheet else f"部件 {count.name[:80]} 的"
    if count.rows > limits.max_rows:
        what = f"行数（含空行）超过本接口的上限 {limits.max_rows:,} 行"
    elif count.cells > limits.max_cells:
        what = f"单元格（含空单元格）超过本接口的上限 {limits.max_cells:,} 个"
    elif count.strings > limits.max_strings:
        what = f"共享字符串（文本条目）超过本接口的上限 {limits.max_strings:,} 个"
    else:
        what = f"XML 元素超过本接口的上限 {limits.max_elements:,} 个"
    return PayloadTooLarge(f"文件的{where}{what}：{limits.remedy}", loc=FILE_LOC)


def check_parts(archive: zipfile.ZipFile, limits: SheetLimits) -> tuple[PartCount, ...]:
    """Every part scanned (scan_part); PayloadTooLarge naming the sheet over the budget."""
    counts = []
    for entry in archive.infolist():
        count = scan_part(archive, entry, limits)
        if _over_budget(count, limits):
            raise _budget_error(count, limits, archive)
        counts.append(count)
    return tuple(counts)
