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


#: the specimen seal's ink (make_seal.RED, #c81020) as a PDF colour (its ring's stroke, its fill)
SEAL_INK = b"0.784314 0.062745 0.12549 "


def _drawings(page) -> tuple[bytes, list[bytes]]:
    """A page's own content, and the contents of the forms it draws."""
    forms = []
    for xobject in page["/Resources"].get("/XObject", {}).values():
        xobject = xobject.get_object()
        if xobject["/Subtype"] == "/Form":
            forms.append(xobject.get_data())
    return page.get_contents().get_data(), forms


def test_the_seal_is_drawn_once_however_many_pages_show_it(registry_app, settings, three):
    with registry_app.app_context():
        rendered = printing.render_certificates(three, settings, printing.Seal.from_file(SEAL),
                                                rendering=RenderSettings.of(registry_app))
    reader = PdfReader(io.BytesIO(rendered.content))
    layers = set()
    for page in reader.pages:
        own, forms = _drawings(page)
        # the seal is in the layer all certificates share, drawn beneath each page, not on it
        assert SEAL_INK not in own
        assert [form.count(SEAL_INK) > 0 for form in forms] == [True]
        layers |= {page["/Resources"]["/XObject"].raw_get(n).idnum for n in page["/Resources"]["/XObject"]}
    assert len(layers) == 1
    # a vector drawing: no image in the file at all
    assert b"/Image" not in rendered.content


def test_without_a_seal_nothing_is_drawn_in_its_place(registry_app, settings, three):
    with registry_app.app_context():
        rendered = printing.render_certificates(three[:1], settings, None,
                                                rendering=RenderSettings.of(registry_app))
        sealed = printing.render_certificates(three[:1], settings, printing.Seal.from_file(SEAL),
                                              rendering=RenderSettings.of(registry_app))
    contents = [PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
                for pdf in (rendered.content, sealed.content)]
    assert SEAL_INK not in contents[0] and SEAL_INK in contents[1]


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


def test_the_specimen_seal_is_marked_as_such_and_is_a_vector_drawing():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_seal", SEAL.parents[2] / "form_templates" / "certificate" / "make_seal.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # the maker draws 样章 and 非真实印章 into it (form_templates/certificate/make_seal.py), as outlines
    assert module.CENTRE_TEXT == "样章" and module.BOTTOM_TEXT == "非真实印章"
    drawing = SEAL.read_text(encoding="utf-8")
    assert module.draw_seal() == drawing
    assert "<title>样章 非真实印章</title>" in drawing
    assert "<image" not in drawing and "<text" not in drawing and "<path d=" in drawing


def test_a_reprint_is_drawn_with_the_instance_certificate_template(registry_app, client, auth, issued):
    # the same override a bulk job prints with (tests/jobs/test_jobs.py): one template per instance
    override_template(registry_app, "certificate", "本地证书样式")
    response = client.get(issued["links"]["pdf"], headers=auth)
    assert response.status_code == 200, response.get_json()
    [page] = pdf_text(response.data)
    assert flat(page).startswith(f"本地证书样式职称证书-{issued['number']}-")


def test_200_certificates_print_every_number_whole_on_one_line(registry_app, session, settings):
    """Issued from 200 rows of a 采集表: each page's 证书编号, 证件号码 and 批准文号 unbroken."""
    results = issuing.issue_many(session, [request_for(i) for i in range(200)],
                                 scope=WHOLE_REGISTRY, actor="批量", settings=settings)
    certificates = [r.certificate for r in results]
    with registry_app.app_context():
        rendered = printing.render_certificates(certificates, settings, None,
                                                rendering=RenderSettings.of(registry_app))
    pages = pdf_text(rendered.content)
    assert len(pages) == 200
    for page, certificate in zip(pages, certificates, strict=True):
        lines = page.splitlines()
        for value in (certificate.number, certificate.record.id_number,
                      certificate.record.approval_number):
            assert any(value in line for line in lines), (value, certificate.number)
