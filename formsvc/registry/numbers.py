"""Certificate numbers (prefix + year + serial + ISO 7064 check character) and verification codes."""

from __future__ import annotations

import hashlib
import re
import secrets

from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.iso7064 import mod_37_36

#: width of the serial; a year that outgrows it simply gets longer numbers, never reused ones
SERIAL_DIGITS = 7

PREFIX_PATTERN = re.compile(r"[0-9A-Z]{1,12}")
NUMBER_PATTERN = re.compile(r"[0-9A-Z]{6,40}")

#: 16 random bytes = 128 bits (at least 100, so that no code is ever guessed), 22 URL-safe base64 characters
CODE_BYTES = 16
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")


class NumberError(ValueError):
    """A certificate number that cannot be one: the message completes 证书编号…"""


def check_prefix(prefix: str) -> str:
    """The configured prefix, refused at start-up when it could not stand in a number."""
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise ValueError(
            f"CERTIFICATE_PREFIX 应为 1–12 位大写字母或数字，现为 {prefix!r}"
        )
    return prefix


def make_number(prefix: str, year: int, serial: int) -> str:
    """HB + 2025 + 0000017 + check character: the check makes a mistyped number detectable."""
    body = f"{prefix}{year:04d}{serial:0{SERIAL_DIGITS}d}"
    return body + mod_37_36.calc_check_digit(body)


def clean_number(text: str) -> str:
    """A typed certificate number, checked: upper case, no spaces; NumberError says what is wrong."""
    number = "".join(text.split()).upper()
    if not number:
        raise NumberError("不能为空")
    if not NUMBER_PATTERN.fullmatch(number):
        raise NumberError("格式错误：应为 6–40 位大写字母和数字")
    try:
        mod_37_36.validate(number)
    except InvalidChecksum:
        raise NumberError("校验位错误，请核对是否输错") from None
    except ValidationError:
        raise NumberError("格式错误") from None
    return number


def new_code() -> str:
    """A fresh verification code: random, URL-safe, unguessable."""
    return secrets.token_urlsafe(CODE_BYTES)


def plausible_code(code: str) -> bool:
    """Whether code has the shape of a verification code; anything else is not looked up."""
    return CODE_PATTERN.fullmatch(code) is not None


def secret_digest(secret: str) -> str:
    """What the registry keeps and looks up instead of a code or token: SHA-256, hex.

    A lookup by digest tells nothing about the secret's text through timing; the secrets are
    random and long, so no slow password hash is needed.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
