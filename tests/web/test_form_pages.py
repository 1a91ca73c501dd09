"""The public form pages in a real browser: catalogue, filling, checking, preview, downloads, import."""

from __future__ import annotations

import contextlib
import itertools
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from formsvc.errors import RateLimited
from formsvc.forms import FORMS
from formsvc.forms.tabular import columns
from formsvc.web.slots import slot

from ..helpers import blank_template, fill, flat, pdf_text, sample_rows, save_artifact, screenshot
from .a11y import check_page

pytestmark = pytest.mark.browser

TABULAR = [form_id for form_id, spec in FORMS.items() if spec.row_model is not None]


def test_catalogue_lists_every_form_with_purpose_and_source(page, live_server):
    response = page.goto(live_server("/"))
    assert response.status == 200
    cards = page.locator(".catalogue__item")
    assert cards.count() == len(FORMS)
    for index, spec in enumerate(FORMS.values()):
        card = cards.nth(index)
        assert card.get_by_role("heading").inner_text() == spec.title
        assert spec.purpose in card.inner_text()
        assert spec.source in card.inner_text()
        assert card.get_by_role("link", name=f"填写{spec.title}").get_attribute("href") == f"/forms/{spec.id}"
    screenshot(page, "catalogue")
    first = next(iter(FORMS.values())).title
    check_page(page, response, keyboard=["跳到正文", "表格填报", f"{first}"])


def test_pledge_filled_by_hand_downloads_its_pdf(page, live_server, tmp_path: Path):
    response = page.goto(live_server("/forms/pledge"))
    page.get_by_label("单位", exact=True).fill("咸宁市中心医院")
    page.get_by_label("承诺日期").fill("2024-05-10")
    first = page.get_by_role("group", name="申报人员第1项")
    first.get_by_label("承诺人").fill("李䶮")
    first.get_by_label("职称系列").fill("卫生")
    first.get_by_label("专业").fill("内科学")
    first.get_by_label("申报资格").fill("副主任医师")
    page.get_by_role("button", name="＋ 添加申报人员").click()
    second = page.get_by_role("group", name="申报人员第2项")
    # the new row takes the focus, so that typing can go on
    assert second.get_by_label("承诺人").evaluate("el => el === document.activeElement")
    second.get_by_label("承诺人").fill("欧阳振华")
    second.get_by_label("职称系列").fill("工程")
    second.get_by_label("专业").fill("医疗器械")
    second.get_by_label("申报资格").fill("高级工程师")
    second.get_by_label("申报资格").press("Tab")

    page.get_by_text("填写完整，校验通过。").wait_for()
    # the live preview is the PDF of exactly these data, framed in the page
    expect(page.locator("[data-preview-frame]")).to_have_attribute("data-updated", re.compile(r"\d"))
    expect(page.locator("[data-preview-status]")).to_contain_text("预览已更新")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载 PDF 打印版").click()
    download = download_info.value
    assert download.suggested_filename == "诚信承诺书.pdf"
    content = Path(download.path()).read_bytes()
    save_artifact("web-pledge.pdf", content)
    pages = [flat(text) for text in pdf_text(content)]
    assert len(pages) == 2  # one pledge per applicant
    assert "咸宁市中心医院" in pages[0] and "卫生系列内科学专业副主任医师" in pages[0] and "李䶮" in pages[0]
    assert "工程系列医疗器械专业高级工程师" in pages[1] and "欧阳振华" in pages[1]
    assert "2024年5月10日" in pages[1]
    screenshot(page, "form-pledge-filled")
    check_page(page, response, keyboard=["载入样例", "单位", "下载 PDF 打印版"])


def test_pledge_errors_show_beside_their_fields_and_block_the_download(page, live_server):
    page.goto(live_server("/forms/pledge"))
    page.get_by_label("单位", exact=True).fill("咸宁市中心医院")
    row = page.get_by_role("group", name="申报人员第1项")
    row.get_by_label("承诺人").fill("李12")
    row.get_by_label("承诺人").press("Tab")
    name_field = row.locator(".field", has=page.get_by_label("承诺人"))
    name_field.locator(".field-messages .is-error").wait_for()
    assert "承诺人含有姓名中不允许的字符「1」" in name_field.locator(".field-messages").inner_text()
    assert row.get_by_label("承诺人").get_attribute("aria-invalid") == "true"
    # untouched required fields are not shouted about until the person asks for a check
    assert row.locator(".field", has=page.get_by_label("职称系列")).locator(".is-error").count() == 0
    page.get_by_role("button", name="检查填写").click()
    series = row.locator(".field", has=page.get_by_label("职称系列"))
    series.locator(".is-error").wait_for()
    assert "职称系列为必填项" in series.inner_text()

    page.get_by_role("button", name="下载 Word 文档（DOCX）").click()
    expect(page.locator("[data-download-status]")).to_contain_text("未能生成")
    expect(page.locator("[data-download-status]")).to_contain_text("处需要改正")
    screenshot(page, "form-pledge-errors")


def test_post_quota_inconsistency_is_a_warning_beside_the_field(page, live_server):
    response = page.goto(live_server("/forms/post-quota"))
    page.get_by_role("button", name="载入样例").click()
    page.get_by_text("填写完整，校验通过。").wait_for()
    vacant = page.get_by_label("空岗情况·中级")
    vacant.fill("99")
    vacant.press("Tab")
    field = page.locator(".field", has=vacant)
    field.locator(".field-messages .is-warning").wait_for()
    message = field.locator(".field-messages").inner_text()
    assert "空岗情况·中级为99" in message and "与设岗减已聘" in message and "不符" in message
    assert "field--warning" in field.get_attribute("class")
    assert vacant.get_attribute("aria-invalid") is None  # a warning, not an error
    assert "条提示请核对" in page.locator("[data-summary]").inner_text()
    # a warning points, it does not refuse: the sheet still downloads
    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载 Excel 表格（XLSX）").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
    screenshot(page, "form-post-quota-warning")
    check_page(page, response)


def test_a_refused_preview_says_why_rather_than_updated(page, live_server):
    """When every render slot is taken the frame shows the server's reason, and so does the status
    line; once a slot is free the same data preview again."""
    status = page.locator("[data-preview-status]")
    with contextlib.ExitStack() as others:
        for index in itertools.count():  # other clients' renders, until the server is full
            try:
                others.enter_context(slot(live_server.app, f"192.0.2.{index}"))
            except RateLimited:
                break
        page.goto(live_server("/forms/pledge"))
        page.get_by_role("button", name="载入样例").click()
        expect(status).to_contain_text("预览未生成")
        expect(status).to_contain_text("服务器正忙")
        assert "预览已更新" not in status.inner_text()
        assert page.locator("[data-preview-frame]").get_attribute("data-updated") is None
    page.get_by_role("button", name="载入样例").click()
    expect(status).to_contain_text("预览已更新")
    expect(page.locator("[data-preview-frame]")).to_have_attribute("data-updated", re.compile(r"\d"))


@pytest.mark.parametrize("form_id", list(FORMS))
def test_every_form_page_is_built_from_its_schema_and_takes_its_sample(page, live_server, form_id):
    spec = FORMS[form_id]
    response = page.goto(live_server(f"/forms/{form_id}"))
    assert page.get_by_role("heading", level=1).inner_text() == spec.title
    schema = live_server.app.test_client().get(f"/api/v1/forms/{form_id}/schema").get_json()
    first_field = next(iter(schema["properties"].values()))["title"]
    page.get_by_text(first_field, exact=True).first.wait_for()
    page.get_by_role("button", name="载入样例").click()
    page.get_by_text("填写完整，校验通过。").or_(page.get_by_text("条提示请核对")).first.wait_for()
    assert "处需要改正" not in page.locator("[data-summary]").inner_text()
    for extension in spec.formats:
        assert page.locator(f"[data-download='{extension}']").is_visible()
    screenshot(page, f"form-{form_id}")
    check_page(page, response)


@pytest.mark.parametrize("form_id", TABULAR)
def test_sheet_with_a_bad_row_shows_the_error_cell(page, live_server, tmp_path: Path, form_id):
    spec = FORMS[form_id]
    client = live_server.app.test_client()
    rows = sample_rows(form_id)
    id_header = next((c for c in ("证件号码", "证件号") if c in rows[1]), None)
    if id_header is not None:
        rows[1][id_header] = rows[1][id_header][:-1] + ("0" if rows[1][id_header][-1] != "0" else "1")
        words = "校验位"
    else:  # a list of people without identity numbers (pledges): a required cell left empty
        header = next(c.header for c in columns(spec.row_model) if c.required)
        rows[1][header] = None
        words = f"{header}为必填项"
    sheet = tmp_path / "导入.xlsx"
    sheet.write_bytes(fill(blank_template(client, form_id), rows))

    response = page.goto(live_server(f"/forms/{form_id}"))
    page.get_by_label("选择填好的模板文件（.xlsx）").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并导入").click()
    table = page.locator("table.import-errors")
    table.wait_for()
    error_row = table.locator("tbody tr").filter(has_text=words)
    assert error_row.count() == 1
    cell = error_row.locator("td.cell--error")
    assert cell.inner_text() and cell.inner_text() == cell.get_attribute("data-cell")
    result = page.locator("[data-import-result]").inner_text()
    assert "表格未导入" in result and "null" not in result
    screenshot(page, f"import-{form_id}-error")

    # the corrected sheet fills the form's list
    sheet.write_bytes(fill(blank_template(client, form_id), sample_rows(form_id)))
    page.get_by_label("选择填好的模板文件（.xlsx）").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并导入").click()
    page.get_by_text(f"导入成功：共 {len(rows)} 行").wait_for()
    rows_title = spec.model.model_fields[spec.rows_field].title
    assert page.get_by_role("group", name=f"{rows_title}第{len(rows)}项").is_visible()
    check_page(page, response)


def filled_sheet(live_server, tmp_path: Path, form_id: str, rows) -> Path:
    """The form's import template with rows typed in, as a file to upload."""
    path = tmp_path / f"{form_id}.xlsx"
    path.write_bytes(fill(blank_template(live_server.app.test_client(), form_id), rows))
    return path


def test_pledges_from_a_sheet_of_applicants(page, live_server, tmp_path: Path):
    """The unit types 单位 once and its applicants in Excel: a pledge for each, one per page."""
    rows = sample_rows("pledge")
    sheet = filled_sheet(live_server, tmp_path, "pledge", rows)
    response = page.goto(live_server("/forms/pledge"))
    template = page.get_by_role("link", name="下载导入模板（XLSX）")
    assert template.get_attribute("href") == "/api/v1/forms/pledge/blank?format=xlsx"
    page.get_by_label("单位", exact=True).fill("咸宁市中心医院")
    page.get_by_label("选择填好的模板文件（.xlsx）").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并导入").click()
    page.get_by_text(f"导入成功：共 {len(rows)} 行").wait_for()
    # the sheet filled the list; what was typed above it stays
    expect(page.get_by_label("单位", exact=True)).to_have_value("咸宁市中心医院")
    last = page.get_by_role("group", name=f"申报人员第{len(rows)}项")
    expect(last.get_by_label("承诺人")).to_have_value(rows[-1]["承诺人"])
    page.get_by_text("填写完整，校验通过。").wait_for()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载 PDF 打印版").click()
    pages = [flat(text) for text in pdf_text(Path(download_info.value.path()).read_bytes())]
    assert len(pages) == len(rows)
    for text, row in zip(pages, rows, strict=True):
        assert f"本人系咸宁市中心医院（单位）工作人员，现申报{row['职称系列']}系列{row['专业']}专业" in text
        assert row["承诺人"] in text
    screenshot(page, "form-pledge-from-sheet")
    check_page(page, response)


def test_a_photo_is_chosen_shown_and_printed(page, live_server, tmp_path: Path):
    """The crossover application's photo: chosen in the browser, shown, sent, in the PDF."""
    from PIL import Image

    photo = tmp_path / "二寸照.jpg"
    Image.new("RGB", (413, 579), (200, 40, 40)).save(photo, "JPEG")
    page.goto(live_server("/forms/crossover-application"))
    # no photo yet: nothing to show and nothing to remove
    expect(page.get_by_role("button", name="移除照片")).to_be_hidden()
    expect(page.get_by_role("img", name="照片预览")).to_be_hidden()
    page.get_by_role("button", name="载入样例").click()
    page.get_by_text("填写完整，校验通过。").or_(page.get_by_text("条提示请核对")).first.wait_for()
    page.get_by_label("照片").set_input_files(str(photo))
    preview = page.get_by_role("img", name="照片预览")
    preview.wait_for()
    assert preview.get_attribute("src").startswith("data:image/jpeg;base64,")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载 PDF 打印版").click()
    content = Path(download_info.value.path()).read_bytes()
    import io

    from pypdf import PdfReader

    images = [image for p in PdfReader(io.BytesIO(content)).pages for image in p.images]
    assert images, "the photo is not in the PDF"
    page.get_by_role("button", name="移除照片").click()
    assert preview.is_hidden()


def test_summary_sheet_gives_every_applicants_application(page, live_server, tmp_path: Path):
    client = live_server.app.test_client()
    rows = sample_rows("crossover-summary")
    sheet = filled_sheet(live_server, tmp_path, "crossover-summary", rows)
    response = page.goto(live_server("/forms/crossover-summary"))
    tool = page.locator("[data-sheet-tool]")
    tool.get_by_label("填好的武汉市专业技术人才向高技能人才贯通申报汇总表（.xlsx）").set_input_files(str(sheet))
    with page.expect_download() as download_info:
        tool.get_by_role("button", name="生成并下载").click()
    content = Path(download_info.value.path()).read_bytes()
    pages = [flat(text) for text in pdf_text(content)]
    assert len(pages) == len(rows)
    for text, row in zip(pages, rows, strict=True):
        assert row["姓名"] in text
    expect(page.locator("[data-tool-result]")).to_contain_text("已生成并下载")

    rows[2]["证件类型"] = "护照"
    rows[2]["性别"] = None  # 性别 is required unless 证件类型 is 身份证
    sheet.write_bytes(fill(blank_template(client, "crossover-summary"), rows))
    tool.get_by_label("填好的武汉市专业技术人才向高技能人才贯通申报汇总表（.xlsx）").set_input_files(str(sheet))
    tool.get_by_role("button", name="生成并下载").click()
    error = page.locator("[data-tool-result] table.import-errors tbody tr").filter(has_text="性别")
    expect(error).to_have_count(1)
    row_number = error.locator("td").first.inner_text()
    assert error.locator("td.cell--error").inner_text().endswith(row_number)
    screenshot(page, "form-crossover-summary-applications-error")
    check_page(page, response)


def test_a_missing_page_is_a_page(page, live_server):
    response = page.goto(live_server("/forms/no-such-form"))
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    expect(page.locator("main")).to_contain_text("没有这张表：no-such-form")
    screenshot(page, "not-found")
    # the browser logs the page's own 404; nothing else may be in the log
    assert page.formsvc_log.console_errors == [
        "Failed to load resource: the server responded with a status of 404 (NOT FOUND)"]
    page.formsvc_log.console_errors.clear()
    check_page(page, response, keyboard=["返回首页"])
