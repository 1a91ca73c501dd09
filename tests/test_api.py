"""The forms API contract: catalogue, schema, sample, validate, render, and every error."""

from __future__ import annotations

import json

import pytest

from .helpers import docx_text, flat, override_template, pdf_text, sample


def test_healthz_answers_without_a_database(app):
    app.config["DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_catalogue_lists_every_form_with_links(client):
    from formsvc.forms import FORMS

    forms = client.get("/api/v1/forms").get_json()["forms"]
    assert [f["id"] for f in forms] == list(FORMS)
    pledge = next(f for f in forms if f["id"] == "pledge")
    assert pledge["title"] == "诚信承诺书"
    assert pledge["formats"] == ["docx", "pdf"]
    assert pledge["links"]["render"]["pdf"] == "/api/v1/forms/pledge/render?format=pdf"
    for link in (pledge["links"]["schema"], pledge["links"]["sample"]):
        assert client.get(link).status_code == 200


def test_schema_properties_carry_the_official_labels(client):
    schema = client.get("/api/v1/forms/pledge/schema").get_json()
    assert schema["title"] == "诚信承诺书"
    assert schema["properties"]["unit"]["title"] == "单位"
    applicant = schema["$defs"]["PledgeApplicant"]["properties"]
    assert applicant["name"]["anyOf"][0]["maxLength"] == 30
    assert applicant["series"]["title"] == "职称系列"


def test_every_sample_is_valid(client):
    from formsvc.forms import FORMS

    for form_id in FORMS:
        data = client.get(f"/api/v1/forms/{form_id}/sample").get_json()
        result = client.post(f"/api/v1/forms/{form_id}/validate", json=data).get_json()
        assert result["errors"] == [], (form_id, result)


def test_validate_reports_errors_with_locations_and_chinese_messages(client):
    data = sample("pledge")
    data["applicants"][2]["qualification"] = ""
    data["applicants"][1]["name"] = "=HYPERLINK(\"http://x\")"
    del data["unit"]
    response = client.post("/api/v1/forms/pledge/validate", json=data)
    assert response.status_code == 200
    errors = {tuple(e["loc"]): e["msg"] for e in response.get_json()["errors"]}
    assert errors == {
        ("unit",): "单位为必填项",
        ("applicants", 1, "name"): "承诺人含有姓名中不允许的字符「=」",
        ("applicants", 2, "qualification"): "申报资格不能为空",
    }


def _big(n: int) -> bytes:
    return json.dumps({"unit": "x" * n}).encode()


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status", "message"),
    [
        ("post", "/api/v1/forms/pledge/render", b"{not json", "application/json", 400,
         "JSON 格式错误：第 1 行第 2 列（字段名应使用双引号）"),
        ("post", "/api/v1/forms/pledge/validate", b"\xff\xfe", "application/json", 400,
         "请求内容不是有效的 UTF-8 文本"),
        ("post", "/api/v1/forms/pledge/render", b"unit=x", "application/x-www-form-urlencoded",
         415, "请求内容类型应为 application/json，收到的是 application/x-www-form-urlencoded"),
        ("post", "/api/v1/forms/pledge/render", b"{}", "text/plain", 415,
         "请求内容类型应为 application/json，收到的是 text/plain"),
        ("post", "/api/v1/forms/no-such-form/render", b"{}", "application/json", 404,
         "没有这张表：no-such-form"),
        ("get", "/api/v1/forms/no-such-form/schema", None, None, 404, "没有这张表：no-such-form"),
        ("get", "/api/v1/forms/committee-filing/blank?format=xlsx", None, None, 404,
         "＿＿市职称评审委员会核准备案表没有 xlsx 格式（可用：docx、pdf）"),
        ("get", "/api/v1/nothing-here", None, None, 404, "未找到该地址"),
        ("delete", "/api/v1/forms", None, None, 405, "不支持该请求方法（可用：GET）"),
        ("post", "/api/v1/forms/pledge/render", _big(17 * 1024 * 1024), "application/json", 413,
         "上传内容过大（上限 16 MB）"),
        ("post", "/api/v1/forms/pledge/render", b"[1, 2]", "application/json", 422,
         "数据应为对象"),
        ("post", "/api/v1/forms/pledge/render", b"{}", "application/json", 422, "单位为必填项"),
    ],
)
def test_error_matrix(client, method, path, body, content_type, status, message):
    response = getattr(client, method)(path, data=body, content_type=content_type)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["errors"][0]["msg"] == message


def test_an_invalid_render_answers_422_with_every_error_and_no_file(client):
    data = sample("pledge")
    for applicant in data["applicants"]:
        applicant["series"] = "工" * 21
    response = client.post("/api/v1/forms/pledge/render?format=pdf", json=data)
    assert response.status_code == 422
    assert "Content-Disposition" not in response.headers
    errors = response.get_json()["errors"]
    assert [e["loc"] for e in errors] == [["applicants", i, "series"] for i in range(3)]
    assert errors[0]["msg"] == "职称系列不能超过20个字"


def test_unexpected_failures_are_a_json_500_not_a_traceback(app, monkeypatch):
    from formsvc import produce

    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("formsvc.web.api.produce", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().post("/api/v1/forms/pledge/render", json=sample("pledge"))
    assert response.status_code == 500
    assert response.get_json() == {"errors": [{"loc": [], "msg": "服务器内部错误，请稍后再试"}]}
    assert "disk on fire" not in response.get_data(as_text=True)
    # the 500 came from the failure planted in the view's call, which left the real one alone
    assert len(calls) == 1 and produce.produce is not broken


def test_download_names_are_chinese_with_an_ascii_fallback(client):
    response = client.get("/api/v1/forms/pledge/blank?format=pdf")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="formsvc.pdf"; filename*=UTF-8\'\'')
    from urllib.parse import unquote

    assert unquote(disposition.split("''", 1)[1]) == "诚信承诺书（空白）.pdf"


def test_a_blank_form_is_rendered_once_until_its_templates_change(app, client, monkeypatch):
    from formsvc import produce

    renders = []
    real = produce.render_documents
    monkeypatch.setattr(produce, "render_documents",
                        lambda *args: renders.append(args[0]) or real(*args))
    first = client.get("/api/v1/forms/post-quota/blank?format=pdf")
    again = client.get("/api/v1/forms/post-quota/blank?format=pdf")
    assert first.status_code == again.status_code == 200 and again.data == first.data
    # this test's instance is new, so what the process remembered from other tests is not used
    assert renders == ["post-quota"]
    override_template(app, "post-quota", "本地岗位数表")
    changed = client.get("/api/v1/forms/post-quota/blank?format=pdf")
    assert [flat(page)[:6] for page in pdf_text(changed.data)] == ["本地岗位数表"]
    assert renders == ["post-quota"] * 2


def test_renders_and_blanks_use_the_instance_template(app, client):
    override_template(app, "pledge", "本地承诺书样式")
    filled = client.post("/api/v1/forms/pledge/render?format=pdf", json=sample("pledge"))
    blank = client.get("/api/v1/forms/pledge/blank?format=pdf")
    assert filled.status_code == blank.status_code == 200
    assert [flat(page)[:7] for page in pdf_text(filled.data)] == ["本地承诺书样式"] * 3
    assert [flat(page)[:7] for page in pdf_text(blank.data)] == ["本地承诺书样式"]
    # a format the instance did not replace keeps the shipped template
    word = client.get("/api/v1/forms/pledge/blank?format=docx")
    assert word.status_code == 200 and "诚信承诺书" in docx_text(word.data)


def test_an_instance_template_added_while_the_service_runs_is_used_at_the_next_render(app, client):
    url = "/api/v1/forms/pledge/render?format=pdf"
    before = client.post(url, json=sample("pledge"))
    assert before.status_code == 200 and "本地承诺书样式" not in "".join(pdf_text(before.data))
    override_template(app, "pledge", "本地承诺书样式")
    after = client.post(url, json=sample("pledge"))
    assert [flat(page)[:7] for page in pdf_text(after.data)] == ["本地承诺书样式"] * 3
