"""Rules shared by every form that lists people: the identity number against 性别 and 出生日期."""

from __future__ import annotations

import datetime as dt

from ..errors import Loc
from ..identity import RESIDENT_ID_TYPES, check_identity
from .base import FindingsBuilder


def check_person(
    found: FindingsBuilder,
    loc: Loc,
    *,
    document_type: str | None,
    number: str | None,
    gender: str | None,
    birth_date: dt.date | None,
    labels: dict[str, str],
    fields: dict[str, str] | None = None,
) -> None:
    """Check one person's identity fields; problems go to loc + the field's name.

    labels maps "number", "gender", "birth_date" to the form's official labels (证件号码 or
    证件号), fields maps them to the form's field names when those differ.
    """
    names = {"number": "id_number", "gender": "gender", "birth_date": "birth_date"}
    names.update(fields or {})
    if document_type is None or number is None:
        return  # the type or the number is itself wrong: its own error says so
    if document_type in RESIDENT_ID_TYPES:
        result = check_identity(document_type, number, gender=gender, birth_date=birth_date)
        for message in result.errors:
            found.error((*loc, names["number"]), f"{labels['number']}{message}")
        for message in result.warnings:
            found.warn((*loc, names["number"]), f"{labels['number']}{message}")
        for key, message in result.mismatches.items():
            found.error((*loc, names[key]), f"{labels[key]}{message}")
    else:
        for key in ("gender", "birth_date"):
            if (gender if key == "gender" else birth_date) is None:
                found.error((*loc, names[key]), f"证件类型不是身份证时，{labels[key]}为必填项")
