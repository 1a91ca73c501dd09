"""Excel output from the template kept in memory (render/xlsx.py) is the workbook that reading the
template file again gives."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from formsvc.forms import FORMS
from formsvc.render import xlsx

from ..helpers import sample

XLSX_FORMS = [form_id for form_id, spec in FORMS.items() if "xlsx" in spec.formats]


def parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        # docProps/core.xml holds the time the file was written
        return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}


class _Reread:
    """pickle as xlsx uses it, but every workbook read from the template file afresh (and nothing
    kept: dumps gives empty bytes, which loads ignores)."""

    def __init__(self, path) -> None:
        self.path = path

    def loads(self, _data: bytes):
        return load_workbook(self.path)

    dumps = staticmethod(lambda workbook: b"")


@pytest.mark.parametrize("form_id", XLSX_FORMS)
def test_a_workbook_filled_from_the_kept_template_is_the_one_from_the_file(client, app, form_id,
                                                                           monkeypatch):
    url = f"/api/v1/forms/{form_id}/render?format=xlsx"
    data = sample(form_id)
    kept = [client.post(url, json=data) for _ in range(2)]  # the second from what the first kept
    assert all(response.status_code == 200 for response in kept)
    path = xlsx.RenderSettings.of(app).templates(form_id).path("form.xlsx")
    monkeypatch.setattr(xlsx, "pickle", _Reread(path))
    xlsx._template.cache_clear()
    try:
        reread = client.post(url, json=data)
    finally:
        xlsx._template.cache_clear()  # what _Reread kept is nothing any later render may find
    assert reread.status_code == 200
    assert parts(kept[0].data) == parts(kept[1].data) == parts(reread.data)


def test_a_kept_template_unpickles_with_its_dimensions_bound_to_their_sheets(app):
    path = xlsx.RenderSettings.of(app).templates("title-history").path("form.xlsx")
    fresh = load_workbook(path)
    kept = xlsx.pickle.loads(xlsx._template(path, path.stat().st_mtime_ns))
    xlsx.rebind(kept)
    for before, after in zip(fresh.worksheets, kept.worksheets, strict=True):
        for name in ("row_dimensions", "column_dimensions"):
            dimensions = getattr(after, name)
            assert dimensions.worksheet is after
            assert dimensions.default_factory.__func__ is getattr(before, name).default_factory.__func__
        after.row_dimensions.group(5, 9, outline_level=1)  # what reaches the sheet through them
        assert after.row_dimensions[5].outline_level == 1
