"""The catalogue of official forms: form id → its FormSpec."""

from __future__ import annotations

from ..errors import NotFound
from . import pledge, post_quota
from .base import Document, FormModel, FormSpec, Validated

FORMS: dict[str, FormSpec] = {spec.id: spec for spec in (pledge.SPEC, post_quota.SPEC)}


def get_form(form_id: str) -> FormSpec:
    try:
        return FORMS[form_id]
    except KeyError:
        raise NotFound(f"没有这张表：{form_id}", loc=("form",)) from None


__all__ = ["FORMS", "Document", "FormModel", "FormSpec", "Validated", "get_form"]
