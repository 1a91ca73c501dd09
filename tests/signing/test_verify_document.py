"""Verification by upload, and tamper tests in the style of pyHanko's own: each way of forging or
altering a signed certificate is reported precisely by POST /api/v1/verify/document, and pyHanko's
validator, asked directly, agrees (the second, independent opinion)."""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Callable
from typing import Any

import pikepdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from formsvc.signing import keys
from formsvc.signing.archive import make_archival
from formsvc.signing.sign import sign_certificate
from formsvc.signing.verify_document import MAX_UPLOAD_BYTES

from .conftest import issue, pyhanko_status, trust_of


def upload(client: FlaskClient, pdf: bytes) -> Any:
    return client.post("/api/v1/verify/document", data={"file": (io.BytesIO(pdf), "证书.pdf")},
                       content_type="multipart/form-data")


def checked(client: FlaskClient, pdf: bytes) -> dict[str, Any]:
    response = upload(client, pdf)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def unsigned_prefix(signed: bytes) -> bytes:
    """The file as rendered, before the signing update (its first %%EOF)."""
    end = signed.index(b"%%EOF") + len(b"%%EOF\n")
    return signed[:end]


def record_in(pdf: bytes) -> dict[str, Any]:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return json.loads(document.attachments["certificate.json"].get_file().read_bytes())


def incremental(pdf: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def replace_record(writer: IncrementalPdfFileWriter, record: dict[str, Any]) -> None:
    """Put record in place of certificate.json's content, as a forger's update would."""
    spec = writer.root["/Names"]["/EmbeddedFiles"]["/Names"][1]
    stream = generic.StreamObject({pdf_name("/Type"): pdf_name("/EmbeddedFile")},
                                  stream_data=json.dumps(record, ensure_ascii=False).encode())
    new = writer.add_object(stream)
    # the /EF dictionary is direct: the file spec holding it is rewritten
    spec["/EF"][pdf_name("/F")] = new
    spec["/EF"][pdf_name("/UF")] = new
    writer.update_container(spec)


# --- a genuine certificate ---------------------------------------------------------------------


def test_a_genuine_certificate_is_reported_valid_point_by_point(
        signing_app: Flask, client: FlaskClient, signed: bytes, issued: dict[str, Any]) -> None:
    result = checked(client, signed)
    assert result["verdict"] == "真实有效" and result["genuine"] and result["valid_now"]
    signature = result["signature"]
    assert signature["state"] == "valid" and signature["trusted"]
    assert "样章" in signature["signer"] and "测试/样章" in signature["issuer"]
    assert signature["signing_time"]
    assert result["integrity"]["state"] == "unmodified" and not result["integrity"]["changes"]
    registry = result["registry"]
    assert registry["number"] == issued["number"] and registry["status_text"] == "有效"
    assert registry["data_match"]
    assert {f["name"] for f in registry["fields"]} >= {"name", "title", "verify_url", "id_number_masked"}
    assert all(f["same"] for f in registry["fields"])
    # the code of the QR code is never echoed from the registry
    assert all(f["in_registry"] is None for f in registry["fields"] if f["name"] == "verify_url")
    assert issued["id_number"] not in json.dumps(result, ensure_ascii=False)
    # pyHanko agrees
    assert pyhanko_status(signed, trust_of(signing_app)).bottom_line


def test_a_revoked_certificate_says_revoked_although_its_signature_is_valid(
        signing_app: Flask, client: FlaskClient, auth: dict[str, str], signed: bytes,
        issued: dict[str, Any]) -> None:
    response = client.post(issued["links"]["revoke"], json={"reason": "评审材料弄虚作假"}, headers=auth)
    assert response.status_code == 200
    result = checked(client, signed)
    assert result["signature"]["state"] == "valid" and result["genuine"]
    assert not result["valid_now"]
    assert result["verdict"] == "证书真实，但已撤销"
    assert result["registry"]["status_text"] == "已撤销"
    assert result["registry"]["revoke_reason"] == "评审材料弄虚作假"
    assert "评审材料弄虚作假" in result["summary"]
    # the signature itself stays valid: revocation is the registry's word, not the file's
    assert pyhanko_status(signed, trust_of(signing_app)).bottom_line


# --- tampering -----------------------------------------------------------------------------------


def test_one_byte_changed_in_a_signed_value_breaks_the_signature(
        signing_app: Flask, client: FlaskClient, signed: bytes, issued: dict[str, Any]) -> None:
    number = issued["number"].encode()
    at = signed.index(number, len(unsigned_prefix(signed)))  # in the signed update (the XMP title)
    digit = signed[at + 5:at + 6]
    tampered = signed[:at + 5] + (b"9" if digit != b"9" else b"8") + signed[at + 6:]
    assert len(tampered) == len(signed)
    result = checked(client, tampered)
    assert result["signature"]["state"] == "invalid" and not result["signature"]["trusted"]
    assert result["integrity"]["state"] == "broken"
    assert "签名所覆盖的内容已被改动" in result["summary"]
    assert result["verdict"] == "无法确认真实性"
    status = pyhanko_status(tampered, trust_of(signing_app))
    assert not status.intact and not status.bottom_line


def test_an_update_appended_after_signing_is_reported_with_what_it_added(
        signing_app: Flask, client: FlaskClient, signed: bytes) -> None:
    def overwrite_level(writer: IncrementalPdfFileWriter) -> None:
        # white box over 级别 and a new value: what a reader shows changes, the signed bytes do not
        content = generic.StreamObject(stream_data=b"q 1 1 1 rg 290 560 80 22 re f Q")
        writer.add_stream_to_page(0, writer.add_object(content))

    tampered = incremental(signed, overwrite_level)
    result = checked(client, tampered)
    assert result["signature"]["state"] == "valid"  # the signed revision itself is untouched
    integrity = result["integrity"]
    assert integrity["state"] == "modified"
    assert not result["genuine"] and result["verdict"] == "无法确认真实性"
    [change] = integrity["changes"]
    kinds = {(o["kind"], o["new"]) for o in change["objects"]}
    assert ("页面", False) in kinds and ("内容流", True) in kinds
    assert "替换页面" in change["summary"] and "新增内容流" in change["summary"]
    # the B-LT update before it is told apart, as permitted
    assert integrity["validation_updates"] == [2] and change["revision"] == 3
    assert "第 2 次修订仅追加长期验证数据" in result["summary"]
    status = pyhanko_status(tampered, trust_of(signing_app))
    assert status.intact and status.coverage.name == "ENTIRE_REVISION"
    assert status.modification_level.name == "OTHER" and not status.bottom_line


def test_a_swapped_certificate_json_is_reported_and_the_fields_compared(
        signing_app: Flask, client: FlaskClient, auth: dict[str, str], signed: bytes) -> None:
    forged = dict(record_in(signed), level="正高级", title="正高级工程师")
    tampered = incremental(signed, lambda writer: replace_record(writer, forged))
    result = checked(client, tampered)
    assert result["integrity"]["state"] == "modified" and result["integrity"]["record_changed"]
    assert "certificate.json 与签名时不同" in result["summary"]
    different = {f["name"]: f for f in result["registry"]["fields"] if not f["same"]}
    assert set(different) == {"level", "title"}
    assert different["level"]["in_file"] == "正高级" and different["level"]["in_registry"] == "中级"
    assert "级别：不一致" in result["summary"]
    assert not result["genuine"]
    assert not pyhanko_status(tampered, trust_of(signing_app)).bottom_line


def test_a_stripped_signature_is_reported_missing_even_with_the_right_data(
        signing_app: Flask, client: FlaskClient, signed: bytes) -> None:
    record = record_in(signed)
    stripped = incremental(unsigned_prefix(signed), lambda writer: make_archival(writer, record))
    result = checked(client, stripped)
    assert result["signature"]["state"] == "missing"
    assert "没有数字签名" in result["summary"]
    assert result["registry"]["data_match"]  # the data are right, yet nothing proves them
    assert not result["genuine"] and result["verdict"] == "无法确认真实性"
    assert PdfFileReader(io.BytesIO(stripped)).embedded_signatures == []


def test_a_certificate_re_signed_with_another_key_is_untrusted(
        signing_app: Flask, client: FlaskClient, signed: bytes, tmp_path: Any) -> None:
    other = keys.create_trial(tmp_path / "forger", "湖北省职称改革工作领导小组办公室")
    forger = keys.load_key(other, (other.parent / keys.TRIAL_PASSPHRASE).read_bytes().strip(),
                           trust_anchor_files=keys.trial_anchor_files(tmp_path / "forger"))
    record = dict(record_in(signed), level="正高级")
    forged = sign_certificate(unsigned_prefix(signed), record, forger)
    result = checked(client, forged)
    assert result["signature"]["state"] == "valid" and not result["signature"]["trusted"]
    assert "不受信任" in result["summary"]
    assert result["integrity"]["state"] == "unmodified"
    assert [f["name"] for f in result["registry"]["fields"] if not f["same"]] == ["level"]
    assert not result["genuine"]
    status = pyhanko_status(forged, trust_of(signing_app))
    assert status.intact and status.valid and not status.trusted and not status.bottom_line


def test_a_made_up_number_and_name_reveal_nothing(signing_app: Flask, client: FlaskClient,
                                                  auth: dict[str, str], signed: bytes) -> None:
    other = issue(client, auth, 2)
    record = dict(record_in(signed), number=other["number"])  # someone else's number, our name…
    record["name"] = "王五"  # …and a name that is not theirs
    forged = incremental(unsigned_prefix(signed), lambda writer: make_archival(writer, record))
    result = checked(client, forged)
    assert not result["registry"]["found"] and result["registry"]["fields"] == []
    assert other["title"] not in json.dumps(result["registry"], ensure_ascii=False) or \
        other["title"] == record["title"]


# --- hostile uploads -----------------------------------------------------------------------------


def encrypted(pdf: bytes) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(out, encryption=pikepdf.Encryption(owner="o", user="u", R=6))
    return out.getvalue()


def bomb(pdf: bytes) -> bytes:
    """certificate.json as a stream that inflates a thousandfold twice over (100 MB of zeros)."""
    inner = zlib.compress(b"\0" * (100 * 1024 * 1024), 9)
    outer = zlib.compress(inner, 9)

    def plant(writer: IncrementalPdfFileWriter) -> None:
        stream = generic.StreamObject({
            pdf_name("/Type"): pdf_name("/EmbeddedFile"),
            pdf_name("/Filter"): generic.ArrayObject([pdf_name("/FlateDecode"), pdf_name("/FlateDecode")]),
        }, encoded_data=outer)
        make_archival(writer, record_in(pdf))
        spec = writer.root["/Names"]["/EmbeddedFiles"]["/Names"][1]
        spec["/EF"][pdf_name("/F")] = writer.add_object(stream)

    return incremental(pdf, plant)


def nested(pdf: bytes) -> bytes:
    depth = 200_000
    def plant(writer: IncrementalPdfFileWriter) -> None:
        writer.root[pdf_name("/Deep")] = writer.add_object(generic.NullObject())
    body = incremental(pdf, plant)
    # the nested array replaces the placeholder object in the raw file
    number = int(body.rsplit(b" 0 obj\nnull", 1)[0].rsplit(b"\n", 1)[1])
    return body.replace(f"{number} 0 obj\nnull".encode(), f"{number} 0 obj\n".encode()
                        + b"[" * depth + b"]" * depth, 1)


@pytest.mark.parametrize(("make", "status", "message"), [
    (lambda pdf: b"\x89PNG\r\n\x1a\n" + b"\0" * 4000, 422, "不是 PDF"),
    (lambda pdf: b"", 422, "空的"),
    (lambda pdf: pdf[: len(pdf) // 2], 422, "不是 PDF"),
    (encrypted, 422, "已加密"),
    (bomb, 422, "解压后过大"),
    (nested, 422, "损坏或格式不规范"),
    (lambda pdf: pdf + b"%" * (MAX_UPLOAD_BYTES + 1), 413, "过大"),
])
def test_hostile_uploads_get_a_clear_chinese_error_never_a_500(
        client: FlaskClient, signed: bytes, make: Callable[[bytes], bytes], status: int,
        message: str) -> None:
    response = upload(client, make(signed))
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    [error] = response.get_json()["errors"]
    assert message in error["msg"] and error["loc"] == ["file"]


def test_the_time_a_check_may_take_is_a_setting(signing_app: Flask, client: FlaskClient,
                                                signed: bytes) -> None:
    # FORMSVC_DOCUMENT_CHECK_SECONDS: with no time at all even a genuine certificate is refused,
    # as a hostile one that runs out of time is, with the same clear message
    signing_app.config["DOCUMENT_CHECK_SECONDS"] = 0.001
    response = upload(client, signed)
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    [error] = response.get_json()["errors"]
    assert "过于复杂" in error["msg"] and error["loc"] == ["file"]


def test_an_upload_as_a_bare_pdf_body_works_and_other_types_are_refused(
        client: FlaskClient, signed: bytes) -> None:
    response = client.post("/api/v1/verify/document", data=signed, content_type="application/pdf")
    assert response.status_code == 200 and response.get_json()["valid_now"]
    response = client.post("/api/v1/verify/document", json={"file": "x"})
    assert response.status_code == 415
    assert "multipart/form-data" in response.get_json()["errors"][0]["msg"]


def test_the_verify_page_shows_the_result_of_an_upload(client: FlaskClient, signed: bytes) -> None:
    response = client.post("/verify/document", data={"file": (io.BytesIO(signed), "c.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "真实有效" in page and "数字签名" in page and "文件完整性" in page and "登记状态" in page
    response = client.post("/verify/document", data={"file": (io.BytesIO(b"not a pdf"), "c.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "不是 PDF" in response.get_data(as_text=True)
