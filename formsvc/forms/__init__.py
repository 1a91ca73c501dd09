"""The catalogue of official forms: form id → its FormSpec."""

from __future__ import annotations

from ..documents import Document
from ..errors import NotFound
from . import (
    committee_filing,
    crossover_application,
    crossover_summary,
    pledge,
    post_quota,
    title_history,
)
from .base import FormModel, FormSpec, Validated

#: in catalogue order
FORMS: dict[str, FormSpec] = {
    spec.id: spec
    for spec in (
        pledge.SPEC,
        post_quota.SPEC,
        committee_filing.SPEC,
        title_history.SPEC,
        crossover_application.SPEC,
        crossover_summary.SPEC,
    )
}


def get_form(form_id: str) -> FormSpec:
    try:
        return FORMS[form_id]
    except KeyError:
        raise NotFound(f"没有这张表：{form_id}", loc=("form",)) from None


__all__ = ["FORMS", "Document", "FormModel", "FormSpec", "Validated", "get_form"]
