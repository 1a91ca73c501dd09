"""The issuing API: tokens, issue and re-issue, read, PDF, revoke, and every refusal."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from formsvc import db
from formsvc.registry import audit, tokens
from formsvc.registry.scope import WHOLE_REGISTRY

from ..helpers import code_of, pdf_text, record_data

CERTIFICATES = "/api/v1/certificates"


def jpeg(width: int = 300, height: int = 420) -> bytes:
    image = Image.new("RGB", (width, height), (236, 240, 245))
    for y in range(height):  # a face-like gradient, so that the photo is not a flat colour
        for x in range(80, 220):
            if (x - 150) ** 2 / 70**2 + (y - 180) ** 2 / 95**2 < 1:
                image.putpixel((x, y), (200 - y // 6, 160, 140))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def test_issue_answers_201_with_number_and_verify_url(client, auth, registry_app):
    response = client.post(CERTIFICATES, json=record_data(), headers=auth)
    assert response.status_code == 201
    body = response.get_json()
    assert body["number"].startswith("HB")
    assert body["verify_url"] == f"https://zc.example.gov.cn/v/{code_of(body)}"
    assert body["status"] == "valid" and body["status_text"] == "有效"
    assert body["level"] == "中级"
    assert body["name"] == "李䶮" and body["id_number"] == "420102198503121334"
    assert body["issued_by"] == "token:人社局职改办"
    assert response.headers["Location"] == f"/api/v1/certificates/{body['number']}"
    assert body["links"]["pdf"] == f"/api/v1/certificates/{body['number']}/pdf"
    assert body["warnings"] == []


def test_the_same_record_again_answers_200_with_the_existing_certificate(client, auth, issued):
    again = client.post(CERTIFICATES, json=record_data(), headers=auth)
    assert again.status_code == 200
    assert again.get_json()["number"] == issued["number"]
    assert again.get_json()["verify_url"] == issued["verify_url"]
    assert "Location" not in again.headers


def test_the_same_key_with_other_details_is_409_naming_the_fields(client, auth, issued):
    response = client.post(CERTIFICATES, json=record_data(name="李岩"), headers=auth)
    assert response.status_code == 409
    message = response.get_json()["errors"][0]["msg"]
    assert issued["number"] in message and "姓名与之不符" in message


# --- access control --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "header"),
    [
        ("post", CERTIFICATES, None),
        ("get", f"{CERTIFICATES}/HB20250000001X", None),
        ("get", f"{CERTIFICATES}/HB20250000001X/pdf", None),
        ("post", f"{CERTIFICATES}/HB20250000001X/revoke", None),
        ("post", CERTIFICATES, "Bearer"),
        ("post", CERTIFICATES, "Bearer fsv_not-a-real-token"),
        ("post", CERTIFICATES, "Basic dXNlcjpwYXNz"),
        ("post", CERTIFICATES, "fsv_missing-scheme"),
    ],
)
def test_issuing_endpoints_need_a_token(client, registry_app, method, path, header):
    headers = {"Authorization": header} if header else {}
    response = getattr(client, method)(path, json=record_data(), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["errors"][0]["msg"] in (
        "需要访问令牌：请在请求头中提供 Authorization: Bearer <令牌>", "访问令牌无效")
    with registry_app.app_context():
        assert audit.entries(db.session(), scope=WHOLE_REGISTRY) == []


def test_a_revoked_token_is_403_and_issues_nothing(client, auth, registry_app):
    with registry_app.app_context():
        tokens.revoke(db.session(), "人社局职改办")
    response = client.post(CERTIFICATES, json=record_data(), headers=auth)
    assert response.status_code == 403
    assert response.get_json()["errors"][0]["msg"] == "访问令牌「人社局职改办」已被吊销"


def test_tokens_are_stored_as_digests_only(registry_app, token):
    from sqlalchemy import select

    from formsvc.registry.models import Issuer

    with registry_app.app_context():
        row = db.session().scalars(select(Issuer)).one()
    assert token.startswith("fsv_") and len(token) >= 40
    assert token not in (row.token_digest, row.token_hint, row.name)
    assert token.startswith(row.token_hint)


# --- bad input: 422 naming the field, nothing stored -----------------------------------------


@pytest.mark.parametrize(
    ("changes", "loc", "message"),
    [
        ({"id_number": "420102198503121335"}, ["id_number"], "证件号码校验位错误"),
        ({"id_number": "42010219850312133"}, ["id_number"], "证件号码应为18位，现为17位"),
        ({"gender": "女"}, ["gender"], "性别与证件号码不符（证件号码表明为男）"),
        ({"name": "=HYPERLINK(\"http://x\")"}, ["name"], "姓名含有姓名中不允许的字符「=」"),
        ({"name": None}, ["name"], "姓名应为文本"),
        ({"title": "船长"}, ["level"],
         "无法从职称名称「船长」判断级别，请填写级别（初级、中级、副高级、正高级）"),
        ({"level": "特级"}, ["level"], "级别只能是：初级、中级、副高级、正高级"),
        ({"approval_date": "2019-02-30"}, ["approval_date"], "批准日期不是存在的日期：2019-02-30"),
        ({"committee": "评" * 51}, ["committee"], "评审组织不能超过50个字"),
        ({"approver": "武汉市\u202e办公室"}, ["approver"], "批准单位含有不可见或不允许的字符 U+202E"),
        ({"unit": "某单位"}, ["unit"], "“unit”不是本表的字段"),
        ({"photo": "not base64 at all!"}, ["photo"], "照片应为 base64 编码的 JPEG 或 PNG 图片"),
        ({"photo": base64.b64encode(b"GIF89a" + b"\0" * 100).decode()}, ["photo"],
         "照片只能是 JPEG 或 PNG 图片（收到的是 GIF 文件）"),
        ({"photo": base64.b64encode(b"\xff" * (10 * 1024 * 1024)).decode()}, ["photo"],
         "照片不能超过 2 MB"),
    ],
)
def test_bad_records_are_422_naming_the_field(client, auth, registry_app, changes, loc, message):
    data = record_data()
    data.update(changes)
    response = client.post(CERTIFICATES, json=data, headers=auth)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert {"loc": loc, "msg": message} in errors, errors
    with registry_app.app_context():
        assert [e.action for e in audit.entries(db.session(), scope=WHOLE_REGISTRY)] == ["token-create"]


def test_missing_fields_are_each_named(client, auth):
    response = client.post(CERTIFICATES, json={"name": "李䶮"}, headers=auth)
    assert response.status_code == 422
    messages = {e["msg"] for e in response.get_json()["errors"]}
    assert {"性别为必填项", "证件号码为必填项", "批准文号为必填项", "批准日期为必填项"} <= messages


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [(b"{not json", "application/json", 400), (b"name=x", "application/x-www-form-urlencoded", 415),
     (b"[1, 2]", "application/json", 422)],
)
def test_malformed_bodies(client, auth, body, content_type, status):
    response = client.post(CERTIFICATES, data=body, content_type=content_type, headers=auth)
    assert response.status_code == status
    assert response.get_json()["errors"][0]["msg"]


def test_markup_in_a_field_stays_text_everywhere(client, auth):
    hostile = '<img src="file:///etc/passwd">评审委员会'
    response = client.post(CERTIFICATES, json=record_data(committee=hostile), headers=auth)
    assert response.status_code == 201
    body = response.get_json()
    pdf = client.get(body["links"]["pdf"], headers=auth)
    assert pdf.status_code == 200
    assert hostile in "".join(pdf_text(pdf.data)[0].split("\n"))
    page = client.get(f"/v/{code_of(body)}").get_data(as_text=True)
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;评审委员会" in page
    assert "<img" not in page


# --- photos ----------------------------------------------------------------------------------


def test_a_photo_is_stored_checked_and_printed(client, auth, registry_app):
    photo = jpeg()
    data = record_data(photo="data:image/jpeg;base64," + base64.b64encode(photo).decode())
    response = client.post(CERTIFICATES, json=data, headers=auth)
    assert response.status_code == 201
    body = response.get_json()
    assert body["has_photo"] is True
    assert "photo" not in body
    pdf = client.get(body["links"]["pdf"], headers=auth).data
    from pypdf import PdfReader

    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    sizes = sorted(image.image.size for image in images)
    assert (300, 420) in sizes  # the photo, re-encoded at its size (smaller than the print box)


# --- read, PDF, revoke -----------------------------------------------------------------------


def test_read_returns_the_full_record_and_is_audited(client, auth, issued, registry_app):
    response = client.get(issued["links"]["self"], headers=auth)
    assert response.status_code == 200
    assert response.get_json()["id_number"] == "420102198503121334"
    assert response.get_json()["birth_date"] == "1985-03-12"
    with registry_app.app_context():
        lines = audit.entries(db.session(), scope=WHOLE_REGISTRY, number=issued["number"])
    assert [(e.action, e.actor) for e in lines] == [("read", "token:人社局职改办"),
                                                    ("issue", "token:人社局职改办")]


@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_unknown_and_mistyped_numbers(client, auth, issued, suffix):
    number = issued["number"]
    mistyped = number[:-1] + ("A" if number[-1] != "A" else "B")
    response = client.get(f"{CERTIFICATES}/{mistyped}{suffix}", headers=auth)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"loc": ["number"], "msg": "证书编号校验位错误，请核对是否输错"}]
    from stdnum.iso7064 import mod_37_36

    unknown = number[:-2] + ("9" if number[-2] != "9" else "8")
    unknown += mod_37_36.calc_check_digit(unknown)
    response = client.get(f"{CERTIFICATES}/{unknown}{suffix}", headers=auth)
    assert response.status_code == 404
    assert response.get_json()["errors"][0]["msg"] == f"没有编号为 {unknown} 的证书"


def test_pdf_is_a4_with_every_field_and_a_chinese_file_name(client, auth, issued):
    response = client.get(issued["links"]["pdf"], headers=auth)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "filename*=UTF-8''%E8%81%8C%E7%A7%B0%E8%AF%81%E4%B9%A6-" in response.headers["Content-Disposition"]
    text = "".join(pdf_text(response.data)[0].split())
    for value in ("职称证书", issued["number"], "李䶮", "男", "居民身份证", "420102198503121334",
                  "1985年3月12日", "工程", "建筑工程", "工程师", "中级",
                  "武汉市建筑工程专业中级职称评审委员会", "武汉市职称改革工作领导小组办公室",
                  "武职改办〔2019〕1号", "2019年12月20日", "湖北省职称改革工作领导小组办公室"):
        assert value in text, value


def test_revoke_then_revoke_again(client, auth, issued):
    path = issued["links"]["revoke"]
    response = client.post(path, json={"reason": "经查申报材料不实"}, headers=auth)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "revoked" and body["status_text"] == "已撤销"
    assert body["revoke_reason"] == "经查申报材料不实" and body["revoked_on"]
    again = client.post(path, json={"reason": "再次撤销"}, headers=auth)
    assert again.status_code == 409
    assert "原因：经查申报材料不实" in again.get_json()["errors"][0]["msg"]


@pytest.mark.parametrize(
    ("body", "message"),
    [({}, "撤销原因为必填项"), ({"reason": ""}, "撤销原因不能为空"), ({"reason": 5}, "撤销原因应为文本"),
     ({"reason": "x", "by": "me"}, "“by”不是本表的字段"), ([], "数据应为对象")],
)
def test_revocation_needs_a_reason(client, auth, issued, body, message):
    response = client.post(issued["links"]["revoke"], json=body, headers=auth)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["msg"] == message
    assert client.get(issued["links"]["self"], headers=auth).get_json()["status"] == "valid"


def test_openapi_describes_the_certificate_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    issue = paths["/api/v1/certificates"]["post"]
    assert issue["security"] == [{"bearer": ["issue"]}]
    assert paths["/api/v1/certificates/{number}"]["get"]["security"] == [{"bearer": ["read"]}]
    assert paths["/api/v1/certificates/{number}/pdf"]["get"]["security"] == [{"bearer": ["read"]}]
    assert paths["/api/v1/certificates/{number}/revoke"]["post"]["security"] == [{"bearer": ["revoke"]}]
    assert paths["/api/v1/jobs"]["post"]["security"] == [{"bearer": ["issue"]}]
    assert "409" in issue["responses"]
    assert issue["requestBody"]["content"]["application/json"]["example"]["name"] == "李䶮"
    assert "401" in paths["/api/v1/certificates/{number}/revoke"]["post"]["responses"]
    assert "429" in paths["/api/v1/verify/{code}"]["get"]["responses"]


@pytest.mark.parametrize(
    ("setting", "value"), [("CERTIFICATE_PREFIX", "hb-"), ("VERIFY_RATE_LIMIT", "lots")]
)
def test_unusable_settings_refuse_to_start(tmp_path, font_dir, monkeypatch, setting, value):
    from ..helpers import make_app

    with pytest.raises(ValueError, match=setting):
        make_app(tmp_path, font_dir, monkeypatch, **{setting: value})
