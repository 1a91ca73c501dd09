"""The office pages and the public verification pages in a real browser: log in, find, revoke, verify."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..helpers import OFFICE_USER, WAIT, log_in, sample, screenshot
from .a11y import check_page

pytestmark = pytest.mark.browser


def issue_samples(live_server):
    """The title-history sample's records as certificates of the live server's registry."""
    from formsvc import db
    from formsvc.forms.title_history import TitleRecord
    from formsvc.registry import issuing, records
    from formsvc.registry.scope import WHOLE_REGISTRY

    app = live_server.app
    with app.app_context():
        settings = records.RegistrySettings.from_config(app.config)
        return [
            issuing.issue(db.session(), issuing.CertificateRequest(TitleRecord.model_validate(row)),
                          scope=WHOLE_REGISTRY, actor="test", settings=settings).certificate
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
    check_page(page, page.goto(page.url), keyboard=["下载证书 PDF", "撤销原因", "下一步：确认撤销"])
    # no reason, no revocation: the error is beside the box
    page.get_by_role("button", name="下一步：确认撤销").click()
    expect(page.locator("#reason-msg")).to_have_text("请填写撤销原因")
    reason = "经复核，申报材料中的论文存在抄袭"
    page.get_by_label("撤销原因").fill(reason)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="下一步：确认撤销").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("确认撤销证书？")
    check_page(page, navigation.value, keyboard=["确认撤销", "取消"])
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
    expect(line.locator("td").nth(1)).to_have_text(OFFICE_USER[0])  # by name, not 「office:…」
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
    phone_page.get_by_role("button", name="查验", exact=True).click()
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


def title_rows(count: int) -> list[dict]:
    """count distinct title records (sheet rows by header) with valid identity numbers."""
    import datetime as dt

    from stdnum.cn import ric

    from ..helpers import sample_rows

    template = sample_rows("title-history")[0]
    rows = []
    for index in range(count):
        body = f"42010219900101{index:03d}"
        number = body + ric.calc_check_digit(body + "0")
        name = "赵钱孙李周吴郑王"[index % 8] + "春夏秋冬梅兰竹菊松柏"[index // 8 % 10] + "华"
        rows.append({**template, "姓名": name,
                     "证件号码": number, "出生日期": dt.date(1990, 1, 1),
                     "性别": "男" if index % 2 else "女"})
    return rows


def test_bulk_issue_from_upload_to_the_print_pdf_and_a_scanned_certificate(
        page, phone_page, live_server, tmp_path):
    import io
    import zipfile

    from PIL import Image
    from pypdf import PdfReader, PdfWriter

    from ..helpers import blank_template, fill, pdf_qr_codes, pdf_text, save_artifact

    client = live_server.app.test_client()
    rows = title_rows(40)
    bad = [dict(row) for row in rows]
    bad[6]["证件号码"] = bad[6]["证件号码"][:-1] + ("1" if bad[6]["证件号码"][-1] != "1" else "2")
    sheet = tmp_path / "2026年第一批采集表.xlsx"
    sheet.write_bytes(fill(blank_template(client, "title-history"), bad))
    photos = tmp_path / "照片.zip"
    with zipfile.ZipFile(photos, "w") as archive:
        picture = io.BytesIO()
        Image.new("RGB", (413, 579), (90, 120, 200)).save(picture, "JPEG")
        archive.writestr(f"{rows[0]['证件号码']}.jpg", picture.getvalue())

    log_in(page, live_server, "/office/jobs")
    response = page.goto(live_server("/office/jobs"))
    check_page(page, response, keyboard=["采集表（.xlsx）", "照片压缩包（.zip，可不选）", "上传并校验"])
    page.get_by_label("采集表（.xlsx）").set_input_files(str(sheet))
    page.get_by_label("照片压缩包（.zip，可不选）").set_input_files(str(photos))
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_role("alert").filter(has_text="未通过校验")).to_be_visible()
    check_page(page, navigation.value, keyboard=["重新上传"])
    screenshot(page, "office-job-check-errors")
    error = page.locator("table.import-errors tbody tr").filter(has_text="校验位")
    expect(error).to_have_count(1)
    assert error.locator("td.cell--error").inner_text() == f"D{int(error.locator('td').first.inner_text())}"
    screenshot(page, "office-job-check-errors")

    sheet.write_bytes(fill(blank_template(client, "title-history"), rows))
    page.goto(live_server("/office/jobs"))
    page.get_by_label("采集表（.xlsx）").set_input_files(str(sheet))
    page.get_by_label("照片压缩包（.zip，可不选）").set_input_files(str(photos))
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_role("status").first).to_contain_text("40 条职称数据，1 张照片")
    screenshot(page, "office-job-check-ok")
    polls: list[int] = []
    page.on("response", lambda answer: answer.url.endswith("/status") and polls.append(answer.status))
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="开始签发").click()
    job_response = navigation.value
    assert job_response.url.startswith(live_server("/office/jobs/"))
    first_state = re.search(r'data-state="(\w+)"', job_response.text())[1]
    progress = page.locator("progress")
    expect(progress).to_have_attribute("max", "40")
    # the bar is moved by the page's own script polling the job's status: it reaches 100 %
    # (40 signed certificates: at load 10 the job sat queued for most of 120 s, so as long as
    # wait_done gives a job)
    expect(page.locator("[data-job-text]")).to_contain_text("100%", timeout=5 * WAIT * 1000)
    assert progress.evaluate("bar => bar.value") == 40
    if first_state in ("queued", "running"):
        assert polls and set(polls) == {200}
    expect(page.locator("[data-job-downloads]")).to_be_visible()
    screenshot(page, "office-job-done")
    check_page(page, job_response, keyboard=["下载打印用 PDF", "下载单张证书 ZIP"])

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载打印用 PDF").click()
    assert download_info.value.suggested_filename == "2026年第一批采集表-职称证书打印.pdf"
    content = download_info.value.path().read_bytes()
    save_artifact("web-job-print.pdf", content)
    texts = pdf_text(content)
    assert len(texts) == 40
    for text, row in zip(texts, rows, strict=True):  # one certificate per page, in sheet order
        assert row["姓名"] in "".join(text.split())
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载单张证书 ZIP").click()
    with zipfile.ZipFile(download_info.value.path()) as archive:
        assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 40

    # scan the QR code of the printed page 3, as a phone would, and open what it holds
    page_three = io.BytesIO()
    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(content)).pages[2])
    writer.write(page_three)
    [[code]] = pdf_qr_codes(page_three.getvalue())
    assert code.text.startswith(live_server("/v/"))
    response = phone_page.goto(code.text)
    expect(phone_page.locator(".verify-status")).to_contain_text("有效")
    expect(phone_page.locator(".verify-fields")).to_contain_text(rows[2]["姓名"])
    screenshot(phone_page, "verify-phone-scanned")
    check_page(phone_page, response)


def test_the_register_filtered_paged_and_exported_then_the_export_in_the_audit_log(page, live_server):
    import datetime as dt
    import io

    from openpyxl import load_workbook

    from formsvc import db
    from formsvc.registry import issuing, records
    from formsvc.registry.scope import WHOLE_REGISTRY

    from ..helpers import person_request

    app = live_server.app
    with app.app_context():
        settings = records.RegistrySettings.from_config(app.config)
        issued = issuing.issue_many(db.session(), [person_request(i) for i in range(500, 560)],
                                    scope=WHOLE_REGISTRY, actor="cli", settings=settings,
                                    today=dt.date(2024, 2, 2))
    log_in(page, live_server, "/office/certificates")
    page.get_by_label("发证日期起").fill("2024-02-02")
    page.get_by_label("发证日期止").fill("2024-02-02")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("status").first).to_contain_text("共 60 张证书，本页第 1–50 张（第 1 / 2 页）")
    screenshot(page, "office-register-filtered")
    check_page(page, page.goto(page.url), keyboard=["查询", "下一页", "导出 Excel"])
    page.get_by_role("link", name="下一页").click()
    assert "from=2024-02-02" in page.url and "to=2024-02-02" in page.url and "page=2" in page.url
    expect(page.get_by_role("status").first).to_contain_text("本页第 51–60 张（第 2 / 2 页）")
    page.get_by_label("证件号码完整").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    numbers = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert numbers == [i.certificate.number for i in reversed(issued)]  # all 60, both pages
    assert sheet["C2"].value == issued[-1].certificate.record.id_number

    page.goto(live_server("/office/audit"))
    page.get_by_label("操作", exact=True).select_option(label="导出证书清单")
    page.get_by_role("button", name="筛选").click()
    line = page.locator("table.data tbody tr").first
    expect(line).to_contain_text(OFFICE_USER[0])
    expect(line).to_contain_text("行数：60 行；证件号码：完整；筛选条件：发证日期：2024-02-02 至 2024-02-02")
    screenshot(page, "office-audit-exports")
    check_page(page, page.goto(page.url))
