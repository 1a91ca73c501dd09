"""HTTP details every endpoint shares (issue 13 items 8, 11, 18, 21): warnings header size, huge
numbers, Allow on 405, charsets."""

from __future__ import annotations

import json

import pytest

from formsvc.web.api import WARNINGS_HEADER_BYTES, WARNINGS_HEADER_COUNT

from ..helpers import sample


def test_the_warnings_header_is_capped_and_validate_lists_them_all(client):
    data = sample("title-history")
    # every row repeats the first: a warning each (same certificate listed twice)
    data["rows"] = [data["rows"][0]] * 300
    response = client.post("/api/v1/forms/title-history/render?format=xlsx", json=data)
    assert response.status_code == 200, response.get_json()
    header = response.headers["X-Formsvc-Warnings"]
    assert len(header) <= WARNINGS_HEADER_BYTES
    listed = json.loads(header)
    assert 1 <= len(listed) <= WARNINGS_HEADER_COUNT and "重复" in listed[0]["msg"]
    assert response.headers["X-Formsvc-Warnings-Count"] == "299"
    validated = client.post("/api/v1/forms/title-history/validate", json=data).get_json()
    assert len(validated["warnings"]) == 299
    assert validated["warnings"][0] == listed[0]


def test_a_long_warning_is_cut_in_the_header_only(client):
    from formsvc.errors import Problem
    from formsvc.web.api import warnings_header

    long = Problem(("unit",), "内" * 1000)
    headers = warnings_header([long] * 50)
    listed = json.loads(headers["X-Formsvc-Warnings"])
    assert headers["X-Formsvc-Warnings-Count"] == "50"
    assert len(headers["X-Formsvc-Warnings"]) <= WARNINGS_HEADER_BYTES
    assert listed and listed[0]["msg"].endswith("…") and len(listed[0]["msg"]) == 100


@pytest.mark.parametrize("body", [
    '{"unit": ' + "1" * 5000 + "}",
    '{"unit": "x", "applicants": [' + "9" * 4301 + "]}",
    '{"unit": -' + "1" * 10000 + "}",
], ids=["field", "in-a-list", "negative"])
def test_a_json_integer_of_thousands_of_digits_is_a_clean_400(client, body):
    response = client.post("/api/v1/forms/pledge/validate", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["msg"] == "JSON 中的数字位数过多（超过 4300 位）"
    preview = client.post("/forms/pledge/preview", data={"data": body},
                          headers={"Origin": "http://localhost"})
    assert preview.status_code == 422 and "数字位数过多" in preview.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("get", "/api/v1/forms/pledge/render", "OPTIONS, POST"),
    ("delete", "/api/v1/forms", "GET, HEAD, OPTIONS"),
    ("put", "/api/v1/forms/pledge/validate", "OPTIONS, POST"),
    ("get", "/forms/pledge/preview", "OPTIONS, POST"),
], ids=["api-post-only", "api-get-only", "put", "page"])
def test_405_answers_carry_allow(client, method, path, allow):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    if path.startswith("/api/"):
        assert "不支持该请求方法（可用：" in response.get_json()["errors"][0]["msg"]


@pytest.mark.parametrize(("charset", "status"), [
    ("utf-8", 200), ("UTF-8", 200), ("utf8", 200),
    ("utf-7", 415), ("latin-1", 415), ("utf-16", 415), ("gb18030", 415), ("rot13", 415),
])
def test_only_utf8_is_accepted_as_a_charset(client, charset, status):
    body = json.dumps(sample("pledge"), ensure_ascii=False).encode()
    response = client.post("/api/v1/forms/pledge/validate", data=body,
                           content_type=f"application/json; charset={charset}")
    assert response.status_code == status, response.get_json()
    if status == 415:
        assert response.get_json()["errors"][0]["msg"] == (
            f"不支持的字符集 charset={charset}：请以 UTF-8 编码发送 JSON")
