"""Each form's catalogue entry stands in its folder (form_templates/<id>/form.toml); one that is
missing or lacks a key stops the service at start with the file named, not a bare KeyError."""

from __future__ import annotations

import pytest

from formsvc.errors import SetupError
from formsvc.forms import FORMS, catalogue


def test_every_form_is_entered_as_its_folder_describes_it():
    for form_id, spec in FORMS.items():
        entry = catalogue.catalogue_entry(form_id)
        assert (spec.title, spec.source, spec.purpose, spec.formats) == (
            entry.title, entry.source, entry.purpose, entry.formats)


@pytest.mark.parametrize(("toml", "named"), [
    (None, "FileNotFoundError"),
    ('title = "诚信承诺书"\nsource = "咸职改办〔2024〕12号 附件2"\nformats = ["pdf"]\n',
     "KeyError: 'purpose'"),
    ('title = "诚信承诺书\n', "TOMLDecodeError"),
], ids=["missing", "a-key-missing", "not-toml"])
def test_a_broken_entry_is_a_setup_error_naming_its_file(tmp_path, monkeypatch, toml, named):
    folder = tmp_path / "pledge"
    folder.mkdir()
    if toml is not None:
        (folder / "form.toml").write_text(toml, encoding="utf-8")
    monkeypatch.setattr(catalogue, "FORM_TEMPLATES", tmp_path)
    catalogue.catalogue_entry.cache_clear()
    try:
        with pytest.raises(SetupError) as raised:
            catalogue.catalogue_entry("pledge")
    finally:
        monkeypatch.undo()
        catalogue.catalogue_entry.cache_clear()
    assert str(folder / "form.toml") in str(raised.value) and named in str(raised.value)
