"""The public pages through the test client: headers, catalogue, form shells, the PDF preview, errors."""

from __future__ import annotations

import json
import re

import pytest
from flask import session

from formsvc.forms import FORMS
from formsvc.web.security import CONTENT_SECURITY_POLICY

from ..helpers import flat, make_app, pdf_text, sample

PAGES = ["/", "/forms/pledge", "/forms/title-history", "/api/docs", "/office/login", "/verify"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_the_strict_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # the verification pages send no referrer at all: their URL holds the code
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    # no inline code for the policy to block: scripts come from files, no handlers, no style=
    assert "<script>" not in html and " onclick" not in html and " style=" not in html


def test_the_policy_is_as_strict_as_asked():
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives == {
        "default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
        "img-src": "'self' data: blob:", "object-src": "'none'", "base-uri": "'none'",
        "frame-ancestors": "'none'", "form-action": "'self'",
    }


def test_catalogue_lists_every_form(client):
    html = client.get("/").get_data(as_text=True)
    for spec in FORMS.values():
        assert spec.title in html and spec.purpose in html and spec.source in html
        assert f'href="/forms/{spec.id}"' in html


@pytest.mark.parametrize("form_id", list(FORMS))
def test_form_page_names_its_api(client, form_id):
    spec = FORMS[form_id]
    html = client.get(f"/forms/{form_id}").get_data(as_text=True)
    assert f'data-schema-url="/api/v1/forms/{form_id}/schema"' in html
    assert f'data-validate-url="/api/v1/forms/{form_id}/validate"' in html
    for extension in spec.formats:
        assert f'data-download="{extension}"' in html
    assert ("data-import-form" in html) == (spec.row_model is not None)
    assert ('data-preview="on"' in html) == ("pdf" in spec.formats)


def test_unknown_form_is_a_page_for_people_and_json_for_programs(client):
    page = client.get("/forms/nope", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "没有这张表：nope" in page.get_data(as_text=True)
    api = client.get("/api/v1/forms/nope/schema")
    assert api.status_code == 404 and api.get_json()["errors"][0]["msg"] == "没有这张表：nope"


def preview(client, data, form_id="pledge"):
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return client.post(f"/forms/{form_id}/preview", data={"data": text}, headers={"Origin": "http://localhost"})


def test_preview_is_the_pdf_shown_inline_in_the_form_page_only(client):
    response = preview(client, sample("pledge"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
    assert "咸宁市中心医院" in flat(pdf_text(response.data)[0])


def test_markup_in_the_data_is_printed_as_text(client):
    response = preview(client, {**sample("pledge"), "unit": '<img src="file:///etc/passwd">'})
    assert response.status_code == 200
    assert '<imgsrc="file:///etc/passwd">' in flat(pdf_text(response.data)[0])


@pytest.mark.parametrize(("data", "message"), [
    ("{not json", "预览数据不是有效的 JSON"),
    ("", "预览数据不是有效的 JSON"),
    ({"unit": "", "applicants": []}, "单位不能为空"),
    ({**sample("pledge"), "unit": "咸宁\U0001fb00医院"}, "无法打印"),
])
def test_preview_of_bad_data_says_why_inside_the_frame(client, data, message):
    response = preview(client, data)
    assert response.status_code == 422 and response.mimetype == "text/html"
    # framed by the form page, so frame-ancestors is 'self' here
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert message in response.get_data(as_text=True)


def test_preview_of_a_large_form_is_not_cut_off_by_the_form_field_limit(client):
    data = sample("pledge")
    # 600 kB of JSON, more than Werkzeug's default 500 kB for a form field
    data["applicants"][0] = {**data["applicants"][0], "speciality": "内" * 200_000}
    assert len(json.dumps(data, ensure_ascii=False).encode()) > 500_000
    response = preview(client, data)
    assert response.status_code == 422  # read in full: the rules, not the parser, answer
    assert "专业不能超过30个字" in response.get_data(as_text=True)


def test_api_docs_page_points_at_the_openapi_document(client):
    html = client.get("/api/docs").get_data(as_text=True)
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    assert client.get("/api/v1/openapi.json").status_code == 200


# --- CSRF and the session cookie ----------------------------------------------------------------


@pytest.fixture
def csrf_client(tmp_path, font_dir, monkeypatch):
    app = make_app(tmp_path, font_dir, monkeypatch, WTF_CSRF_ENABLED=True)
    return app.test_client()


def test_page_forms_need_the_csrf_token_but_the_api_does_not(csrf_client):
    refused = csrf_client.post("/office/login", data={"name": "clerk", "password": "x" * 12},
                               headers={"Accept": "text/html"})
    assert refused.status_code == 400
    assert "页面已过期或来源无法确认，请刷新页面后重新提交" in refused.get_data(as_text=True)
    api = csrf_client.post("/api/v1/forms/pledge/validate", json=sample("pledge"))
    assert api.status_code == 200 and api.get_json()["errors"] == []


def test_preview_needs_the_csrf_token_of_the_form_page(csrf_client):
    # another site could otherwise have its visitors' browsers render for it
    assert preview(csrf_client, sample("pledge")).status_code == 400
    html = csrf_client.get("/forms/pledge").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)[1]
    response = csrf_client.post("/forms/pledge/preview", headers={"Origin": "http://localhost"},
                                data={"data": json.dumps(sample("pledge")), "csrf_token": token})
    assert response.status_code == 200 and response.mimetype == "application/pdf"


@pytest.mark.parametrize(("headers", "status"), [
    ({"Origin": "https://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Origin": "http://localhost.evil.example"}, 403),
    ({"Referer": "https://evil.example/forms/pledge"}, 403),
    ({}, 403),
    ({"Referer": "http://localhost/forms/pledge"}, 200),
    ({"Origin": "https://zc.example.gov.cn"}, 200),  # PUBLIC_URL, behind a proxy
], ids=["other-site", "null-origin", "look-alike", "other-referer", "no-origin", "own-referer", "public-url"])
def test_preview_answers_only_this_sites_own_pages(client, headers, status):
    response = client.post("/forms/pledge/preview", data={"data": json.dumps(sample("pledge"))},
                           headers=headers)
    assert response.status_code == status
    if status == 403:
        assert "预览只接受本站表格页面提交的请求" in response.get_data(as_text=True)


@pytest.mark.parametrize(("public_url", "secure"), [
    ("https://zc.example.gov.cn", True),
    ("http://127.0.0.1:8000", False),
])
def test_session_cookie_is_httponly_lax_and_secure_behind_https(tmp_path, font_dir, monkeypatch,
                                                                public_url, secure):
    app = make_app(tmp_path, font_dir, monkeypatch, PUBLIC_URL=public_url)
    with app.test_request_context():
        session["seen"] = True  # anything that writes the session
        response = app.make_response("")
        app.session_interface.save_session(app, session, response)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) == secure
