"""Certificates as print: many in one PDF, one per page, each page with its own QR code and the seal once."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from formsvc.documents import RenderSettings
from formsvc.errors import SetupError
from formsvc.registry import issuing, printing
from formsvc.registry.scope import WHOLE_REGISTRY

from ..helpers import SEAL, flat, override_template, pdf_qr_codes, pdf_text, request_for


@pytest.fixture
def three(session, settings):
    results = issuing.issue_many(session, [request_for(i) for i in (1, 2, 3)], scope=WHOLE_REGISTRY,
                                 actor="批量", settings=settings)
    return [r.certificate for r in results]


def test_several_certificates_print_one_per_page_in_order(registry_app, settings, three):
    with registry_app.app_context():
        rendered = printing.render_certificates(three, settings, printing.Seal.from_file(SEAL),
                                                rendering=RenderSettings.of(registry_app))
    pages = pdf_text(rendered.content)
    assert len(pages) == 3
    for page, certificate in zip(pages, three, strict=True):
        assert certificate.number in flat(page)
        assert certificate.record.approval_number in flat(page)
    codes = pdf_qr_codes(rendered.content)
    assert [[qr.text for qr in page] for page in codes] == [
        [c.verify_url(settings)] for c in three
    ]


def test_the_seal_is_embedded_once_however_many_pages_show_it(registry_app, settings, three):
    with registry_app.app_context():
        rendered = printing.render_certificates(three, settings, printing.Seal.from_file(SEAL),
                                                rendering=RenderSettings.of(registry_app))
    reader = PdfReader(io.BytesIO(rendered.content))

    def images(xobjects) -> set[int]:
        # the seal may sit in a form the page draws (the layer all certificates share)
        found = set()
        for name in xobjects:
            xobject = xobjects[name].get_object()
            if xobject["/Subtype"] == "/Image":
                found.add(xobjects.raw_get(name).idnum)
            elif xobject["/Subtype"] == "/Form":
                found |= images(xobject["/Resources"].get("/XObject", {}))
        return found

    per_page = [images(page["/Resources"]["/XObject"]) for page in reader.pages]
    assert len(per_page) == 3 and len(set.union(*per_page)) == 1 and all(per_page)


def test_without_a_seal_nothing_is_drawn_in_its_place(registry_app, settings, three):
    with registry_app.app_context():
        rendered = printing.render_certificates(three[:1], settings, None,
                                                rendering=RenderSettings.of(registry_app))
    resources = PdfReader(io.BytesIO(rendered.content)).pages[0]["/Resources"]
    xobjects = resources.get("/XObject", {})
    assert [name for name in xobjects if xobjects[name].get_object()["/Subtype"] == "/Image"] == []


@pytest.mark.parametrize(("name", "content", "message"), [
    ("seal.gif", b"GIF89a", "印章图片应为 PNG、JPEG 或 SVG 文件"),
    ("missing.png", None, "无法读取印章图片"),
])
def test_a_seal_that_cannot_be_used_is_a_setup_error(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SetupError, match=message):
        printing.Seal.from_file(path)


def test_the_specimen_seal_is_marked_as_such():
    from PIL import Image

    image = Image.open(SEAL)
    assert image.size == (496, 496) and image.mode == "RGBA"
    # the maker draws 样章 and 非真实印章 into it (form_templates/certificate/make_seal.py)
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_seal", SEAL.parents[2] / "form_templates" / "certificate" / "make_seal.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.CENTRE_TEXT == "样章" and module.BOTTOM_TEXT == "非真实印章"
    assert module.draw_seal().tobytes() == image.tobytes()


def test_a_reprint_is_drawn_with_the_instance_certificate_template(registry_app, client, auth, issued):
    # the same override a bulk job prints with (tests/jobs/test_jobs.py): one template per instance
    override_template(registry_app, "certificate", "本地证书样式")
    response = client.get(issued["links"]["pdf"], headers=auth)
    assert response.status_code == 200, response.get_json()
    [page] = pdf_text(response.data)
    assert flat(page).startswith(f"本地证书样式职称证书-{issued['number']}-")
