"""Text fields every form shares: how typed text is normalised, and what a line, a paragraph, a
document's number and a person's name may hold."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from .errors import field_error

#: invisible characters that reorder or hide text; in a form they are only ever a trick
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def _forbidden_character(value: str, *, newlines: bool) -> str | None:
    for char in value:
        if char == "\n" and newlines:
            continue
        if char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            return char
    return None


def _plain_text(value: str) -> str:
    value = value.replace("\r\n", "\n")
    char = _forbidden_character(value, newlines=False)
    if char is not None:
        if char in "\n\r":
            raise field_error("不能换行")
        raise field_error("含有不可见或不允许的字符 U+{code}", code=f"{ord(char):04X}")
    return value


def _paragraphs(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    char = _forbidden_character(value, newlines=True)
    if char is not None:
        raise field_error("含有不可见或不允许的字符 U+{code}", code=f"{ord(char):04X}")
    return "\n".join(line.rstrip() for line in value.strip("\n").split("\n"))


#: Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) but the bidi controls, which
#: are refused as tricks: soft hyphen, Hangul fillers, zero-width spaces and joiners, variation
#: selectors, tags. They print as nothing, and only make two equal texts differ.
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200d\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff]"
)
#: what NFKC may fold in any form's wording: full-width digits and Latin letters (what a Chinese
#: input method types: １５号 is 15号), Kangxi and supplementary radicals (⼯ U+2F2F is 工).
#: Full-width punctuation stays: （）：，are the notices' own wording, and print as typed.
_COMPATIBLE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u2e80-\u2eff\u2f00-\u2fdf]")


def normalise_text(value: str) -> str:
    """Text as the service keeps, compares and prints it: ignorable code points dropped,
    compatibility forms folded (NFKC, where the wording allows), then composed (NFC: compatibility
    ideographs such as 更 U+F901 become the unified ones) and stripped."""
    value = _IGNORABLE.sub("", value)
    value = _COMPATIBLE.sub(lambda match: unicodedata.normalize("NFKC", match[0]), value)
    return unicodedata.normalize("NFC", value).strip()


def _normalised(value: Any) -> Any:
    return normalise_text(value) if isinstance(value, str) else value


def _combining_mark(value: str) -> str:
    """Names and numbers are written in whole characters: a combining mark left over after NFC
    only makes a look-alike (李̈) of another person's name or another document's number."""
    for char in value:
        if unicodedata.category(char) in ("Mn", "Mc", "Me"):
            raise field_error("含有组合附加符号 U+{code}，请直接输入完整的字", code=f"{ord(char):04X}")
    return value


#: one line of text; give its box size with Field(max_length=…)
Text = Annotated[str, BeforeValidator(_normalised), AfterValidator(_plain_text)]
#: a document's number (批准文号, 证书编号): one line of text in whole characters
NumberText = Annotated[str, BeforeValidator(_normalised), AfterValidator(_plain_text),
                       AfterValidator(_combining_mark)]
#: what a field's JSON Schema carries so that the web form offers a multi-line box for it
WIDGET_TEXTAREA: dict[str, Any] = {"x-widget": "textarea"}

#: text that may run over several paragraphs (主要做法, 简要经历)
Paragraphs = Annotated[
    str, BeforeValidator(_normalised), AfterValidator(_paragraphs), Field(json_schema_extra=WIDGET_TEXTAREA)
]

_NAME_PUNCTUATION = frozenset("·•.-' ")


def _person_name(value: str) -> str:
    value = _combining_mark(_plain_text(value))
    if not value:
        raise field_error("不能为空")
    for char in value:
        if char in _NAME_PUNCTUATION or unicodedata.category(char).startswith("L"):
            continue
        raise field_error("含有姓名中不允许的字符「{char}」", char=char)
    if value[0] in _NAME_PUNCTUATION:
        raise field_error("不能以「{char}」开头", char=value[0])
    return value


#: what the published schema says of a name (JSON Schema's regular expressions know no
#: "letter of any script"): no digits, no ASCII punctuation but . - ' and space, no control
#: characters, and no punctuation or space first; _person_name checks the rest
NAME_PATTERN = (r"^[^\s\d!-/:-@\[-`{-~\u00b7\u2022\u0000-\u001f\u007f]"
                r"[^\d!-&(-,/:-@\[-`{-~\u0000-\u001f\u007f]*$")

#: a person's name: letters of any script (rare characters such as 䶮 included), and the
#: middle dot of minority and foreign names; never digits, formulas or markup
PersonName = Annotated[str, BeforeValidator(_normalised), AfterValidator(_person_name),
                       Field(min_length=1, json_schema_extra={"pattern": NAME_PATTERN})]
