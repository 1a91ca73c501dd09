"""The office's 更正 form: CSRF-protected, limited to the operator's own issuer, Chinese messages on
the field they concern, and a correction that supersedes the old certificate (photo kept)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc import db, users
from formsvc.registry import tokens

from ..helpers import SEAL, make_app, record_data
from ..registry.test_api import jpeg

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                    r'name="csrf_token" value="([^"]+)"|value="([^"]+)" name="csrf_token"')


@pytest.fixture
def csrf_app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch,
             sqlite_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path, font_dir, monkeypatch, SEAL_IMAGE=str(SEAL), DATABASE_URL=sqlite_url,
                   WTF_CSRF_ENABLED=True)
    with app.app_context():
        # the API token that issues the certificates to correct, kept for issue_with_photo
        app.config["TEST_TOKEN"] = tokens.create(db.session(), "人社局职改办")
        tokens.create(db.session(), "其他单位")
        users.create(db.session(), "clerk", PASSWORD, issuer="人社局职改办")
        users.create(db.session(), "stranger", PASSWORD, issuer="其他单位")
    yield app
    db.dispose(app)


def csrf_of(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return next(g for g in match.groups() if g)


def office(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_of(client.get("/office/login").get_data(as_text=True))
    response = client.post("/office/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def issue_with_photo(app: Flask) -> dict[str, Any]:
    """A certificate of 人社局职改办 with a photo, issued through the API with its token."""
    auth = {"Authorization": f"Bearer {app.config['TEST_TOKEN']}"}
    photo = "data:image/jpeg;base64," + base64.b64encode(jpeg()).decode()
    response = app.test_client().post("/api/v1/certificates", json=record_data(1, photo=photo), headers=auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def still_valid(client: FlaskClient, number: str) -> bool:
    return "status--valid" in client.get(f"/office/certificates/{number}").get_data(as_text=True)


def form_data(page: str, **changes: str) -> dict[str, str]:
    """The form as the page fills it in (the certificate's data), with changes."""
    values = dict(re.findall(
        r'<input id="field-[a-z_]+" name="([a-z_]+)" type="(?:text|date)" value="([^"]*)"', page))
    values.update(level="", csrf_token=csrf_of(page), **changes)
    return values


def test_the_office_corrects_a_certificate_and_keeps_its_photo(csrf_app: Flask) -> None:
    original = issue_with_photo(csrf_app)
    clerk = office(csrf_app, "clerk")
    url = f"/office/certificates/{original['number']}/correct"
    page = clerk.get(url).get_data(as_text=True)
    assert "更正证书" in page, page[-3000:]
    assert f'value="{original["name"]}"' in page  # the data shown for editing
    response = clerk.post(url, data=form_data(page, name="李岩", reason="姓名录入有误"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    new_page = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert "李岩" in new_page
    assert f"取代原证书 <a href=\"/office/certificates/{original['number']}\">" in new_page
    old_page = clerk.get(f"/office/certificates/{original['number']}").get_data(as_text=True)
    assert "已撤销" in old_page and "姓名录入有误" in old_page
    number = re.search(r"/office/certificates/([0-9A-Z]+)$", response.headers["Location"]).group(1)
    with csrf_app.app_context():
        from formsvc.registry import records
        from formsvc.registry.scope import WHOLE_REGISTRY

        corrected = records.find(db.session(), number, scope=WHOLE_REGISTRY, with_photo=True)
        assert corrected.record.name == "李岩" and corrected.photo is not None


def test_without_the_csrf_token_nothing_is_corrected(csrf_app: Flask) -> None:
    original = issue_with_photo(csrf_app)
    clerk = office(csrf_app, "clerk")
    url = f"/office/certificates/{original['number']}/correct"
    data = form_data(clerk.get(url).get_data(as_text=True), name="李岩", reason="姓名录入有误")
    data.pop("csrf_token")
    assert clerk.post(url, data=data).status_code in (400, 422)
    assert still_valid(clerk, original["number"])


def test_another_issuers_operator_sees_a_404(csrf_app: Flask) -> None:
    original = issue_with_photo(csrf_app)
    stranger = office(csrf_app, "stranger")
    url = f"/office/certificates/{original['number']}/correct"
    assert stranger.get(url).status_code == 404
    token = csrf_of(stranger.get("/office/certificates").get_data(as_text=True))
    response = stranger.post(url, data={"name": "李岩", "reason": "x", "csrf_token": token})
    assert response.status_code == 404


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"id_number": "420102199003071235"}, "id_number", "证件号码"),
    ({"approval_date": "2999-01-01"}, "approval_date", "批准日期"),
    ({"reason": ""}, "reason", "请填写更正原因"),
    ({}, None, "完全相同"),
])
def test_bad_data_is_shown_in_chinese_on_its_field_and_changes_nothing(
        csrf_app: Flask, changes: dict[str, str], field: str | None, message: str) -> None:
    original = issue_with_photo(csrf_app)
    clerk = office(csrf_app, "clerk")
    url = f"/office/certificates/{original['number']}/correct"
    data = form_data(clerk.get(url).get_data(as_text=True), **{"reason": "更正", **changes})
    response = clerk.post(url, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if field is not None:
        messages = re.search(rf'id="{"reason-msg" if field == "reason" else "msg-" + field}">(.*?)</ul>',
                             page, re.S)
        assert messages and "is-error" in messages.group(1), page[:3000]
    assert still_valid(clerk, original["number"])
