"""The office pages and the public verification pages in a real browser: log in, find, revoke, verify."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import sample
from .a11y import check_page
from .conftest import OFFICE_USER, log_in, screenshot

pytestmark = pytest.mark.browser


def issue_samples(live_server):
    """The title-history sample's records as certificates of the live server's registry."""
    from formsvc import db
    from formsvc.forms.title_history import TitleRecord
    from formsvc.registry import service

    app = live_server.app
    with app.app_context():
        settings = service.RegistrySettings.from_config(app.config)
        return [
            service.issue(db.session(), service.CertificateRequest(TitleRecord.model_validate(row)),
                          actor="test", settings=settings).certificate
            for row in sample("title-history")["rows"]
        ]


def test_login_refuses_a_wrong_password_and_keeps_where_the_clerk_was_going(page, live_server):
    page.goto(live_server("/office/audit"))
    assert page.url.startswith(live_server("/office/login"))
    response = page.goto(page.url)
    screenshot(page, "office-login")
    check_page(page, response, keyboard=["用户名", "密码", "登录"])
    page.get_by_label("用户名").fill(OFFICE_USER[0])
    page.get_by_label("密码").fill("not the password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确")
    page.get_by_label("密码").fill(OFFICE_USER[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server("/office/audit"))
    expect(page.get_by_role("heading", level=1)).to_have_text("审计日志")
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_text("已退出登录")).to_be_visible()
    page.goto(live_server("/office/"))
    assert page.url.startswith(live_server("/office/login"))


def test_a_login_never_sends_the_clerk_off_the_site(page, live_server):
    page.goto(live_server("/office/login?next=//evil.example/office/"))
    page.get_by_label("用户名").fill(OFFICE_USER[0])
    page.get_by_label("密码").fill(OFFICE_USER[1])
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server("/office/"))


def test_search_revoke_with_confirmation_audit_and_public_verification(page, phone_page, live_server):
    certificates = issue_samples(live_server)
    target, other = certificates[0], certificates[1]
    log_in(page, live_server)
    response = page.goto(live_server("/office/"))
    screenshot(page, "office-index")
    check_page(page, response, keyboard=["证书查询", "审计日志", "退出登录"])

    surname = target.record.name[0]
    page.get_by_label("姓名、证书编号或证件号码").fill(surname)
    page.get_by_role("button", name="查询").click()
    table = page.locator("table.data")
    expect(table.get_by_role("link", name=target.number)).to_be_visible()
    response = page.goto(page.url)  # the result page itself gets the smoke check
    screenshot(page, "office-search")
    check_page(page, response)

    page.get_by_role("link", name=target.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(target.record.name)
    # no reason, no revocation: the error is beside the box
    page.get_by_role("button", name="下一步：确认撤销").click()
    expect(page.locator("#reason-msg")).to_have_text("请填写撤销原因")
    reason = "经复核，申报材料中的论文存在抄袭"
    page.get_by_label("撤销原因").fill(reason)
    page.get_by_role("button", name="下一步：确认撤销").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("确认撤销证书？")
    expect(page.locator("[data-reason]")).to_have_text(reason)
    screenshot(page, "office-revoke-confirm")
    # backing out changes nothing
    page.get_by_role("link", name="取消").click()
    expect(page.locator(".status--valid").first).to_be_visible()
    page.get_by_label("撤销原因").fill(reason)
    page.get_by_role("button", name="下一步：确认撤销").click()
    page.get_by_role("button", name="确认撤销").click()
    expect(page.get_by_text(f"证书 {target.number} 已撤销")).to_be_visible()
    expect(page.locator(".status--revoked").first).to_be_visible()
    screenshot(page, "office-certificate-revoked")

    response = page.goto(live_server("/office/audit"))
    line = page.locator("table.data tbody tr").filter(has_text="撤销证书").first
    expect(line).to_contain_text(target.number)
    expect(line).to_contain_text(f"office:{OFFICE_USER[0]}")
    expect(line).to_contain_text(reason)
    screenshot(page, "office-audit")
    check_page(page, response)

    # the public sees it at once: the phone that scans the QR code
    response = phone_page.goto(live_server(f"/v/{target.code}"))
    expect(phone_page.locator(".verify-status")).to_contain_text("已撤销")
    expect(phone_page.locator(".verify-status")).to_contain_text(reason)
    screenshot(phone_page, "verify-phone-revoked")
    check_page(phone_page, response)
    response = phone_page.goto(live_server(f"/v/{other.code}"))
    expect(phone_page.locator(".verify-status")).to_contain_text("有效")
    text = phone_page.locator("main").inner_text()
    assert other.record.id_number not in text and other.record.id_number[-4:] in text
    assert other.record.birth_date.isoformat() not in text
    fits = phone_page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the verification page scrolls sideways on a 390 px phone"
    screenshot(phone_page, "verify-phone-valid")
    check_page(phone_page, response)


def test_verify_look_up_on_a_phone(phone_page, live_server):
    certificate = issue_samples(live_server)[2]
    response = phone_page.goto(live_server("/verify"))
    check_page(phone_page, response, keyboard=["证书编号", "姓名"])
    phone_page.get_by_label("证书编号").fill(certificate.number)
    phone_page.get_by_label("姓名").fill(certificate.record.name)
    phone_page.get_by_role("button", name="查验").click()
    expect(phone_page.locator(".verify-status")).to_contain_text("有效")
    screenshot(phone_page, "verify-phone-look-up")


def test_a_forged_form_post_is_refused(page, live_server):
    certificate = issue_samples(live_server)[3]
    log_in(page, live_server)
    page.goto(live_server(f"/office/certificates/{certificate.number}"))
    page.locator("form[action$='/revoke'] input[name=csrf_token]").evaluate("el => el.value = 'forged'")
    page.get_by_label("撤销原因").fill("伪造的请求")
    page.get_by_role("button", name="下一步：确认撤销").click()
    expect(page.get_by_text("页面已过期或来源无法确认")).to_be_visible()
    page.goto(live_server(f"/office/certificates/{certificate.number}"))
    expect(page.locator(".status--valid").first).to_be_visible()
