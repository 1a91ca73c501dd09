"""`flask --app formsvc token create|list|revoke`: the tokens that open the issuing API."""

from __future__ import annotations

import pytest

from ..helpers import record_data


@pytest.fixture
def runner(registry_app):
    return registry_app.test_cli_runner()


def test_create_prints_the_token_as_the_last_word_and_it_opens_the_api(runner, client):
    result = runner.invoke(args=["token", "create", "咸宁市职改办"])
    assert result.exit_code == 0, result.output
    token = result.output.split()[-1]
    assert token.startswith("fsv_")
    response = client.post("/api/v1/certificates", json=record_data(),
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    assert response.get_json()["issued_by"] == "token:咸宁市职改办"


def test_list_shows_names_and_hints_never_tokens(runner):
    token = runner.invoke(args=["token", "create", "bulk-printer"]).output.split()[-1]
    runner.invoke(args=["token", "create", "office"])
    runner.invoke(args=["token", "revoke", "office"])
    result = runner.invoke(args=["token", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["bulk-printer", "office"]
    assert lines[0].split("\t")[1] == f"{token[:8]}…" and lines[0].endswith("有效")
    assert "已吊销" in lines[1]
    assert token not in result.output


def test_revoke_makes_the_token_403(runner, client):
    token = runner.invoke(args=["token", "create", "temp"]).output.split()[-1]
    result = runner.invoke(args=["token", "revoke", "temp"])
    assert result.exit_code == 0 and "已吊销令牌「temp」" in result.output
    response = client.post("/api/v1/certificates", json=record_data(),
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("args", "message"),
    [(["token", "revoke", "nobody"], "没有名为「nobody」的令牌"),
     (["token", "create", "two words"], "令牌名称应为 1–64 个字符，不含空格和控制字符"),
     (["token", "create", "x" * 65], "令牌名称应为 1–64 个字符，不含空格和控制字符")],
)
def test_mistakes_are_explained(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output


def test_a_name_is_taken_once(runner):
    runner.invoke(args=["token", "create", "office"])
    result = runner.invoke(args=["token", "create", "office"])
    assert result.exit_code != 0 and "令牌名称「office」已存在" in result.output
