"""Finding certificates for the office: by number, identity number or part of a name."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from formsvc.registry import issuing
from formsvc.registry.scope import WHOLE_REGISTRY
from formsvc.registry.search import search

from ..helpers import request_for


def resident_id(body: str) -> str:
    """The 18-character number for 17 digits (calc_check_digit ignores the last character)."""
    return body + ric.calc_check_digit(body + "0")


PEOPLE = [
    {},  # the sample: 李䶮
    {"name": "王晓梅", "gender": "女", "id_number": resident_id("42010619920815002"),
     "birth_date": "1992-08-15"},
    {"name": "欧阳振华", "id_number": resident_id("42010219800101001"), "birth_date": "1980-01-01"},
]


@pytest.fixture
def issued(session, settings):
    requests = [request_for(serial, **changes) for serial, changes in enumerate(PEOPLE, start=1)]
    return [issue.certificate for issue in issuing.issue_many(session, requests, scope=WHOLE_REGISTRY,
                                                               actor="test", settings=settings)]


def numbers(results):
    return [c.number for c in results]


@pytest.mark.parametrize(("query", "expected"), [
    ("李䶮", [0]),
    ("䶮", [0]),
    ("欧阳", [2]),
    (" 王 晓梅 ", [1]),          # spaces typed between the characters are not part of a name
    ("赵", []),
    ("", []),
    ("   ", []),
    ("%", []),                    # LIKE wildcards are characters to find, never patterns
    ("_", []),
    ("李%", []),
    ("王_梅", []),
])
def test_search_by_part_of_a_name(session, issued, query, expected):
    assert numbers(search(session, scope=WHOLE_REGISTRY, text=query)) == [issued[i].number for i in expected]


def test_search_by_identity_number_whole_and_in_any_case(session, settings, issued):
    assert numbers(search(session, scope=WHOLE_REGISTRY, text=PEOPLE[1]["id_number"])) == [issued[1].number]
    assert numbers(search(session, scope=WHOLE_REGISTRY, text=PEOPLE[1]["id_number"][:-1])) == []
    with_x = resident_id("42010219700101004")
    assert with_x.endswith("X")  # a number whose check character is X, typed in lower case
    request = request_for(9, id_number=with_x, gender="女", birth_date="1970-01-01")
    certificate = issuing.issue(session, request, scope=WHOLE_REGISTRY, actor="test",
                                settings=settings).certificate
    assert numbers(search(session, scope=WHOLE_REGISTRY, text=with_x.lower())) == [certificate.number]


def test_search_by_certificate_number_in_any_case(session, issued):
    number = issued[1].number
    assert numbers(search(session, scope=WHOLE_REGISTRY, text=number.lower())) == [number]
    assert numbers(search(session, scope=WHOLE_REGISTRY, text=number[:-1])) == []  # numbers match whole


def test_results_are_newest_first_and_limited(session, settings, issued):
    more = issuing.issue_many(session, [request_for(10 + i) for i in range(4)], scope=WHOLE_REGISTRY,
                              actor="test", settings=settings)
    found = search(session, scope=WHOLE_REGISTRY, text="李䶮", limit=3)
    assert numbers(found) == [issue.certificate.number for issue in reversed(more)][:3]
