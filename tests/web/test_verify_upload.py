"""Verification by upload on a phone (390×844): choose a certificate PDF on /verify, see the result."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..helpers import screenshot
from .a11y import check_page
from .test_office_pages import issue_samples

pytestmark = pytest.mark.browser


def signed_certificate(live_server, certificate) -> bytes:
    from formsvc.documents import RenderSettings
    from formsvc.registry import printing, records
    from formsvc.signing import signed_pdf

    app = live_server.app
    with app.app_context():
        settings = records.RegistrySettings.from_config(app.config)
        seal = printing.seal_from_config(app.config)
        rendered = printing.render_certificates([certificate], settings, seal,
                                                rendering=RenderSettings.of(app))
        return signed_pdf(certificate, settings, rendered.content, app)


def test_uploading_a_certificate_on_a_phone_shows_the_result_point_by_point(phone_page, live_server,
                                                                            tmp_path: Path):
    certificate = issue_samples(live_server)[4]
    path = tmp_path / f"职称证书-{certificate.number}.pdf"
    # Playwright's event loop owns this thread, and pyHanko signs with asyncio.run: sign in another
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        path.write_bytes(pool.submit(signed_certificate, live_server, certificate).result())
    response = phone_page.goto(live_server("/verify"))
    check_page(phone_page, response, keyboard=["证书编号", "姓名", "证书 PDF 文件"])
    phone_page.get_by_label("证书 PDF 文件").set_input_files(str(path))
    with phone_page.expect_navigation() as navigation:
        phone_page.get_by_role("button", name="上传查验").click()
    result = phone_page.locator(".document-check")
    expect(result).to_contain_text("真实有效")
    points = phone_page.locator(".document-point")
    expect(points).to_have_count(3)
    expect(points.nth(0)).to_contain_text("证书链可信")
    expect(points.nth(1)).to_contain_text("签名后未被修改")
    expect(points.nth(2)).to_contain_text(certificate.number)
    expect(points.nth(2)).to_contain_text("有效")
    # nothing wider than the phone: the page does not scroll sideways
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "verify-phone-upload")
    check_page(phone_page, navigation.value)

    # a file that is no PDF is answered beside the file box
    path.write_bytes(b"not a certificate")
    phone_page.get_by_label("证书 PDF 文件").set_input_files(str(path))
    phone_page.get_by_role("button", name="上传查验").click()
    expect(phone_page.locator("#file-error")).to_contain_text("不是 PDF")
