"""The sheet-import forms: their own blank template, filled with their sample, imports back whole."""

from __future__ import annotations

import pytest

from formsvc.forms import get_form

from ..helpers import blank_template, fill, sample, sample_rows, upload


@pytest.mark.parametrize(("form_id", "first_row"), [("title-history", 3), ("crossover-summary", 4)])
def test_the_blank_template_filled_with_the_sample_round_trips(client, form_id, first_row):
    content = fill(blank_template(client, form_id), sample_rows(form_id))
    response = upload(client, form_id, content)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    expected = get_form(form_id).validate(sample(form_id)).model.model_dump(mode="json")["rows"]
    assert body["rows"] == expected
    # the rows right below the header, in sheet order
    assert body["row_numbers"] == list(range(first_row, first_row + len(expected)))
    assert body["errors"] == [] and body["warnings"] == []
    # a character outside the basic CJK block survives the sheet both ways
    assert body["rows"][0]["name"] == "李䶮"
