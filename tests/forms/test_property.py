"""The promise of every form, tested with generated data: what /validate accepts renders in every
format with every value on the page, whole; what it refuses, render refuses with the same errors.

Values are generated at, below and just above their schema limits, in long Chinese text with rare
characters (䶮), with the longest lists; example counts are bounded and derandomized, so the
whole run takes about 40 s of one core.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from formsvc.forms import get_form

from ..helpers import flat, pdf_text, sample

#: common hanzi, rare ones beyond GB 2312, and digits (which some fields refuse: the 422 path)
ALPHABET = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
            "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小"
            "物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形"
            "龚䶮喆堃玥0123456789")

#: per form: the text fields generated (a path whose numbers index lists), and the lists that
#: are grown to the given lengths by repeating their first item
FIELDS: dict[str, tuple[str, ...]] = {
    "pledge": ("unit", "applicants.0.name", "applicants.0.series", "applicants.0.speciality",
               "applicants.0.qualification"),
    "post-quota": ("unit", "supervisor_opinion", "personnel_opinion", "applicants.0.name",
                   "applicants.0.speciality"),
    "committee-filing": ("city", "name", "scope", "level", "organizer", "office", "address",
                         "head", "head_post", "rules_detail", "practice"),
    "title-history": ("rows.0.name", "rows.0.series", "rows.0.speciality", "rows.0.title",
                      "rows.0.committee", "rows.0.approver", "rows.0.approval_number"),
    "crossover-application": ("name", "unit", "title_series", "title_speciality", "occupation"),
    "crossover-summary": ("unit", "rows.0.name", "rows.0.occupation", "rows.0.condition",
                          "rows.0.experience", "rows.0.unit", "rows.0.address",
                          "rows.0.original_number"),
}
LISTS: dict[str, tuple[str, tuple[int, ...]]] = {
    "pledge": ("applicants", (1, 3)),
    "post-quota": ("applicants", (9, 300, 501)),
    "title-history": ("rows", (1, 60)),
    "crossover-summary": ("rows", (1, 30)),
}


def _parts(path: str) -> list[str | int]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def _field_info(model: Any, path: str) -> Any:
    """The pydantic FieldInfo at a data path of the form's model."""
    from formsvc.forms.base import _inner_models

    current, info = model, None
    for part in _parts(path):
        if isinstance(part, int):
            continue
        info = current.model_fields[part]
        current = next(iter(_inner_models(info.annotation)), None)
    return info


def limit(model: Any, path: str) -> int:
    """The field's max_length, as its schema publishes it."""
    info = _field_info(model, path)
    lengths = [m.max_length for m in info.metadata if hasattr(m, "max_length")]
    assert lengths, path
    return min(lengths)


def _set(data: Any, path: str, value: Any) -> None:
    *parents, last = _parts(path)
    for part in parents:
        data = data[part]
    data[last] = value


@st.composite
def form_data(draw: Any, form_id: str) -> tuple[dict, list[str]]:
    """The sample with its text fields generated around their limits; the generated values."""
    model = get_form(form_id).model
    data = copy.deepcopy(sample(form_id))
    values = []
    for path in FIELDS[form_id]:
        if not draw(st.booleans()):
            continue
        most = limit(model, path)
        length = draw(st.sampled_from((most, most - 1, most + 1, draw(st.integers(1, most)))))
        value = draw(st.text(st.sampled_from(ALPHABET), min_size=length, max_size=length))
        _set(data, path, value)
        values.append(value)
    if form_id in LISTS:
        field, lengths = LISTS[form_id]
        count = draw(st.sampled_from(lengths))
        data[field] = (data[field] * count)[:count] if count <= len(data[field]) else \
            data[field] + [copy.deepcopy(data[field][0]) for _ in range(count - len(data[field]))]
    return data, values


# --- text of each format ------------------------------------------------------------------------

def _docx_text(content: bytes) -> str:
    """A Word file's table cells, then its paragraphs (where a 附页 continues a box)."""
    document = Document(io.BytesIO(content))
    parts = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts.extend(p.text for p in document.paragraphs)
    return "\n".join(parts)


def text_of(content: bytes, extension: str) -> list[str]:
    """The text of the output, one string per document (a ZIP of Word files holds several)."""
    if extension == "pdf":
        return ["".join(pdf_text(content))]
    if extension == "xlsx":
        workbook = load_workbook(io.BytesIO(content))
        return ["\n".join(str(c.value) for sheet in workbook.worksheets for row in sheet.iter_rows()
                          for c in row if c.value is not None)]
    if content[:2] == b"PK" and b"word/document.xml" not in content[:2000]:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "word/document.xml" not in archive.namelist():
                return [_docx_text(archive.read(name)) for name in archive.namelist()]
    return [_docx_text(content)]


def holds(text: str, value: str) -> bool:
    """The value is in the text whole, or continued from a box onto its 附页: the box's text ends
    with its beginning and says where the rest is, and that 附页 starts with the rest."""
    text, value = flat(text), flat(value)
    if value in text:
        return True
    for marker in re.finditer(r"（续见附页(\d+)）", text):
        before = text[:marker.start()]
        heading = re.search(rf"附页{marker[1]}[^（）]*（续）", text)
        if heading is None:
            continue
        for cut in range(len(value) - 1, 0, -1):
            if before.endswith(value[:cut]):
                return text[heading.end():].startswith(value[cut:])
    return False


SETTINGS = settings(max_examples=8, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])


def check(client: Any, form_id: str, data: dict, values: Sequence[str]) -> None:
    url = f"/api/v1/forms/{form_id}"
    validated = client.post(f"{url}/validate", json=data).get_json()
    for extension in get_form(form_id).formats:
        response = client.post(f"{url}/render?format={extension}", json=data)
        if validated["errors"]:
            assert response.status_code == 422, (extension, validated["errors"])
            assert response.get_json()["errors"] == validated["errors"], extension
            continue
        assert response.status_code == 200, (extension, response.get_json())
        documents = text_of(response.data, extension)
        for value in values:
            # a pledge's applicant is in the first of its documents
            assert holds(documents[0], value), (extension, value)


@pytest.mark.parametrize("form_id", sorted(FIELDS))
def test_what_validates_renders_whole_and_what_does_not_is_refused_alike(client, form_id):
    @SETTINGS
    @given(form_data(form_id))
    def run(generated: tuple[dict, list[str]]) -> None:
        check(client, form_id, *generated)

    run()
