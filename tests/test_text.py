"""Text as the service keeps it: normalisation, and what a person's name may hold."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from formsvc.text import PersonName, normalise_text


class Person(BaseModel):
    name: PersonName


@pytest.mark.parametrize("name", ["龚䶮", "阿依古丽·买买提", "欧阳振华", "John Smith"])
def test_names_of_every_kind(name):
    assert Person(name=name).name == name


@pytest.mark.parametrize(
    "name", ["=HYPERLINK(\"x\")", "<img src=x>", "张三1", "·张三", "王\u202e五", "李\n四"]
)
def test_names_refuse_formulas_markup_and_tricks(name):
    with pytest.raises(ValidationError):
        Person(name=name)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("咸职改办〔2019〕１５号", "咸职改办〔2019〕15号"),
        ("\u2f2f程师", "工程师"),
        ("李\u00ad䶮", "李䶮"),
        ("\u3164张三", "张三"),
        ("张\u200b三\ufeff", "张三"),
        ("高级\ufe0f工程师", "高级工程师"),
        ("\uf901新", "更新"),
        ("ＡＢＣ１２３", "ABC123"),
        # the notices' own full-width punctuation prints as typed
        ("湖北省（武汉）：甲，乙；丙", "湖北省（武汉）：甲，乙；丙"),
        ("  李四 ", "李四"),
    ],
)
def test_text_is_normalised_before_it_is_checked_kept_or_printed(typed, kept):
    assert normalise_text(typed) == kept
