"""WeasyPrint with what it remade for every line, border and color kept (render/layoutcache.py)
prints every form byte for byte as WeasyPrint's own code does."""

from __future__ import annotations

import pytest
import weasyprint

from formsvc import produce
from formsvc.documents import FORM_TEMPLATES
from formsvc.forms import FORMS
from formsvc.render import layoutcache, pdf

from ..helpers import sample

#: the forms WeasyPrint prints (a listing's form.typ is set by Typst)
PDF_FORMS = [form_id for form_id, spec in FORMS.items()
             if "pdf" in spec.formats and (FORM_TEMPLATES / form_id / pdf.TEMPLATE).is_file()]


def renders(client, url: str, data: dict | None) -> bytes:
    response = client.post(url, json=data) if data is not None else client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.data


@pytest.mark.parametrize("form_id", PDF_FORMS)
@pytest.mark.parametrize("blank", [False, True], ids=["sample", "blank"])
def test_every_form_prints_the_same_bytes_as_weasyprint_alone(client, form_id, blank):
    if blank:
        url, data = f"/api/v1/forms/{form_id}/blank?format=pdf", None
    else:
        url, data = f"/api/v1/forms/{form_id}/render?format=pdf", sample(form_id)
    ours = renders(client, url, data)
    assert weasyprint.text.line_break.Layout.setup is layoutcache._setup
    assert weasyprint.formatting_structure.build.collapse_table_borders is (
        layoutcache._collapse_table_borders)
    try:
        layoutcache.uninstall()
        produce._blank.cache_clear()  # a blank form is rendered again, not served as kept
        theirs = renders(client, url, data)
    finally:
        assert layoutcache.install()
    assert ours == theirs


def test_a_long_table_over_pages_prints_the_same_bytes(client):
    data = sample("post-quota")
    data = {**data, "applicants": data["applicants"] * 40}
    url = "/api/v1/forms/post-quota/render?format=pdf"
    ours = renders(client, url, data)
    try:
        layoutcache.uninstall()
        theirs = renders(client, url, data)
    finally:
        layoutcache.install()
    assert ours == theirs


def test_an_unknown_weasyprint_keeps_its_own_code(monkeypatch):
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    try:
        layoutcache.uninstall()
        assert not layoutcache.install()
        assert weasyprint.text.line_break.Layout.setup is layoutcache._original_setup
    finally:
        monkeypatch.undo()
        assert layoutcache.install()
