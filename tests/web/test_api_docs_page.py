"""The interactive API documentation in a real browser: every operation listed, one tried for real."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from ..helpers import screenshot
from .a11y import check_page

pytestmark = pytest.mark.browser


def test_every_operation_is_listed_and_one_can_be_tried(page, live_server):
    document = live_server.app.test_client().get("/api/v1/openapi.json").get_json()
    operations = [(method.upper(), path) for path, item in document["paths"].items()
                  for method in ("get", "post", "put", "patch", "delete") if method in item]
    response = page.goto(live_server("/api/docs"))
    summaries = page.locator("details.api-operation > summary")
    expect(summaries).to_have_count(len(operations))
    listed = {(s.locator(".method").inner_text(), s.locator(".api-path").inner_text())
              for s in summaries.all()}
    assert listed == set(operations)

    operation = page.locator("details.api-operation").filter(
        has=page.locator(".api-path", has_text="/api/v1/forms/post-quota/validate"))
    operation.locator("summary").click()
    # the request schema, with the official labels
    expect(operation.locator(".schema-tree").first).to_contain_text("填报单位")
    body = operation.get_by_label("请求体（application/json）")
    data = json.loads(body.input_value())
    assert data == live_server.app.test_client().get("/api/v1/forms/post-quota/sample").get_json()
    data["vacant"]["intermediate"] = 99
    body.fill(json.dumps(data, ensure_ascii=False))
    operation.get_by_role("button", name="发送请求").click()
    answer = operation.locator(".api-response")
    expect(answer.locator(".api-status")).to_contain_text("200 OK")
    result = json.loads(answer.locator(".api-json").inner_text())
    assert result["errors"] == [] and result["warnings"][0]["loc"] == ["vacant", "intermediate"]

    body.fill("{not json")
    operation.get_by_role("button", name="发送请求").click()
    expect(answer.locator(".api-status")).to_contain_text("400")
    expect(answer.locator(".api-json")).to_contain_text("JSON 格式错误")
    screenshot(page, "api-docs")
    check_page(page, response, keyboard=["诚信承诺书"])


def test_a_file_answer_can_be_saved(page, live_server):
    page.goto(live_server("/api/docs"))
    operation = page.locator("details.api-operation").filter(
        has=page.locator(".api-path", has_text="/api/v1/forms/pledge/render"))
    operation.locator("summary").click()
    operation.get_by_label("format（query）").select_option("pdf")
    operation.get_by_role("button", name="发送请求").click()
    expect(operation.locator(".api-status")).to_contain_text("200 OK")
    with page.expect_download() as download_info:
        operation.get_by_role("link", name="保存 诚信承诺书.pdf").click()
    assert download_info.value.path().read_bytes().startswith(b"%PDF-")
