"""Finding certificates for the office: by certificate number, identity number, or name."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .models import Certificate
from .records import CertificateRecord, certificate_record
from .scope import Scope

SEARCH_LIMIT = 100


def search(session: Session, text: str, *, scope: Scope,
           limit: int = SEARCH_LIMIT) -> list[CertificateRecord]:
    """Certificates of scope whose number or identity number is text (any case), or whose name
    contains it.

    Newest first. A number is matched whole: a clerk types it from a certificate or a sheet. A name
    is matched in part, as people are asked for by surname as often as by full name.
    """
    text = "".join(text.split())
    if not text:
        return []
    # LIKE wildcards in the input are literal characters of a name, never patterns
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = (
        scope.certificates(select(Certificate))
        .where(or_(
            Certificate.number == text.upper(),
            Certificate.id_number == text.upper(),
            Certificate.name.like(pattern, escape="\\"),
        ))
        .order_by(Certificate.id.desc())
        .limit(limit)
    )
    return [certificate_record(row) for row in session.scalars(query)]
