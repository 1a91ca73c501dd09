"""Text is normalised on input (NFKC where the wording allows, ignorables dropped, combining marks
refused in names and numbers), so that one person's title is one certificate however it was typed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from formsvc import db
from formsvc.registry.models import Certificate

from ..helpers import record_data

CERTIFICATES = "/api/v1/certificates"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


#: what the red-team typed for one person, title and approval: each was an extra certificate
VARIANTS = {
    "full-width digits in 批准文号 (a Chinese IME)": {"approval_number": "武职改办〔２０１９〕１号"},
    "full-width digits in 证件号码": {"id_number": "420102198503121334".translate(FULL_WIDTH)},
    "soft hyphen U+00AD in 姓名": {"name": "李\u00ad䶮"},
    "Hangul filler U+3164 in 职称名称": {"title": "工程师\u3164"},
    "Kangxi radical ⼯ U+2F2F in 职称名称": {"title": "\u2f2f程师"},
    "zero-width space in 批准文号": {"approval_number": "武职改办\u200b〔2019〕1号"},
}


def certificates_in(registry_app) -> int:
    with registry_app.app_context():
        return db.session().scalar(select(func.count()).select_from(Certificate))


def test_six_spellings_of_one_record_are_one_certificate(client, auth, issued, registry_app):
    for what, changes in VARIANTS.items():
        again = client.post(CERTIFICATES, json=record_data(**changes), headers=auth)
        assert again.status_code == 200, (what, again.get_json())
        assert again.get_json()["number"] == issued["number"], what
    assert certificates_in(registry_app) == 1
    # what is kept and printed is the normalised text
    assert issued["title"] == "工程师" and issued["approval_number"] == "武职改办〔2019〕1号"


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("name", "李\u0308䶮", "姓名"),
        ("approval_number", "武职改办〔2019〕1\u20dd号", "批准文号"),
    ],
)
def test_combining_marks_in_names_and_numbers_are_refused_naming_the_field(client, auth, field, value,
                                                                          label):
    response = client.post(CERTIFICATES, json=record_data(**{field: value}), headers=auth)
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert error["loc"] == [field]
    assert label in error["msg"] and "组合附加符号 U+" in error["msg"]
