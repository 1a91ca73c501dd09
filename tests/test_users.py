"""Office users: created from the CLI with a prompted password, stored only as a hash."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from formsvc import db, users

from .helpers import make_app

PASSWORD = "correct horse battery"


@pytest.fixture
def users_app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch,
              database_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path, font_dir, monkeypatch, DATABASE_URL=database_url)
    yield app
    db.dispose(app)


def create(app: Flask, name: str, password: str = PASSWORD, confirmation: str | None = None,
           role: tuple[str, ...] = ("--admin",)):
    typed = f"{password}\n{confirmation if confirmation is not None else password}\n"
    return app.test_cli_runner().invoke(args=["user", "create", name, *role], input=typed)


def stored(app: Flask) -> list[users.User]:
    with app.app_context():
        return list(db.session().scalars(select(users.User)))


def test_create_prompts_twice_and_keeps_only_a_hash(users_app):
    result = create(users_app, "张三")
    assert result.exit_code == 0, result.output
    assert "已创建用户：张三" in result.output
    assert PASSWORD not in result.output  # the prompt does not echo
    [row] = stored(users_app)
    assert row.name == "张三"
    assert row.password_hash.startswith("scrypt:") and PASSWORD not in row.password_hash
    with users_app.app_context():
        account = users.authenticate(db.session(), "张三", PASSWORD)
        assert account is not None and account.last_login_at is not None


@pytest.mark.parametrize(("name", "password", "confirmation", "message"), [
    ("clerk", "short", None, "密码至少 10 个字符"),
    ("clerk", "x" * 257, None, "密码不能超过 256 个字符"),
    ("two words", PASSWORD, None, "用户名应为 1–64 个字符，不含空格和控制字符"),
    ("x" * 65, PASSWORD, None, "用户名应为 1–64 个字符"),
    ("clerk", PASSWORD, "another password", "do not match"),
])
def test_create_refuses_bad_names_and_passwords(users_app, name, password, confirmation, message):
    result = create(users_app, name, password, confirmation)
    assert result.exit_code != 0
    assert message in result.output
    assert stored(users_app) == []


def test_a_name_is_taken_once(users_app):
    assert create(users_app, "clerk").exit_code == 0
    result = create(users_app, "clerk", "another long password")
    assert result.exit_code == 1
    assert "用户名「clerk」已存在" in result.output
    with users_app.app_context():
        assert users.authenticate(db.session(), "clerk", PASSWORD) is not None


def test_list_and_change_password(users_app):
    create(users_app, "clerk")
    runner = users_app.test_cli_runner()
    listed = runner.invoke(args=["user", "list"])
    assert listed.output.startswith("clerk\t管理员\t创建于 ") and "从未登录" in listed.output
    changed = runner.invoke(args=["user", "password", "clerk"], input="a new long password\n" * 2)
    assert changed.exit_code == 0 and "已更新密码：clerk" in changed.output
    missing = runner.invoke(args=["user", "password", "nobody"], input="a new long password\n" * 2)
    assert missing.exit_code == 1 and "没有名为「nobody」的用户" in missing.output
    with users_app.app_context():
        assert users.authenticate(db.session(), "clerk", PASSWORD) is None
        assert users.authenticate(db.session(), "clerk", "a new long password") is not None


@pytest.mark.parametrize(("name", "password"), [
    ("clerk", "wrong password"),
    ("nobody", PASSWORD),
    ("clerk", PASSWORD + "x" * 300),
    ("clerk", ""),
])
def test_authenticate_refuses(users_app, name, password):
    create(users_app, "clerk")
    with users_app.app_context():
        assert users.authenticate(db.session(), name, password) is None
        [row] = stored(users_app)
        assert row.last_login_at is None
