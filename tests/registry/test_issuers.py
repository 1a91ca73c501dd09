"""Every certificate belongs to its issuer: another issuer's is unknown, token scopes, operators."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc import db, users
from formsvc.errors import Conflict
from formsvc.registry import audit, issuing, records, revoking, tokens
from formsvc.registry.numbers import make_number
from formsvc.registry.scope import WHOLE_REGISTRY, Scope
from formsvc.registry.search import search

from ..helpers import create_user, record_data, request_for

CERTIFICATES = "/api/v1/certificates"
PASSWORD = "correct horse battery"
#: a well-formed number (its check character right) that the registry does not hold
MISSING = make_number("HB", 2025, 999)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def other(registry_app: Flask) -> dict[str, str]:
    """The token of a second issuer."""
    with registry_app.app_context():
        return bearer(tokens.create(db.session(), "咸宁市职改办"))


def issuer_id(app: Flask, name: str) -> int:
    with app.app_context():
        return tokens.issuer_named(db.session(), name).id


def audit_actions(app: Flask, number: str) -> list[tuple[str, str]]:
    with app.app_context():
        lines = audit.entries(db.session(), scope=WHOLE_REGISTRY, number=number)
        return [(e.actor, e.action) for e in lines]


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "suffix", "body"), [
    ("get", "", None), ("get", "/pdf", None), ("post", "/revoke", {"reason": "以不正当手段取得职称"}),
])
def test_another_issuers_certificate_is_answered_like_a_missing_one(
        client, registry_app, auth, other, issued, method, suffix, body):
    number = issued["number"]
    theirs = getattr(client, method)(f"{CERTIFICATES}/{number}{suffix}", json=body, headers=other)
    missing = getattr(client, method)(f"{CERTIFICATES}/{MISSING}{suffix}", json=body, headers=other)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_json() == {"errors": [{"loc": ["number"], "msg": f"没有编号为 {number} 的证书"}]}
    assert missing.get_json()["errors"][0]["msg"] == f"没有编号为 {MISSING} 的证书"
    # nothing happened to it, and nothing was recorded as read or printed by the other issuer
    own = client.get(f"{CERTIFICATES}/{number}", headers=auth).get_json()
    assert own["status"] == "valid"
    assert [a for a in audit_actions(registry_app, number) if a[0] == "token:咸宁市职改办"] == []


@pytest.mark.parametrize("changes", [{}, {"name": "李岩"}])
def test_re_issuing_another_issuers_record_is_a_conflict_naming_no_one(client, auth, other, issued, changes):
    response = client.post(CERTIFICATES, json=record_data(**changes), headers=other)
    assert response.status_code == 409
    [error] = response.get_json()["errors"]
    assert error["msg"] == issuing.OTHER_ISSUER
    text = response.get_data(as_text=True)
    assert issued["number"] not in text and "人社局职改办" not in text and issued["verify_url"] not in text
    # and the first issuer still gets its own certificate back
    again = client.post(CERTIFICATES, json=record_data(), headers=auth)
    assert again.status_code == 200 and again.get_json()["number"] == issued["number"]


def test_a_token_reads_and_revokes_its_own_certificates(client, auth, issued):
    assert client.get(issued["links"]["self"], headers=auth).status_code == 200
    assert client.get(issued["links"]["pdf"], headers=auth).status_code == 200
    revoked = client.post(issued["links"]["revoke"], json={"reason": "证书信息有误"}, headers=auth)
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"


# --- token scopes ----------------------------------------------------------------------------


@pytest.fixture
def scoped(registry_app: Flask):
    def make(name: str, *scopes: str) -> dict[str, str]:
        with registry_app.app_context():
            return bearer(tokens.create(db.session(), name, scopes=scopes))

    return make


@pytest.mark.parametrize(("scopes", "method", "suffix", "body", "missing"), [
    (("read",), "post", "", "record", "issue"),
    (("read",), "post", "/revoke", {"reason": "证书信息有误"}, "revoke"),
    (("issue", "revoke"), "get", "", None, "read"),
    (("issue", "revoke"), "get", "/pdf", None, "read"),
    (("issue", "read"), "post", "/revoke", {"reason": "证书信息有误"}, "revoke"),
])
def test_a_token_without_the_scope_is_403_naming_it(client, registry_app, scoped, scopes, method, suffix,
                                                     body, missing):
    headers = scoped("受限令牌", *scopes)
    # the limited token's own certificate, issued through the command line's scope for it
    with registry_app.app_context():
        settings = records.RegistrySettings.from_config(registry_app.config)
        mine = issuing.issue(db.session(), request_for(1), actor="test", settings=settings,
                             scope=Scope(tokens.issuer_named(db.session(), "受限令牌").id)).certificate
    path = CERTIFICATES if suffix == "" and method == "post" else f"{CERTIFICATES}/{mine.number}{suffix}"
    data = record_data(2) if body == "record" else body
    response = getattr(client, method)(path, json=data, headers=headers)
    assert response.status_code == 403
    [error] = response.get_json()["errors"]
    assert f"没有 {missing} 权限" in error["msg"] and "受限令牌" in error["msg"]
    assert client.get(f"{CERTIFICATES}/{mine.number}", headers=scoped("全权", "read")).status_code == 404


def test_a_read_only_token_reads_but_cannot_revoke(client, registry_app, scoped, issued, auth):
    with registry_app.app_context():
        tokens.revoke(db.session(), "人社局职改办")
    # a read-only token of the same issuer cannot be made, so a read-only issuer reads its own
    reader = scoped("只读", "read")
    with registry_app.app_context():
        settings = records.RegistrySettings.from_config(registry_app.config)
        mine = issuing.issue(db.session(), request_for(3), actor="test", settings=settings,
                             scope=Scope(tokens.issuer_named(db.session(), "只读").id)).certificate
    assert client.get(f"{CERTIFICATES}/{mine.number}", headers=reader).status_code == 200
    refused = client.post(f"{CERTIFICATES}/{mine.number}/revoke", json={"reason": "x"}, headers=reader)
    assert refused.status_code == 403
    with registry_app.app_context():
        assert records.find(db.session(), mine.number, scope=WHOLE_REGISTRY).valid


def test_token_create_takes_scopes_and_defaults_to_all(registry_app):
    runner = registry_app.test_cli_runner()
    made = runner.invoke(args=["token", "create", "查询", "--scope", "read"])
    assert made.exit_code == 0, made.output
    runner.invoke(args=["token", "create", "全部"])
    listed = runner.invoke(args=["token", "list"]).output.splitlines()
    assert [line.split("\t")[2] for line in listed] == ["issue read revoke", "read"]
    wrong = runner.invoke(args=["token", "create", "错误", "--scope", "delete"])
    assert wrong.exit_code != 0 and "delete" in wrong.output


# --- the service: issuing across issuers, the way bulk jobs issue ----------------------------


def test_bulk_issuing_refuses_another_issuers_records_and_issues_nothing(registry_app, session, settings,
                                                                         other):
    first = Scope(issuer_id(registry_app, "咸宁市职改办"))
    tokens.create(session, "第二家")
    second = Scope(issuer_id(registry_app, "第二家"))
    theirs = issuing.issue(session, request_for(1), actor="一", settings=settings, scope=first).certificate
    batch = [request_for(2), request_for(1), request_for(3)]
    problems = issuing.conflicts(session, batch, second)
    assert [(p.loc, p.msg) for p in problems] == [((1,), issuing.OTHER_ISSUER)]
    with pytest.raises(Conflict) as refused:
        issuing.issue_many(session, batch, actor="二", settings=settings, scope=second)
    assert theirs.number not in str(refused.value)
    assert search(session, "李䶮", scope=second) == []
    # the whole registry (an admin, the command line) re-issues it as the same certificate
    [again] = issuing.issue_many(session, [request_for(1)], actor="管理员", settings=settings,
                                 scope=WHOLE_REGISTRY)
    assert again.certificate.number == theirs.number and not again.created


def test_find_search_and_revoke_stay_inside_the_scope(registry_app, session, settings, other):
    mine = Scope(issuer_id(registry_app, "咸宁市职改办"))
    theirs = issuing.issue(session, request_for(1), actor="cli", settings=settings,
                           scope=WHOLE_REGISTRY).certificate  # no issuer: the whole registry's
    from formsvc.errors import NotFound

    with pytest.raises(NotFound):
        records.find(session, theirs.number, scope=mine)
    with pytest.raises(NotFound):
        revoking.revoke(session, theirs.number, reason="x", actor="x", scope=mine)
    assert search(session, theirs.number, scope=mine) == []
    assert [c.number for c in search(session, theirs.number, scope=WHOLE_REGISTRY)] == [theirs.number]
    assert records.find(session, theirs.number, scope=WHOLE_REGISTRY).valid


# --- the office: operators of one issuer, admins of all --------------------------------------


def office_login(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/office/login", data={"name": name, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def office(registry_app: Flask, client, auth, other) -> dict[str, Any]:
    """Two issuers with a certificate each, an operator of each, and an admin."""
    numbers = {}
    for serial, headers in ((1, auth), (2, other)):
        response = client.post(CERTIFICATES, json=record_data(serial), headers=headers)
        assert response.status_code == 201
        numbers[serial] = response.get_json()["number"]
    with registry_app.app_context():
        create_user(db.session(), "xianning", PASSWORD, issuer="咸宁市职改办")
        create_user(db.session(), "wuhan", PASSWORD, issuer="人社局职改办")
        create_user(db.session(), "boss", PASSWORD, admin=True)
    return {"mine": numbers[2], "theirs": numbers[1]}


def test_an_operator_sees_and_acts_on_only_their_issuers_certificates(registry_app, office):
    operator = office_login(registry_app, "xianning")
    mine, theirs = office["mine"], office["theirs"]
    found = operator.get("/office/certificates?q=李").get_data(as_text=True)
    assert mine in found and theirs not in found
    assert operator.get(f"/office/certificates/{mine}").status_code == 200
    for path in (f"/office/certificates/{theirs}", f"/office/certificates/{theirs}/pdf"):
        response = operator.get(path)
        assert response.status_code == 404
        assert f"没有编号为 {theirs} 的证书" in response.get_data(as_text=True)
    assert operator.post(f"/office/certificates/{theirs}/revoke", data={"reason": "x"}).status_code == 404
    confirmed = operator.post(f"/office/certificates/{theirs}/revoke/confirm", data={"reason": "越权撤销"},
                              follow_redirects=True)
    assert f"撤销未执行：没有编号为 {theirs} 的证书" in confirmed.get_data(as_text=True)
    with registry_app.app_context():
        assert records.find(db.session(), theirs, scope=WHOLE_REGISTRY).valid
    log = operator.get("/office/audit").get_data(as_text=True)
    assert mine in log and theirs not in log and "token:人社局职改办" not in log


def test_an_admin_sees_every_certificate(registry_app, office):
    admin = office_login(registry_app, "boss")
    found = admin.get("/office/certificates?q=李").get_data(as_text=True)
    assert office["mine"] in found and office["theirs"] in found
    assert admin.get(f"/office/certificates/{office['theirs']}").status_code == 200
    log = admin.get("/office/audit").get_data(as_text=True)
    assert office["mine"] in log and office["theirs"] in log


@pytest.mark.parametrize(("args", "message"), [
    (["user", "create", "nobody"], "请指定用户所属的签发单位"),
    (["user", "create", "both", "--admin", "--issuer", "人社局职改办"], "请指定用户所属的签发单位"),
    (["user", "create", "stranger", "--issuer", "不存在的单位"], "没有名为「不存在的单位」的签发单位"),
])
def test_user_create_needs_an_issuer_or_admin(registry_app, token, args, message):
    result = registry_app.test_cli_runner().invoke(args=args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code != 0 and message in result.output


def test_user_create_with_an_issuer_makes_an_operator(registry_app, token):
    result = registry_app.test_cli_runner().invoke(
        args=["user", "create", "clerk", "--issuer", "人社局职改办"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0 and "已创建用户：clerk（人社局职改办）" in result.output
    with registry_app.app_context():
        [account] = users.listing(db.session())
        issuer = tokens.issuer_named(db.session(), "人社局职改办")
        assert not account.admin and account.scope == Scope(issuer.id)


def test_the_migration_keeps_what_existing_tokens_and_users_could_do(tmp_path, font_dir, monkeypatch,
                                                                     unmigrated_database_url):
    database_url = unmigrated_database_url
    from alembic import command
    from sqlalchemy import text

    from ..helpers import make_app

    app = make_app(tmp_path, font_dir, monkeypatch, DATABASE_URL=database_url)
    command.upgrade(db.alembic_config(database_url), "0005_audit_chain")
    engine = db.engine_for(app)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO issuers (name, token_digest, token_hint, created_at) "
                                "VALUES ('old', 'digest', 'fsv_abcd', CURRENT_TIMESTAMP)"))
        connection.execute(text("INSERT INTO users (name, password_hash, created_at) "
                                "VALUES ('old-clerk', 'x', CURRENT_TIMESTAMP)"))
    db.upgrade(app)
    with app.app_context():
        [token] = tokens.listing(db.session())
        [account] = users.listing(db.session())
    assert token.scopes == ("issue", "read", "revoke")
    assert account.admin and account.scope == WHOLE_REGISTRY
    db.dispose(app)


@pytest.mark.parametrize("suffix", ["", "/pdf", "/revoke"])
def test_certificate_answers_with_identity_numbers_are_never_cached(client, auth, issued, suffix):
    method = client.post if suffix == "/revoke" else client.get
    response = method(f"{CERTIFICATES}/{issued['number']}{suffix}", json={"reason": "证书信息有误"},
                      headers=auth)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    missing = client.get(f"{CERTIFICATES}/{MISSING}", headers=auth)
    assert missing.headers["Cache-Control"] == "no-store"


def test_issuing_answers_are_never_cached(client, auth):
    response = client.post(CERTIFICATES, json=record_data(7), headers=auth)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
