"""Every error in one answer: field errors and cross-field errors together, on the first try,
for /validate, render and sheet import (the bulk check: tests/jobs/test_check.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ..helpers import blank_template, change_row, errors_of, fill, sample, sample_rows, upload

#: 420102199003072315 with a wrong check digit: still a man born 1990-03-07 by its digits
WRONG_DIGIT = "420102199003072316"
WRONG_DIGIT_1988 = "420106198803150416"


def _title_history(data: dict[str, Any]) -> None:
    row = data["rows"][0]
    del row["name"]
    row.update(id_number=WRONG_DIGIT, gender="女")


def _crossover_summary(data: dict[str, Any]) -> None:
    row = data["rows"][0]
    del row["name"]
    row.update(id_number=WRONG_DIGIT, gender="女")


def _crossover_application(data: dict[str, Any]) -> None:
    del data["name"]
    data.update(id_number=WRONG_DIGIT_1988, gender="女")


def _post_quota(data: dict[str, Any]) -> None:
    del data["unit"]
    data["posts"]["total"] = 1  # 合计 that is not the sum of the levels
    data["appointed"]["total"] = 2


def _committee_filing(data: dict[str, Any]) -> None:
    del data["name"]
    data["reviews"][1]["year"] = 2020  # not the year after 2021
    data["reviews"][2]["passed"] = data["reviews"][2]["reviewed"] + 1


def _pledge(data: dict[str, Any]) -> None:
    del data["unit"]  # the pledge has no cross-field rules: every field error at once
    data["applicants"][0]["series"] = ""
    data["applicants"][2]["qualification"] = "高" * 21


#: form → how the sample is spoiled, and (loc, part of the message) of each error expected
CASES = {
    "title-history": (_title_history, [
        (["rows", 0, "name"], "姓名为必填项"),
        (["rows", 0, "id_number"], "证件号码校验位错误"),
        (["rows", 0, "gender"], "性别与证件号码不符"),
    ]),
    "crossover-summary": (_crossover_summary, [
        (["rows", 0, "name"], "姓名为必填项"),
        (["rows", 0, "id_number"], "证件号校验位错误"),
        (["rows", 0, "gender"], "性别与证件号码不符"),
    ]),
    "crossover-application": (_crossover_application, [
        (["name"], "姓名为必填项"),
        (["id_number"], "证件号码校验位错误"),
        (["gender"], "性别与证件号码不符"),
    ]),
    "post-quota": (_post_quota, [
        (["unit"], "为必填项"),
        (["posts", "total"], "合计应为"),
        (["appointed", "total"], "合计应为"),
    ]),
    "committee-filing": (_committee_filing, [
        (["name"], "评委会名称为必填项"),
        (["reviews", 1, "year"], "连续的三个年度"),
        (["reviews", 2, "passed"], "不能多于评审人数"),
    ]),
    "pledge": (_pledge, [
        (["unit"], "单位为必填项"),
        (["applicants", 0, "series"], "职称系列不能为空"),
        (["applicants", 2, "qualification"], "不能超过20个字"),
    ]),
}


def _spoiled(form_id: str) -> dict[str, Any]:
    data = copy.deepcopy(sample(form_id))
    CASES[form_id][0](data)
    return data


def _assert_all(errors: list[dict[str, Any]], form_id: str) -> None:
    for loc, text in CASES[form_id][1]:
        found = [e["msg"] for e in errors if e["loc"] == loc]
        assert found and any(text in msg for msg in found), (loc, text, errors)


@pytest.mark.parametrize("form_id", sorted(CASES))
def test_validate_reports_field_and_cross_field_errors_together(client, form_id):
    response = client.post(f"/api/v1/forms/{form_id}/validate", json=_spoiled(form_id))
    assert response.status_code == 200
    _assert_all(response.get_json()["errors"], form_id)


@pytest.mark.parametrize("form_id", sorted(CASES))
def test_render_refuses_with_every_error(client, form_id):
    extension = "pdf"
    response = client.post(f"/api/v1/forms/{form_id}/render?format={extension}", json=_spoiled(form_id))
    assert response.status_code == 422
    _assert_all(response.get_json()["errors"], form_id)


def test_the_rules_still_run_when_a_row_is_not_even_an_object(client):
    data = copy.deepcopy(sample("title-history"))
    data["rows"].insert(0, "not a row")
    data["rows"][1].update(id_number=WRONG_DIGIT)
    errors = client.post("/api/v1/forms/title-history/validate", json=data).get_json()["errors"]
    assert [e["loc"] for e in errors] == [["rows", 0], ["rows", 1, "id_number"]]


@pytest.mark.parametrize(("form_id", "number_header"), [
    ("title-history", "证件号码"), ("crossover-summary", "证件号"),
])
def test_a_sheet_row_with_three_problems_lists_all_three(client, form_id, number_header):
    rows = sample_rows(form_id)
    sheet = fill(blank_template(client, form_id), rows,
                 edit=change_row(0, **{"姓名": None, number_header: WRONG_DIGIT, "性别": "女"}))
    errors = errors_of(upload(client, form_id, sheet))
    messages = " ".join(errors.values())
    assert "姓名为必填项" in messages, errors
    assert f"{number_header}校验位错误" in messages, errors
    assert "性别与证件号码不符" in messages, errors
    assert len({loc[1] for loc in errors}) == 1, errors  # all on the one row
