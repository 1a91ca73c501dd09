"""Identity numbers (GB 11643 through python-stdnum) and how much of them public pages show."""

from __future__ import annotations

import datetime as dt

import pytest

from formsvc.identity import check_identity, check_resident_id, mask_identity_number

VALID = "420102199003071234"  # check digit computed by GB 11643


def test_valid_number_gives_birth_date_and_gender():
    from stdnum.cn import ric

    number = VALID[:17] + ric.calc_check_digit(VALID)
    result = check_resident_id(number)
    assert result.ok
    assert result.birth_date == dt.date(1990, 3, 7)
    assert result.gender == "男"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("42010219900307123", "应为18位，现为17位"),
        ("4201021990030712A4", "格式错误：前17位应为数字，末位为数字或X"),
        ("420102199013071234", None),  # check digit or date: either way refused
        ("420102199003071230", "校验位错误"),
    ],
)
def test_bad_numbers_are_refused(number, message):
    result = check_resident_id(number)
    assert not result.ok
    if message:
        assert result.errors == (message,)


def test_unknown_region_is_a_warning_not_an_error():
    from stdnum.cn import ric

    base = "99010219900307123"
    number = base + ric.calc_check_digit(base + "0")
    result = check_resident_id(number)
    assert result.ok
    assert "地区码 990102" in result.warnings[0]


def test_gender_and_birth_date_must_agree_with_the_number():
    from stdnum.cn import ric

    base = "42010219900307124"  # 4: even, a woman
    number = base + ric.calc_check_digit(base + "0")
    result = check_identity("身份证", number, gender="男", birth_date=dt.date(1990, 3, 8))
    assert set(result.mismatches) == {"gender", "birth_date"}
    assert "女" in result.mismatches["gender"]
    assert check_identity("护照", "E12345678", gender="男").mismatches == {}


@pytest.mark.parametrize(
    ("document_type", "number", "masked"),
    [
        ("居民身份证", "420102199003071234", "42************1234"),
        ("身份证", "42010219900307123X", "42************123X"),
        ("港澳居民居住证", "810000199408230021", "81************0021"),
        ("台湾居民居住证", "830000199201300022", "83************0022"),
        ("外国人永久居留身份证", "932682198501010017", "93*************017"),
        ("外国人永久居留身份证", "USA330870115063", "US**********063"),
        ("港澳居民来往内地通行证", "H0123456789", "H********89"),
        ("港澳台证", "H01234567", "H******67"),
        ("台湾居民来往大陆通行证", "01234567", "******67"),
        ("护照", "E12345678", "E******78"),
        ("军官证", "A20190017", "A******17"),
        ("其他", "1234", "***4"),
        (None, "420102199003071234", "42************1234"),
    ],
)
def test_public_masking_shows_at_most_a_third_and_never_the_birth_date(document_type, number, masked):
    shown = mask_identity_number(number, document_type)
    assert shown == masked
    assert len(shown) == len(number)
    assert sum(c != "*" for c in shown) <= len(number) // 3
    for birth in ("19900307", "19940823", "19920130", "19850101"):
        if birth in number:
            start = number.index(birth)
            assert set(shown[start:start + len(birth)]) == {"*"}
