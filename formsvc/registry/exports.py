"""The office's lists as Excel: the register (a search's every page) and a batch's issued list.

An identity number is exported masked unless the operator asks for it in full, and every export
is a line in the audit log saying who exported which list, how many rows, and masked or full:
a file of full identity numbers leaves the registry's protection, so it must be accountable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..identity import mask_identity_number
from ..render.xlsx_table import table
from . import audit
from .models import STATUS_TEXT
from .records import CertificateRecord, RegistrySettings
from .search import BatchEntry

#: how identity numbers are exported, by the operator's choice, and how the audit log says it
ID_NUMBERS: dict[str, str] = {"masked": "部分隐藏", "full": "完整"}


@dataclass(frozen=True)
class Column:
    label: str
    width: float
    value: Callable[[CertificateRecord, RegistrySettings, bool], Any]


def _id_number(certificate: CertificateRecord, _settings: RegistrySettings, full: bool) -> str:
    record = certificate.record
    return record.id_number if full else mask_identity_number(record.id_number, record.document_type)


#: the columns of every exported list, in order
COLUMNS: tuple[Column, ...] = (
    Column("证书编号", 18, lambda c, _s, _f: c.number),
    Column("姓名", 12, lambda c, _s, _f: c.record.name),
    Column("证件号码", 22, _id_number),
    Column("职称名称", 16, lambda c, _s, _f: c.record.title),
    Column("状态", 8, lambda c, _s, _f: STATUS_TEXT[c.status]),
    Column("查验地址", 60, lambda c, s, _f: c.verify_url(s)),
)
#: a batch's list says, too, whether the batch issued the certificate or found it issued before
BATCH_COLUMN = ("本批", 12)
BATCH_TEXT = {True: "新签发", False: "此前已签发"}


@dataclass(frozen=True)
class Export:
    """An exported list: the file and how many certificates it holds."""

    content: bytes
    rows: int


def _counted(rows: Iterable[list[Any]], counter: list[int]) -> Iterator[list[Any]]:
    for row in rows:
        counter[0] += 1
        yield row


def _write(title: str, headers: list[tuple[str, float]], rows: Iterable[list[Any]]) -> Export:
    counter = [0]
    content = table(title, headers, _counted(rows, counter))
    return Export(content, counter[0])


def _values(certificate: CertificateRecord, settings: RegistrySettings, full: bool) -> list[Any]:
    return [column.value(certificate, settings, full) for column in COLUMNS]


def _headers() -> list[tuple[str, float]]:
    return [(column.label, column.width) for column in COLUMNS]


def register(session: Session, certificates: Iterable[CertificateRecord], *, settings: RegistrySettings,
             full: bool, actor: str, filters: Mapping[str, str]) -> Export:
    """The register's rows as a workbook, and its audit line (filters: the search, as the office
    reads it)."""
    export = _write("证书清单", _headers(), (_values(c, settings, full) for c in certificates))
    searched = "；".join(f"{key}：{value}" for key, value in filters.items())
    _audit(session, actor, "register", export, full, filters=searched or "全部证书")
    return export


def batch(session: Session, entries: Iterable[BatchEntry], *, job_id: str, source: str,
          settings: RegistrySettings, full: bool, actor: str) -> Export:
    """A batch's list as a workbook, in sheet order, and its audit line."""
    rows = ([*_values(e.certificate, settings, full), BATCH_TEXT[e.created]] for e in entries)
    export = _write("本批证书", [*_headers(), BATCH_COLUMN], rows)
    _audit(session, actor, "batch", export, full, job=job_id, source=source)
    return export


#: the lists an export may be of, as the audit log names them
LISTS: dict[str, str] = {"register": "证书查询结果", "batch": "批次证书清单"}


def _audit(session: Session, actor: str, kind: str, export: Export, full: bool, **detail: Any) -> None:
    audit.record(session, actor, "export", None, list=LISTS[kind], rows=export.rows,
                 id_numbers=ID_NUMBERS["full" if full else "masked"], **detail)
    session.commit()
