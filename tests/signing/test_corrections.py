"""Corrections (更正): a corrected certificate is issued anew and supersedes the old one, which
its QR code page, its verification by upload and both office pages then say."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc.registry.numbers import make_number

from ..helpers import code_of
from ..registry.conftest import record_data
from .test_verify_document import checked


def correct(client: FlaskClient, auth: dict[str, str], number: str, reason: str = "姓名录入有误",
            **changes: Any) -> Any:
    data = record_data(1, **changes)
    return client.post(f"/api/v1/certificates/{number}/correct",
                       json={"reason": reason, "certificate": data}, headers=auth)


def test_a_correction_supersedes_the_old_certificate_everywhere(
        signing_app: Flask, client: FlaskClient, auth: dict[str, str], issued: dict[str, Any],
        signed: bytes) -> None:
    response = correct(client, auth, issued["number"], name="李岩")  # same record key, new name
    assert response.status_code == 201, response.get_json()
    new = response.get_json()
    old = new["corrects"]
    assert new["number"] != issued["number"] and new["name"] == "李岩" and new["status"] == "valid"
    assert old["number"] == issued["number"] and old["status"] == "revoked"
    assert new["number"] in old["revoke_reason"] and "姓名录入有误" in old["revoke_reason"]
    # the old QR code's page and JSON say it is superseded, and by which
    public = client.get(f"/api/v1/verify/{code_of(issued)}").get_json()
    assert public["status"] == "revoked" and new["number"] in public["revoke_reason"]
    page = client.get(f"/v/{code_of(issued)}").get_data(as_text=True)
    assert "已撤销" in page and f"由更正后的证书 {new['number']} 取代" in page
    # an upload of the old signed file: genuine signature, but revoked and superseded
    result = checked(client, signed)
    assert result["signature"]["state"] == "valid"
    assert result["registry"]["status_text"] == "已撤销"
    assert new["number"] in result["registry"]["revoke_reason"]
    assert not result["valid_now"]
    # the new one is signed and valid
    fresh = client.get(new["links"]["pdf"], headers=auth).data
    assert checked(client, fresh)["valid_now"]


def test_both_office_pages_link_the_correction(signing_app: Flask, client: FlaskClient,
                                               auth: dict[str, str], issued: dict[str, Any]) -> None:
    from formsvc import db, users

    new = correct(client, auth, issued["number"], speciality="土木工程施工").get_json()
    with signing_app.app_context():
        users.create(db.session(), "admin", "correct horse battery", admin=True)
    office = signing_app.test_client()
    office.post("/office/login", data={"name": "admin", "password": "correct horse battery"})
    old_page = office.get(f"/office/certificates/{issued['number']}").get_data(as_text=True)
    assert f"本证书已由更正后的证书 <a href=\"/office/certificates/{new['number']}\">" in old_page
    new_page = office.get(f"/office/certificates/{new['number']}").get_data(as_text=True)
    assert f"取代原证书 <a href=\"/office/certificates/{issued['number']}\">" in new_page


@pytest.mark.parametrize(("case", "status", "message"), [
    ("twice", 409, "已撤销，不能更正"),
    ("unchanged", 422, "完全相同"),
    ("no reason", 422, "更正原因"),
    ("unknown", 404, "没有编号为"),
    ("invalid data", 422, "证件号码"),
])
def test_corrections_that_cannot_be_made_say_why_and_change_nothing(
        client: FlaskClient, auth: dict[str, str], issued: dict[str, Any], case: str, status: int,
        message: str) -> None:
    number = issued["number"]
    if case == "twice":
        assert correct(client, auth, number, name="李岩").status_code == 201
        response = correct(client, auth, number, name="李焱")
    elif case == "unchanged":
        response = correct(client, auth, number)
    elif case == "no reason":
        response = correct(client, auth, number, reason="", name="李岩")
    elif case == "unknown":
        response = correct(client, auth, make_number("HB", 2026, 99_999), name="李岩")
    else:
        response = correct(client, auth, number, id_number="420102199003071235")
    assert response.status_code == status, response.get_json()
    assert any(message in e["msg"] for e in response.get_json()["errors"]), response.get_json()
    if case != "twice":
        assert client.get(f"/api/v1/certificates/{number}", headers=auth).get_json()["status"] == "valid"


def test_the_photo_is_carried_over_to_the_corrected_certificate(
        client: FlaskClient, auth: dict[str, str]) -> None:
    import base64
    import io

    from pypdf import PdfReader

    from ..registry.test_api import jpeg

    photo = "data:image/jpeg;base64," + base64.b64encode(jpeg()).decode()
    first = client.post("/api/v1/certificates", json=record_data(1, photo=photo), headers=auth)
    assert first.status_code == 201 and first.get_json()["has_photo"]
    response = correct(client, auth, first.get_json()["number"], name="李岩")
    assert response.status_code == 201, response.get_json()
    new = response.get_json()
    assert new["has_photo"] is True
    pdf = client.get(new["links"]["pdf"], headers=auth).data
    assert (300, 420) in [image.image.size for image in PdfReader(io.BytesIO(pdf)).pages[0].images]
