"""Word output: docxtpl's cleaning of a template's XML is done once per part, not per render."""

from __future__ import annotations

import io

from docx import Document
from docxtpl import DocxTemplate

from formsvc.render import docx

from ..helpers import sample


def test_each_part_is_cleaned_once_and_the_file_is_docxtpls_own(client, monkeypatch):
    url = "/api/v1/forms/post-quota/render?format=docx"
    data = sample("post-quota")
    first = client.post(url, json=data)
    assert first.status_code == 200
    cleaned: list[int] = []
    original = DocxTemplate.patch_xml

    def counting(self, src_xml):
        cleaned.append(len(src_xml))
        return original(self, src_xml)

    monkeypatch.setattr(DocxTemplate, "patch_xml", counting)
    again = client.post(url, json=data).data
    assert cleaned == []  # every part's cleaned XML was kept from the first render
    docx._patched.clear()
    fresh = client.post(url, json=data).data
    assert cleaned  # cleaned again once forgotten, and the same document either way
    texts = ["\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
             + "".join(c.text for t in Document(io.BytesIO(content)).tables
                       for r in t.rows for c in r.cells)
             for content in (first.data, again, fresh)]
    assert texts[0] == texts[1] == texts[2]
    assert data["unit"] in texts[0]
