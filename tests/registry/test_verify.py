"""Public verification: the QR code on the printed PDF leads to a page that tells the truth and no more."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from ..helpers import code_of, flat, pdf_pages_as_images, pdf_qr_codes, pdf_text, record_data, save_artifact

#: the sample's birth date as people and programs write it: none may appear in public answers
BIRTH_DATE_SPELLINGS = ("1985-03-12", "1985-3-12", "19850312", "1985/03/12", "1985/3/12", "1985.03.12",
                        "1985.3.12", "1985年3月12日", "1985年03月12日", "850312", "1985年3月")
FULL_ID = "420102198503121334"
MASKED_ID = "42************1334"


def public_answers(client, certificate):
    code = code_of(certificate)
    return [
        client.get(f"/v/{code}").data,
        client.get(f"/api/v1/verify/{code}").data,
        client.get("/verify", query_string={"number": certificate["number"], "name": "李䶮"}).data,
    ]


def test_issue_print_scan_verify(client, auth, issued):
    """The whole way: issue → PDF → 300 dpi print → QR decoded → the page says 有效."""
    pdf = client.get(issued["links"]["pdf"], headers=auth).data
    save_artifact("certificate.pdf", pdf)
    assert len(pdf) <= 200 * 1024, f"certificate PDF is {len(pdf) // 1024} KB"
    [codes] = pdf_qr_codes(pdf, dpi=300)
    assert len(codes) == 1
    qr = codes[0]
    # the QR code holds the public page's URL and nothing else: no name, no number, no ID
    assert qr.text == issued["verify_url"]
    assert re.fullmatch(r"https://zc\.example\.gov\.cn/v/[A-Za-z0-9_-]{22}", qr.text)
    assert qr.ec_level in ("M", "Q", "H")
    page = client.get(urlsplit(qr.text).path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "有效" in html and MASKED_ID in html and issued["number"] in html


def test_the_qr_code_is_at_least_20_mm_wide_with_a_quiet_zone_of_4_modules(client, auth, issued):
    pdf = client.get(issued["links"]["pdf"], headers=auth).data
    [image] = pdf_pages_as_images(pdf, dpi=300)
    [[qr]] = pdf_qr_codes(pdf, dpi=300)
    corners = [qr.position.top_left, qr.position.top_right, qr.position.bottom_right,
               qr.position.bottom_left]
    left, right = min(p.x for p in corners), max(p.x for p in corners)
    top, bottom = min(p.y for p in corners), max(p.y for p in corners)
    width_mm = (right - left + 1) / 300 * 25.4
    assert width_mm >= 20, f"QR symbol is {width_mm:.1f} mm wide"
    # a version-v symbol is 17 + 4v modules across; the quiet zone is 4 of them on each side
    modules = 17 + 4 * int(qr.extra["Version"])
    module_px = (right - left + 1) / modules
    assert module_px >= 5  # at 300 dpi every module is several dots: no blur when printed
    grey = image.convert("L")
    margin = round(4 * module_px) - 2
    for x in range(round(left - margin), round(right + margin)):
        for y in (round(top - margin), round(bottom + margin)):
            assert grey.getpixel((x, y)) > 200, (x, y)
    for y in range(round(top - margin), round(bottom + margin)):
        for x in (round(left - margin), round(right + margin)):
            assert grey.getpixel((x, y)) > 200, (x, y)


def test_the_page_is_mobile_first_chinese_and_has_a_strict_content_security_policy(client, issued):
    response = client.get(f"/v/{code_of(issued)}")
    html = response.get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<html lang="zh-CN">' in html
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "<script>" not in html and "style=" not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # status first: the verdict comes before any field of the certificate
    assert html.index("有效") < html.index("姓名") < html.index("证件号码")
    for label in ("姓名", "证件号码", "职称系列", "专业名称", "职称名称", "评审组织", "批准单位", "批准文号",
                  "批准日期", "证书编号"):
        assert f"<dt>{label}</dt>" in html
    assert "verify-status--valid" in html


def test_public_answers_never_show_the_full_id_birth_date_or_photo(client, auth):
    import base64

    from .test_api import jpeg

    photo = base64.b64encode(jpeg()).decode()
    certificate = client.post("/api/v1/certificates", json=record_data(photo=photo), headers=auth).get_json()
    for answer in public_answers(client, certificate):
        assert MASKED_ID.encode() in answer
        assert FULL_ID.encode() not in answer
        for spelling in BIRTH_DATE_SPELLINGS:
            assert spelling.encode() not in answer, spelling
        assert b"<img" not in answer and b"base64" not in answer and photo[:40].encode() not in answer


def test_the_json_answer(client, issued):
    response = client.get(f"/api/v1/verify/{code_of(issued)}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "valid" and body["status_text"] == "有效"
    assert body["certificate"]["id_number_masked"] == MASKED_ID
    assert body["certificate"]["number"] == issued["number"]
    assert body["summary"].startswith("有效：李䶮 工程师（中级）")
    assert response.headers["Cache-Control"] == "no-store"


def test_a_revoked_certificate_says_so_with_date_and_reason(client, auth, issued):
    client.post(issued["links"]["revoke"], json={"reason": "以欺骗手段取得职称"}, headers=auth)
    html = client.get(f"/v/{code_of(issued)}").get_data(as_text=True)
    assert "已撤销" in html and "撤销原因：以欺骗手段取得职称" in html
    assert re.search(r"该证书已于\d{4}年\d{1,2}月\d{1,2}日撤销", html)
    assert "verify-status--revoked" in html and "verify-status--valid" not in html
    body = client.get(f"/api/v1/verify/{code_of(issued)}").get_json()
    assert body["status"] == "revoked" and body["revoke_reason"] == "以欺骗手段取得职称"
    # a reprint of a revoked certificate carries the mark across the page
    pdf = client.get(issued["links"]["pdf"], headers=auth).data
    assert "已撤销" in flat(pdf_text(pdf)[0])


def forgeries(code: str) -> list[str]:
    changed = code[:-1] + ("A" if code[-1] != "A" else "B")
    return [code[:-1], code[:10], code + "A", changed, code.swapcase(), "A" * 22, "%00" + code[3:],
            code[:21] + "=", "..%2F..%2Fetc%2Fpasswd"]


def test_forged_or_truncated_codes_are_404(client, issued):
    for forged in forgeries(code_of(issued)):
        page = client.get(f"/v/{forged}")
        assert page.status_code == 404, forged
        assert "未找到" in page.get_data(as_text=True)
        if "%2F" not in forged:  # a slash makes it another address, which is not found either
            assert "verify-status--not-found" in page.get_data(as_text=True)
        answer = client.get(f"/api/v1/verify/{forged}")
        assert answer.status_code == 404, forged
        if "%2F" not in forged:
            assert answer.get_json()["errors"] == [
                {"loc": ["code"], "msg": "未找到该证书：查验码无效或证书不存在"}
            ]


@pytest.mark.parametrize(
    ("query", "status", "shown"),
    [
        ({}, 200, "输入证书上的证书编号和持证人姓名"),
        ({"number": "{number}", "name": "李䶮"}, 200, "有效"),
        ({"number": "{number_lower}", "name": " 李䶮 "}, 200, "有效"),
        ({"number": "{number}", "name": "李岩"}, 404, "未找到"),
        ({"number": "{mistyped}", "name": "李䶮"}, 422, "证书编号校验位错误，请核对是否输错"),
        ({"number": "", "name": "李䶮"}, 422, "请填写证书编号"),
        ({"number": "{number}", "name": ""}, 422, "请填写姓名"),
        ({"number": "<script>alert(1)</script>", "name": "李䶮"}, 422, "证书编号格式错误"),
    ],
)
def test_look_up_by_number_and_name(client, issued, query, status, shown):
    number = issued["number"]
    values = {"number": number, "number_lower": number.lower(),
              "mistyped": number[:-1] + ("A" if number[-1] != "A" else "B")}
    response = client.get("/verify", query_string={k: v.format(**values) for k, v in query.items()})
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert shown in html
    assert "<script>alert" not in html
    if status == 200 and query:
        assert MASKED_ID in html
    if status == 404:
        assert "<dt>姓名</dt>" not in html  # a wrong name learns nothing about the certificate
