"""The office pages through the test client: who gets in, for how long, and revocation in two steps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc import db, users
from formsvc.registry import audit, issuing, records
from formsvc.registry.scope import WHOLE_REGISTRY
from formsvc.web.office import login as office_login

from ..helpers import SEAL, create_user, make_app, request_for

PASSWORD = "correct horse battery"


@pytest.fixture
def office_app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch,
               sqlite_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path, font_dir, monkeypatch, SEAL_IMAGE=str(SEAL), DATABASE_URL=sqlite_url)
    with app.app_context():
        create_user(db.session(), "clerk", PASSWORD, admin=True)
    yield app
    db.dispose(app)


@pytest.fixture
def clerk(office_app: Flask) -> FlaskClient:
    client = office_app.test_client()
    response = client.post("/office/login", data={"name": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def certificate(office_app: Flask) -> records.CertificateRecord:
    with office_app.app_context():
        settings = records.RegistrySettings.from_config(office_app.config)
        return issuing.issue(db.session(), request_for(1), scope=WHOLE_REGISTRY, actor="test",
                             settings=settings).certificate


@pytest.mark.parametrize("path", [
    "/office/", "/office/certificates?q=李", "/office/certificates/HB20260000001R", "/office/audit",
])
def test_every_office_page_asks_for_the_login_first(office_app, path):
    response = office_app.test_client().get(path)
    assert response.status_code == 302
    assert response.location.startswith("/office/login?next=")


@pytest.mark.parametrize(("next_path", "landing"), [
    ("/office/audit", "/office/audit"),
    ("//evil.example/", "/office/"),
    ("/\\evil.example/", "/office/"),
    ("https://evil.example/", "/office/"),
    ("", "/office/"),
])
def test_login_returns_only_to_pages_of_this_site(office_app, next_path, landing):
    response = office_app.test_client().post(f"/office/login?next={next_path}",
                                             data={"name": "clerk", "password": PASSWORD})
    assert response.location == landing


@pytest.mark.parametrize("hostile", [
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/ /evil.example", "/\x00/evil.example",
    "/\x0b/evil.example", "/\u3000/evil.example", "/\u200b/evil.example", "/\\evil.example",
    "/office/\\..\\/evil.example", "\\\\evil.example", "//evil.example", "///evil.example",
    " //evil.example", "\t//evil.example", "https://evil.example/", "HTTPS://evil.example",
    "javascript:alert(1)", "evil.example", "office/audit", "/\x7f/evil.example",
])
def test_login_refuses_every_next_that_could_leave_the_site(office_app, hostile):
    response = office_app.test_client().post("/office/login", query_string={"next": hostile},
                                             data={"name": "clerk", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/office/"


def test_raw_percent_encoded_tab_in_next_stays_on_the_site(office_app):
    # the red-team's case, as the browser sent it
    response = office_app.test_client().post("/office/login?next=/%09/evil.example",
                                             data={"name": "clerk", "password": PASSWORD})
    assert response.location == "/office/"
    kept = office_app.test_client().post("/office/login?next=/office/certificates%3Fq%3D%E6%9D%8E",
                                         data={"name": "clerk", "password": PASSWORD})
    assert kept.location == "/office/certificates?q=%E6%9D%8E"  # 李, as werkzeug quotes a Location


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "clerk", "password": "wrong password"}, "用户名或密码不正确"),
    ({"name": "nobody", "password": PASSWORD}, "用户名或密码不正确"),
    ({"name": "", "password": PASSWORD}, "请输入用户名"),
    ({"name": "clerk", "password": ""}, "请输入密码"),
    ({"name": "clerk", "password": "x" * 300}, "密码过长"),
])
def test_login_refusals_say_why_without_telling_which_part_was_wrong(office_app, data, message):
    response = office_app.test_client().post("/office/login", data=data)
    assert response.status_code in (200, 401)
    assert message in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers or "user_id" not in response.headers["Set-Cookie"]


def test_a_login_lasts_a_working_day(clerk, monkeypatch):
    assert clerk.get("/office/").status_code == 200
    later = office_login.time.time() + office_login.SESSION_SECONDS + 1
    monkeypatch.setattr(office_login.time, "time", lambda: later)
    assert clerk.get("/office/").status_code == 302


def test_a_removed_user_is_logged_out(office_app, clerk):
    with office_app.app_context():
        session = db.session()
        session.delete(session.get(users.User, 1))
        session.commit()
    assert clerk.get("/office/").status_code == 302


def test_logout_is_a_post(clerk):
    assert clerk.get("/office/logout").status_code == 405
    assert clerk.post("/office/logout").location == "/office/login"
    assert clerk.get("/office/").status_code == 302


def test_search_lists_the_certificate(clerk, certificate):
    html = clerk.get("/office/certificates?q=李").get_data(as_text=True)
    assert certificate.number in html and "有效" in html
    html = clerk.get("/office/certificates?q=赵").get_data(as_text=True)
    assert "没有找到与“赵”相符的证书" in html


@pytest.mark.parametrize(("number", "status", "message"), [
    ("HB20260000001Q", 422, "证书编号校验位错误"),
    ("HB20269999999", 404, None),
])
def test_an_unknown_or_mistyped_number_is_a_clear_page(clerk, certificate, number, status, message):
    from stdnum.iso7064 import mod_37_36

    if status == 404:
        number += mod_37_36.calc_check_digit(number)
    response = clerk.get(f"/office/certificates/{number}", headers={"Accept": "text/html"})
    assert response.status_code == status
    assert (message or f"没有编号为 {number} 的证书") in response.get_data(as_text=True)


@pytest.mark.parametrize(("reason", "message"), [
    ("", "请填写撤销原因"),
    ("   ", "请填写撤销原因"),
    ("理" * 201, "撤销原因不能超过200个字"),
])
def test_revocation_needs_a_reason(office_app, clerk, certificate, reason, message):
    response = clerk.post(f"/office/certificates/{certificate.number}/revoke", data={"reason": reason})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with office_app.app_context():
        assert records.find(db.session(), certificate.number, scope=WHOLE_REGISTRY).valid


def test_revocation_is_confirmed_then_done_once_and_audited(office_app, clerk, certificate):
    number, reason = certificate.number, "申报材料弄虚作假"
    confirm = clerk.post(f"/office/certificates/{number}/revoke", data={"reason": reason})
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "确认撤销证书？" in html and reason in html
    with office_app.app_context():
        # nothing happens before the confirmation
        assert records.find(db.session(), number, scope=WHOLE_REGISTRY).valid

    done = clerk.post(f"/office/certificates/{number}/revoke/confirm", data={"reason": reason})
    assert done.location == f"/office/certificates/{number}"
    page = clerk.get(done.location).get_data(as_text=True)
    # the operator by their name, not as the audit log stores them
    assert f"证书 {number} 已撤销" in page and "操作人：clerk" in page and "office:clerk" not in page
    with office_app.app_context():
        record = records.find(db.session(), number, scope=WHOLE_REGISTRY)
        assert not record.valid and record.revoke_reason == reason and record.revoked_by == "office:clerk"
        lines = audit.entries(db.session(), scope=WHOLE_REGISTRY, number=number)
        [line] = [e for e in lines if e.action == "revoke"]
        assert line.actor == "office:clerk" and line.detail == {"reason": reason}

    again = clerk.post(f"/office/certificates/{number}/revoke/confirm", data={"reason": "再次撤销"})
    page = clerk.get(again.location).get_data(as_text=True)
    assert "撤销未执行：证书" in page and f"原因：{reason}" in page
    assert "下一步：确认撤销" not in page  # a revoked certificate offers no second revocation


def test_audit_log_lists_the_newest_first_and_filters_by_number(office_app, clerk, certificate):
    clerk.post(f"/office/certificates/{certificate.number}/revoke/confirm", data={"reason": "撤销测试"})
    html = clerk.get("/office/audit").get_data(as_text=True)
    lines = html[html.index("<tbody>"):]  # the action filter above lists every action too
    assert lines.index("撤销证书") < lines.index("签发证书")
    assert "原因：撤销测试" in html and "职称名称：工程师" in html
    filtered = clerk.get("/office/audit?number=HB0000000000").get_data(as_text=True)
    assert "没有记录" in filtered


def test_a_certificate_is_reprinted_and_the_print_audited(office_app, clerk, certificate):
    from ..helpers import flat, pdf_text

    response = clerk.get(f"/office/certificates/{certificate.number}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert certificate.number in flat(pdf_text(response.data)[0])
    with office_app.app_context():
        lines = audit.entries(db.session(), scope=WHOLE_REGISTRY, number=certificate.number)
        [line] = [e for e in lines if e.action == "print"]
        assert line.actor == "office:clerk"


def limit_logins(app: Flask, count: int) -> None:
    limits = app.extensions["formsvc.ratelimit"]["limits"]
    limits["LOGIN_RATE_LIMIT"] = office_login.ratelimit.Limit(count, 600)


def client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_password_guessing_is_slowed_down(office_app):
    limit_logins(office_app, 3)
    client = office_app.test_client()
    for _ in range(3):
        response = client.post("/office/login", data={"name": "clerk", "password": "guess number n"})
        assert response.status_code == 401
    refused = client.post("/office/login", data={"name": "clerk", "password": PASSWORD},
                          headers={"Accept": "text/html"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "登录失败次数过多：同一账户或同一客户端每 600 秒最多失败 3 次" in refused.get_data(as_text=True)
    assert client.get("/office/").status_code == 302  # the right password did not get in either


def test_successful_logins_do_not_count_against_the_limit(office_app):
    limit_logins(office_app, 2)
    for _ in range(6):
        client = office_app.test_client()
        assert client.post("/office/login", data={"name": "clerk", "password": PASSWORD}).status_code == 302


def test_failures_count_per_account_from_any_address(office_app):
    limit_logins(office_app, 3)
    for n in range(3):
        client = client_at(office_app, f"198.51.100.{n}")
        assert client.post("/office/login", data={"name": "clerk", "password": "wrong"}).status_code == 401
    elsewhere = client_at(office_app, "203.0.113.9")
    assert elsewhere.post("/office/login", data={"name": "clerk", "password": PASSWORD}).status_code == 429


def test_failures_count_per_address_over_any_accounts(office_app):
    limit_logins(office_app, 3)
    client = client_at(office_app, "198.51.100.7")
    for name in ("alice", "bob", "carol"):
        assert client.post("/office/login", data={"name": name, "password": "wrong"}).status_code == 401
    assert client.post("/office/login", data={"name": "clerk", "password": PASSWORD}).status_code == 429
    other = client_at(office_app, "198.51.100.8")
    assert other.post("/office/login", data={"name": "clerk", "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("path", [
    "/office/login", "/office/", "/office/certificates?q=李", "/office/certificates/{number}",
    "/office/certificates/{number}/pdf", "/office/certificates/HB20250000001X", "/office/audit",
    "/office/jobs",
])
def test_office_pages_are_never_cached(clerk, certificate, path):
    response = clerk.get(path.format(number=certificate.number))
    assert response.headers["Cache-Control"] == "no-store"


def test_markup_typed_by_a_clerk_is_shown_as_text(clerk, certificate):
    hostile = '<img src=x onerror="alert(1)">'
    search = clerk.get("/office/certificates", query_string={"q": hostile}).get_data(as_text=True)
    assert hostile not in search and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in search
    confirm = clerk.post(f"/office/certificates/{certificate.number}/revoke", data={"reason": hostile})
    assert hostile not in confirm.get_data(as_text=True)
    done = clerk.post(f"/office/certificates/{certificate.number}/revoke/confirm", data={"reason": hostile})
    page = clerk.get(done.location).get_data(as_text=True)
    assert hostile not in page and "&lt;img" in page


def test_logout_ends_the_session_even_for_a_copied_cookie(office_app, clerk, certificate):
    copied = clerk.get_cookie("session").value
    assert clerk.post("/office/logout").status_code == 302
    thief = office_app.test_client()
    thief.set_cookie("session", copied)
    response = thief.post(f"/office/certificates/{certificate.number}/revoke/confirm",
                          data={"reason": "用复制的会话撤销"})
    assert response.status_code == 302 and response.location.startswith("/office/login")
    with office_app.app_context():
        assert records.find(db.session(), certificate.number, scope=WHOLE_REGISTRY).valid


def test_a_password_change_ends_every_session_of_the_account(office_app, clerk, certificate):
    other_device = office_app.test_client()
    login = other_device.post("/office/login", data={"name": "clerk", "password": PASSWORD})
    assert login.status_code == 302
    assert clerk.get("/office/").status_code == 200 and other_device.get("/office/").status_code == 200
    with office_app.app_context():
        users.set_password(db.session(), "clerk", "a brand new password")
    for client in (clerk, other_device):
        assert client.get("/office/").status_code == 302
    fresh = office_app.test_client()
    login = fresh.post("/office/login", data={"name": "clerk", "password": "a brand new password"})
    assert login.status_code == 302
    assert fresh.get("/office/").status_code == 200
