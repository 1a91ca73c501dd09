"""Certificate numbers carry an ISO 7064 check character; verification codes are long and random."""

from __future__ import annotations

import string

import pytest
from stdnum.iso7064 import mod_37_36

from formsvc.registry.numbers import (
    CODE_PATTERN,
    NumberError,
    check_prefix,
    clean_number,
    make_number,
    new_code,
    plausible_code,
)

ALPHABET = string.digits + string.ascii_uppercase


def test_number_is_prefix_year_serial_and_check_character():
    number = make_number("HB", 2025, 17)
    assert number[:-1] == "HB20250000017"
    assert number[-1] == mod_37_36.calc_check_digit("HB20250000017")
    assert clean_number(number) == number


def test_serials_beyond_the_padding_make_longer_numbers_not_reused_ones():
    assert make_number("HB", 2025, 12_345_678)[:-1] == "HB202512345678"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "不能为空"),
        ("HB-2025-01", "格式错误：应为 6–40 位大写字母和数字"),
        ("HB2025<script>", "格式错误：应为 6–40 位大写字母和数字"),
        ("HB20", "格式错误：应为 6–40 位大写字母和数字"),
    ],
)
def test_malformed_numbers_are_refused_with_the_reason(typed, message):
    with pytest.raises(NumberError, match=message):
        clean_number(typed)


def test_typed_numbers_are_tidied():
    number = make_number("HB", 2025, 3)
    assert clean_number(f" {number[:6]} {number[6:].lower()} ") == number


def test_every_single_character_change_is_detected():
    # tamper test: mod 37,36 catches every substitution of one character
    number = make_number("HB", 2025, 4711)
    for position in range(len(number)):
        for char in ALPHABET:
            if char == number[position]:
                continue
            forged = number[:position] + char + number[position + 1:]
            with pytest.raises(NumberError, match="校验位错误"):
                clean_number(forged)


def test_every_swap_of_neighbouring_characters_is_detected():
    number = make_number("HB", 2025, 4711)
    for position in range(len(number) - 1):
        a, b = number[position], number[position + 1]
        if a == b:
            continue
        swapped = number[:position] + b + a + number[position + 2:]
        with pytest.raises(NumberError):
            clean_number(swapped)


@pytest.mark.parametrize("prefix", ["", "hb", "HB-", "ABCDEFGHIJKLM", "湖北"])
def test_a_prefix_that_cannot_stand_in_a_number_is_refused(prefix):
    with pytest.raises(ValueError, match="CERTIFICATE_PREFIX"):
        check_prefix(prefix)


def test_codes_are_url_safe_random_and_at_least_100_bits():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert CODE_PATTERN.fullmatch(code)
        assert plausible_code(code)
    # 22 characters of a 64-letter alphabet: 132 bits of text for 128 random bits
    assert len(next(iter(codes))) * 6 >= 128


@pytest.mark.parametrize(
    "code", ["", "short", "A" * 21, "A" * 23, "A" * 21 + "=", "A" * 21 + "/", "../../etc/passwd"]
)
def test_implausible_codes_are_recognised(code):
    assert not plausible_code(code)
