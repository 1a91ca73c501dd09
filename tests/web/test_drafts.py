"""Drafts of the form pages in a real browser: kept in the tab across reload and Back, never in
localStorage; leaving with unsaved changes asks first; saved as a file and opened again elsewhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ..helpers import sample, screenshot
from .a11y import check_page
from .conftest import open_page

pytestmark = pytest.mark.browser

#: a 居民身份证 number with a right check digit (GB 11643), of a man born 1988-03-15
ID_NUMBER = "420106198803150415"


FIRST = {"承诺人": "李䶮", "职称系列": "卫生", "专业": "内科学", "申报资格": "副主任医师"}
SECOND = {"承诺人": "欧阳振华", "职称系列": "工程", "专业": "医疗器械"}


def fill_two_pledges(page: Any) -> None:
    """A pledge form half filled: the unit and two applicants, the second without 申报资格."""
    page.get_by_label("单位", exact=True).fill("咸宁市中心医院")
    for index, values in enumerate((FIRST, SECOND), start=1):
        if index > 1:
            page.get_by_role("button", name="＋ 添加申报人员").click()
        row = page.get_by_role("group", name=f"申报人员第{index}项")
        for label, value in values.items():
            row.get_by_label(label, exact=True).press_sequentially(value)


def assert_two_pledges(page: Any) -> None:
    expect(page.get_by_label("单位", exact=True)).to_have_value("咸宁市中心医院")
    first = page.get_by_role("group", name="申报人员第1项")
    expect(first.get_by_label("承诺人")).to_have_value("李䶮")
    expect(first.get_by_label("申报资格")).to_have_value("副主任医师")
    second = page.get_by_role("group", name="申报人员第2项")
    expect(second.get_by_label("承诺人")).to_have_value("欧阳振华")
    expect(second.get_by_label("专业")).to_have_value("医疗器械")
    expect(second.get_by_label("申报资格")).to_have_value("")
    expect(page.get_by_role("group", name="申报人员第3项")).to_have_count(0)


def kept_draft(page: Any, form_id: str) -> Any:
    return page.evaluate("(key) => JSON.parse(sessionStorage.getItem(key))", f"formsvc:draft:{form_id}")


def wait_kept(page: Any, form_id: str, text: str) -> None:
    """Until the tab's copy holds text (it is written once typing pauses)."""
    page.wait_for_function(
        "([key, text]) => (sessionStorage.getItem(key) || '').includes(text)",
        arg=[f"formsvc:draft:{form_id}", text])


def test_a_half_filled_form_survives_a_reload_and_back(page, live_server):
    page.goto(live_server("/forms/pledge"))
    fill_two_pledges(page)
    wait_kept(page, "pledge", "医疗器械")
    dialogs: list[str] = []

    def leave(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)
    response = page.reload()
    assert dialogs == ["beforeunload"]  # the changes were not saved anywhere: it asked
    assert_two_pledges(page)
    expect(page.locator("[data-draft-status]")).to_contain_text("已恢复本标签页中未完成的填写")
    # the second applicant's missing 申报资格 is counted among the problems at once
    expect(page.locator("[data-summary]")).to_contain_text("处需要改正")
    screenshot(page, "drafts-restored")
    check_page(page, response)

    # away to the catalogue and Back: the form is as it was
    page.get_by_role("link", name="表格填报").first.click()
    page.wait_for_url(live_server("/"))
    page.go_back()
    page.wait_for_url(live_server("/forms/pledge"))
    assert_two_pledges(page)


def test_a_draft_with_an_identity_number_stays_in_the_tab_only(browser, live_server):
    context, page, _log = open_page(browser)
    try:
        page.goto(live_server("/forms/crossover-application"))
        page.get_by_label("姓名", exact=True).fill("张伟")
        page.get_by_label("证件号码").fill(ID_NUMBER)
        wait_kept(page, "crossover-application", ID_NUMBER)
        kept = kept_draft(page, "crossover-application")
        assert kept["form"] == "crossover-application" and kept["data"]["id_number"] == ID_NUMBER
        # nothing of it in localStorage or a cookie, which outlive the tab
        stored = page.evaluate("() => JSON.stringify(Object.entries(localStorage))")
        assert ID_NUMBER not in stored and stored == "[]"
        assert not any(ID_NUMBER in cookie["value"] for cookie in context.cookies())
        # another tab of the same browser starts empty: the draft is this tab's
        other = context.new_page()
        other.goto(live_server("/forms/crossover-application"))
        expect(other.get_by_label("证件号码")).to_have_value("")
        assert other.evaluate("() => sessionStorage.length") == 0
        # clearing the form removes the tab's copy too
        page.get_by_role("button", name="清空重填").click()
        assert kept_draft(page, "crossover-application") is None
    finally:
        context.close()


def test_leaving_with_changes_asks_first_and_not_once_downloaded(page, live_server):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.goto(live_server("/forms/pledge"))
    # nothing typed: leaving does not ask
    page.get_by_role("link", name="表格填报").first.click()
    page.wait_for_url(live_server("/"))
    assert dialogs == []

    page.goto(live_server("/forms/pledge"))
    fill_two_pledges(page)
    # the person answers 留下 (dismiss): the page and what was typed stay
    with page.expect_event("dialog"):
        page.get_by_role("link", name="表格填报").first.click(no_wait_after=True)
    assert dialogs == ["beforeunload"]
    assert page.url == live_server("/forms/pledge")
    assert_two_pledges(page)

    # once the filled form is downloaded, nothing is lost by leaving: no question
    page.get_by_role("group", name="申报人员第2项").get_by_label("申报资格").fill("高级工程师")
    page.get_by_text("填写完整，校验通过。").wait_for()
    with page.expect_download():
        page.get_by_role("button", name="下载 Word 文档（DOCX）").click()
    expect(page.locator("[data-download-status]")).to_contain_text("已下载")
    page.get_by_role("link", name="表格填报").first.click()
    page.wait_for_url(live_server("/"))
    assert dialogs == ["beforeunload"]


def test_a_saved_draft_file_reopens_into_the_form_on_another_computer(browser, live_server,
                                                                      tmp_path: Path):
    from PIL import Image

    photo = tmp_path / "二寸照.jpg"
    Image.new("RGB", (413, 579), (40, 90, 160)).save(photo, "JPEG")
    context, page, _log = open_page(browser)
    try:
        page.goto(live_server("/forms/crossover-application"))
        page.get_by_role("button", name="载入样例").click()
        page.get_by_text("填写完整，校验通过。").or_(page.get_by_text("条提示请核对")).first.wait_for()
        page.get_by_label("姓名", exact=True).fill("张伟")
        page.get_by_label("照片").set_input_files(str(photo))
        page.get_by_role("img", name="照片预览").wait_for()
        with page.expect_download() as download_info:
            page.get_by_role("button", name="保存草稿文件").click()
        download = download_info.value
        assert download.suggested_filename.startswith("武汉市专业技术人才向高技能人才贯通个人申报表-草稿-")
        assert download.suggested_filename.endswith(".json")
        draft_file = tmp_path / download.suggested_filename
        download.save_as(draft_file)
        expect(page.locator("[data-draft-status]")).to_contain_text("草稿已保存为文件")
    finally:
        context.close()

    draft = json.loads(draft_file.read_text(encoding="utf-8"))
    assert (draft["kind"], draft["version"], draft["form"]) == ("formsvc-draft", 1, "crossover-application")
    expected = {**sample("crossover-application"), "name": "张伟"}
    photo_data = draft["data"].pop("photo")
    assert photo_data.startswith("/9j/")  # the photo, as the API takes it (base64 JPEG)
    expected.pop("photo", None)
    assert draft["data"] == expected

    # another computer: a fresh browser context, nothing in its storage
    context, page, log = open_page(browser)
    page.formsvc_log = log
    try:
        page.goto(live_server("/forms/crossover-application"))
        page.get_by_label("打开草稿文件（.json）").set_input_files(str(draft_file))
        expect(page.locator("[data-draft-status]")).to_contain_text("已打开草稿")
        expect(page.get_by_label("姓名", exact=True)).to_have_value("张伟")
        expect(page.get_by_label("证件号码")).to_have_value(expected["id_number"])
        preview = page.get_by_role("img", name="照片预览")
        expect(preview).to_be_visible()
        assert preview.get_attribute("src") == f"data:image/jpeg;base64,{photo_data}"
        page.get_by_text("填写完整，校验通过。").or_(page.get_by_text("条提示请核对")).first.wait_for()
        # what was opened is saved in a file: leaving loses nothing
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
        response = page.reload()
        assert dialogs == []
        expect(page.get_by_label("姓名", exact=True)).to_have_value("张伟")
        check_page(page, response)
    finally:
        context.close()


def test_a_list_round_trips_through_a_draft_file(page, live_server, tmp_path: Path):
    page.goto(live_server("/forms/pledge"))
    fill_two_pledges(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="保存草稿文件").click()
    draft_file = tmp_path / "pledge-draft.json"
    download_info.value.save_as(draft_file)
    page.get_by_role("button", name="清空重填").click()
    expect(page.get_by_role("group", name="申报人员第2项")).to_have_count(0)
    page.get_by_label("打开草稿文件（.json）").set_input_files(str(draft_file))
    assert_two_pledges(page)
    assert [a.get("name") for a in kept_draft(page, "pledge")["data"]["applicants"]] == ["李䶮", "欧阳振华"]


def test_a_wrong_draft_file_is_refused_with_a_message(page, live_server, tmp_path: Path):
    pledge_draft = {"kind": "formsvc-draft", "version": 1, "form": "pledge", "form_title": "诚信承诺书",
                    "saved_at": "2026-12-01T08:00:00Z", "data": sample("pledge")}
    cases = {
        "wrong-form.json": (json.dumps(pledge_draft), "这是《诚信承诺书》的草稿，不是"),
        "broken.json": ('{"kind": "formsvc-draft", "version": 1, "form": ', "无法按 JSON 读取"),
        "data.json": (json.dumps(sample("post-quota")), "不是本系统保存的草稿文件"),
        "newer.json": (json.dumps({**pledge_draft, "form": "post-quota", "version": 99}), "比本页面（1）新"),
        "empty.json": ("", "文件是空的"),
    }
    page.goto(live_server("/forms/post-quota"))
    page.get_by_label("填报单位").fill("咸宁市中心医院")
    status = page.locator("[data-draft-status]")
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        page.get_by_label("打开草稿文件（.json）").set_input_files(str(path))
        expect(status).to_contain_text(f"未打开“{name}”：")
        expect(status).to_contain_text(message)
        assert status.get_attribute("role") == "alert"
        # the form is as it was
        expect(page.get_by_label("填报单位")).to_have_value("咸宁市中心医院")
    screenshot(page, "drafts-refused")

    # too big: refused by its size before it is read
    limit = live_server.app.config["MAX_CONTENT_LENGTH"]
    live_server.app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        page.reload()
        big = tmp_path / "big.json"
        big.write_text(json.dumps({**pledge_draft, "form": "post-quota", "padding": "x" * 5000}),
                       encoding="utf-8")
        page.get_by_label("打开草稿文件（.json）").set_input_files(str(big))
        expect(status).to_contain_text("文件过大")
        expect(status).to_contain_text("草稿文件不能超过")
    finally:
        live_server.app.config["MAX_CONTENT_LENGTH"] = limit
