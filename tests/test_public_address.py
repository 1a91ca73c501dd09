"""The public address in every QR code: it follows where `make run` serves, and a loopback or
private-range address is warned about before anything is issued (start-up, office, CLI)."""

from __future__ import annotations

import io
import json
import urllib.request

import pytest
from sqlalchemy import func, select

from formsvc import db, users
from formsvc.config import public_address_warning
from formsvc.registry.models import Certificate

from .helpers import blank_template, fill, pdf_qr_codes, people, record_data
from .served import make_run

LOOPBACK = "http://127.0.0.1:18777"


@pytest.mark.parametrize(("url", "local"), [
    ("http://127.0.0.1:8000", True),
    ("http://127.8.0.1", True),
    ("http://localhost:18777/", True),
    ("http://app.localhost", True),
    ("http://[::1]:8000", True),
    ("http://0.0.0.0:8000", True),
    ("http://10.1.2.3", True),
    ("http://172.20.0.5:8080", True),
    ("http://192.168.1.20", True),
    ("http://169.254.0.9", True),
    ("http://[fd00::5]", True),
    ("https://zc.example.gov.cn", False),
    ("https://58.19.1.20", False),
    ("http://172.32.0.1", False),
])
def test_loopback_and_private_addresses_are_told_apart_from_public_ones(url, local):
    warning = public_address_warning(url)
    assert (warning is not None) is local
    if local:
        assert url in warning and "FORMSVC_PUBLIC_URL" in warning


def test_make_run_serves_certificates_whose_qr_code_points_to_its_port(tmp_path, font_dir):
    """`make run PORT=N`, exactly as a new user types it: the QR code opens port N."""
    with make_run(tmp_path, font_dir) as served:
        token = served.flask("token", "create", "测试").stdout.split()[-1]
        certificate = served.request("/api/v1/certificates", token=token,
                                     data=json.dumps(record_data()).encode(), content_type="application/json")
        pdf = served.request(f"/api/v1/certificates/{certificate['number']}/pdf", token=token)
        [[qr]] = pdf_qr_codes(pdf)
        assert qr.text.startswith(f"{served.base}/v/")
        assert certificate["verify_url"] == qr.text
        with urllib.request.urlopen(qr.text, timeout=30) as response:  # and it opens there
            assert response.status == 200 and certificate["number"] in response.read().decode()
    # the served address is loopback: start-up said so
    assert f"查验地址 {served.base} 是本机或内网地址" in served.log()


PASSWORD = "correct horse battery"


@pytest.fixture
def loopback_app(jobs_app):
    jobs_app.config["PUBLIC_URL"] = LOOPBACK
    with jobs_app.app_context():
        users.create(db.session(), "clerk", PASSWORD, admin=True)
    return jobs_app


def _certificates(app) -> int:
    with db.transaction(app) as session:
        return session.scalar(select(func.count()).select_from(Certificate))


def test_the_office_warns_on_the_check_and_job_pages_before_issuing(loopback_app):
    clerk = loopback_app.test_client()
    assert clerk.post("/office/login", data={"name": "clerk", "password": PASSWORD}).status_code == 302
    warning = f"证书二维码中的查验地址 {LOOPBACK} 是本机或内网地址"
    assert warning in clerk.get("/office/jobs").get_data(as_text=True)
    sheet = fill(blank_template(loopback_app.test_client(), "title-history"), people(2))
    checked = clerk.post("/office/jobs/check", data={"sheet": (io.BytesIO(sheet), "采集表.xlsx")},
                         content_type="multipart/form-data")
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200 and warning in page and "开始签发" in page
    assert page.index(warning) < page.index("开始签发")
    assert _certificates(loopback_app) == 0  # warned before anything was issued
    job_page = clerk.get(clerk.post("/office/jobs/start").location).get_data(as_text=True)
    assert warning in job_page


def test_the_office_says_nothing_for_a_public_address(loopback_app):
    loopback_app.config["PUBLIC_URL"] = "https://zc.example.gov.cn"
    clerk = loopback_app.test_client()
    clerk.post("/office/login", data={"name": "clerk", "password": PASSWORD})
    assert "data-public-address-warning" not in clerk.get("/office/jobs").get_data(as_text=True)


def test_flask_issue_asks_before_issuing_under_a_loopback_address(loopback_app, tmp_path):
    sheet = tmp_path / "采集表.xlsx"
    sheet.write_bytes(fill(blank_template(loopback_app.test_client(), "title-history"), people(3)))
    runner = loopback_app.test_cli_runner()
    refused = runner.invoke(args=["issue", str(sheet), "-o", str(tmp_path / "a.pdf")], input="n\n")
    assert refused.exit_code != 0
    assert f"查验地址 {LOOPBACK} 是本机或内网地址" in refused.output
    assert "仍要按此地址签发吗" in refused.output and "未签发任何证书" in refused.output
    assert _certificates(loopback_app) == 0 and not (tmp_path / "a.pdf").exists()
    confirmed = runner.invoke(args=["issue", str(sheet), "-o", str(tmp_path / "b.pdf"), "--yes"])
    assert confirmed.exit_code == 0, confirmed.output
    assert "仍要按此地址签发吗" not in confirmed.output
    assert _certificates(loopback_app) == 3
    [[qr]] = pdf_qr_codes((tmp_path / "b.pdf").read_bytes())[:1]
    assert qr.text.startswith(f"{LOOPBACK}/v/")
