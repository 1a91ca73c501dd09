"""The registry's operations on a real database (SQLite and PostgreSQL): issue, find, revoke, verify."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from stdnum.iso7064 import mod_37_36

from formsvc import clock, db
from formsvc.errors import Conflict, InvalidData, NotFound
from formsvc.forms.title_history import TitleRecord
from formsvc.registry import audit, issuing, records, revoking, verifying
from formsvc.registry.issuing import CertificateRequest
from formsvc.registry.models import AuditEntry, Certificate
from formsvc.registry.numbers import clean_number
from formsvc.registry.scope import WHOLE_REGISTRY

from ..helpers import request_for, title_record

ISSUE_DAY = dt.date(2025, 3, 18)


def issue(session, settings, request=None, **options):
    return issuing.issue(session, request or request_for(), scope=WHOLE_REGISTRY, actor="测试",
                         settings=settings, today=ISSUE_DAY, **options)


def test_migrations_create_exactly_the_models(registry_app):
    engine = db.engine_for(registry_app)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.Base.metadata) == []


def test_issue_stores_the_record_with_number_code_and_level(session, settings):
    issued = issue(session, settings)
    assert issued.created
    certificate = issued.certificate
    assert certificate.number == clean_number(certificate.number)
    assert certificate.number.startswith("HB2025")
    assert certificate.level == "中级"
    assert certificate.valid and certificate.status == "valid"
    assert certificate.issuing_body == "湖北省职称改革工作领导小组办公室"
    assert certificate.issued_on == ISSUE_DAY
    assert certificate.record == title_record()
    assert len(certificate.code) == 22
    assert certificate.verify_url(settings) == f"https://zc.example.gov.cn/v/{certificate.code}"
    found = records.find(session, certificate.number, scope=WHOLE_REGISTRY)
    assert found.record == certificate.record and found.code == certificate.code
    lines = audit.entries(session, scope=WHOLE_REGISTRY, number=certificate.number)
    assert [(e.action, e.actor) for e in lines] == [("issue", "测试")]


def test_a_certificate_keeps_the_public_address_it_was_issued_under(session, settings):
    """Moving the service to another address must not change the QR code of a reprint."""
    first = issue(session, settings).certificate
    moved = dataclasses.replace(settings, public_url="https://zhicheng.example.gov.cn")
    again = issue(session, moved)
    assert not again.created
    assert again.certificate.verify_url(moved) == f"https://zc.example.gov.cn/v/{first.code}"
    assert records.find(session, first.number, scope=WHOLE_REGISTRY).public_url == "https://zc.example.gov.cn"
    newer = issue(session, moved, request_for(2)).certificate
    assert newer.verify_url(moved) == f"https://zhicheng.example.gov.cn/v/{newer.code}"


def test_the_registry_keeps_the_code_digest_for_lookups(session, settings):
    issued = issue(session, settings)
    row = session.scalars(select(Certificate)).one()
    assert row.code_digest != issued.certificate.code
    assert len(row.code_digest) == 64


def test_reissuing_the_same_record_returns_the_existing_certificate(session, settings):
    first = issue(session, settings)
    again = issue(session, settings)
    assert not again.created
    assert again.certificate.number == first.certificate.number
    assert again.certificate.code == first.certificate.code
    assert session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert len(audit.entries(session, scope=WHOLE_REGISTRY)) == 1


def test_the_same_key_with_other_details_is_a_conflict_naming_the_fields(session, settings):
    first = issue(session, settings)
    with pytest.raises(Conflict) as raised:
        issue(session, settings, request_for(name="李岩", speciality="市政工程"))
    problem = raised.value.problems[0]
    assert problem.loc == ()
    assert first.certificate.number in problem.msg
    assert "姓名、专业名称与之不符" in problem.msg
    assert session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_numbers_follow_each_other_and_restart_each_year(session, settings):
    numbers = [issue(session, settings, request_for(i)).certificate.number for i in range(1, 4)]
    assert [n[:-1] for n in numbers] == ["HB20250000001", "HB20250000002", "HB20250000003"]
    next_year = issuing.issue(session, request_for(9), scope=WHOLE_REGISTRY, actor="测试", settings=settings,
                              today=dt.date(2026, 1, 2))
    assert next_year.certificate.number[:-1] == "HB20260000001"


def test_issue_many_issues_in_order_and_once_per_record(session, settings):
    issue(session, settings, request_for(2))
    requests = [request_for(1), request_for(2), request_for(3), request_for(1)]
    results = issuing.issue_many(session, requests, scope=WHOLE_REGISTRY, actor="批量", settings=settings,
                                 today=ISSUE_DAY)
    assert [r.created for r in results] == [True, False, True, False]
    assert results[0].certificate.number == results[3].certificate.number
    numbers = [r.certificate.number[:-1] for r in results]
    assert numbers == ["HB20250000002", "HB20250000001", "HB20250000003", "HB20250000002"]


def test_a_batch_with_one_bad_request_issues_nothing(session, settings):
    requests = [request_for(1), request_for(2, title="船长"), request_for(3)]
    with pytest.raises(InvalidData) as raised:
        issuing.issue_many(session, requests, scope=WHOLE_REGISTRY, actor="批量", settings=settings)
    assert [p.loc for p in raised.value.problems] == [(1, "level")]
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0


@pytest.mark.parametrize(
    ("changes", "level", "loc", "message"),
    [
        ({"title": "船长"}, None, ("level",),
         "无法从职称名称「船长」判断级别，请填写级别（初级、中级、副高级、正高级）"),
        ({"id_number": "420102198503121335"}, None, ("id_number",), "证件号码校验位错误"),
        ({"gender": "女"}, None, ("gender",), "性别与证件号码不符（证件号码表明为男）"),
        ({"approval_date": "1980-01-01"}, None, ("approval_date",), "批准日期应晚于出生日期"),
        ({"committee": "武汉市\U000f0001评审委员会"}, None, ("committee",),
         "评审组织中的字符「\U000f0001」（U+F0001）无法打印：已安装的字体没有这个字"),
    ],
)
def test_a_request_that_cannot_become_a_certificate_is_refused(session, settings, changes, level, loc,
                                                               message):
    request = CertificateRequest(_record(changes), level=level)
    with pytest.raises(InvalidData) as raised:
        issue(session, settings, request)
    assert [(p.loc, p.msg) for p in raised.value.problems] == [(loc, message)]
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0


def _record(changes):
    # model_construct: field checks are the caller's business, but the service must still
    # refuse what slips past them
    base = title_record()
    values = {name: getattr(base, name) for name in TitleRecord.model_fields}
    for key, value in changes.items():
        values[key] = dt.date.fromisoformat(value) if key.endswith("_date") else value
    return TitleRecord.model_construct(**values)


def test_a_level_given_with_the_data_wins_over_the_title_name(session, settings):
    issued = issue(session, settings, CertificateRequest(title_record(title="船长"), level="中级"))
    assert issued.certificate.level == "中级"


def test_revoke_records_date_reason_and_who(session, settings):
    number = issue(session, settings).certificate.number
    revoked = revoking.revoke(session, number, reason="以不正当手段取得职称", scope=WHOLE_REGISTRY,
                             actor="审核员")
    assert revoked.status == "revoked"
    assert revoked.revoke_reason == "以不正当手段取得职称"
    assert revoked.revoked_by == "审核员"
    assert revoked.revoked_on == clock.china_today()
    lines = audit.entries(session, scope=WHOLE_REGISTRY, number=number)
    assert [e.action for e in lines] == ["revoke", "issue"]
    verification = verifying.verify(session, revoked.code)
    assert verification.status == "revoked" and verification.status_text == "已撤销"
    assert verification.revoke_reason == "以不正当手段取得职称"
    assert "已撤销" in verification.summary() and "以不正当手段取得职称" in verification.summary()


def test_a_second_revocation_is_refused_and_the_first_stands(session, settings):
    number = issue(session, settings).certificate.number
    revoking.revoke(session, number, reason="第一次", scope=WHOLE_REGISTRY, actor="甲")
    with pytest.raises(Conflict, match="原因：第一次"):
        revoking.revoke(session, number, reason="第二次", scope=WHOLE_REGISTRY, actor="乙")
    assert records.find(session, number, scope=WHOLE_REGISTRY).revoke_reason == "第一次"


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "撤销原因不能为空"), ("  ", "撤销原因不能为空"), ("理" * 201, "撤销原因不能超过200个字"),
     ("第一行\n第二行", "撤销原因不能换行")],
)
def test_revocation_needs_a_reason(session, settings, reason, message):
    number = issue(session, settings).certificate.number
    with pytest.raises(InvalidData) as raised:
        revoking.revoke(session, number, reason=reason, scope=WHOLE_REGISTRY, actor="甲")
    assert raised.value.problems[0].msg == message
    assert records.find(session, number, scope=WHOLE_REGISTRY).valid


def test_unknown_and_mistyped_numbers(session, settings):
    number = issue(session, settings).certificate.number
    unknown = number[:-2] + "9"
    unknown += mod_37_36.calc_check_digit(unknown)
    with pytest.raises(NotFound):
        records.find(session, unknown, scope=WHOLE_REGISTRY)
    with pytest.raises(NotFound):
        revoking.revoke(session, unknown, reason="x", scope=WHOLE_REGISTRY, actor="甲")
    forged = number[:-1] + ("A" if number[-1] != "A" else "B")
    with pytest.raises(InvalidData) as raised:
        records.find(session, forged, scope=WHOLE_REGISTRY)
    assert raised.value.problems[0].loc == ("number",)
    assert raised.value.problems[0].msg == "证书编号校验位错误，请核对是否输错"


def test_verify_shows_public_fields_only(session, settings):
    code = issue(session, settings).certificate.code
    verification = verifying.verify(session, code)
    assert verification.valid and verification.status_text == "有效"
    public = verification.as_json()["certificate"]
    assert public["id_number_masked"] == "42************1334"
    assert public["name"] == "李䶮"
    assert set(public) == {
        "number", "name", "id_number_masked", "series", "speciality", "title", "level", "committee",
        "approver", "approval_number", "approval_date", "issuing_body", "issued_on",
    }
    assert "420102198503121334" not in repr(verification)
    assert "1985" not in repr(verification)


def test_forged_truncated_and_altered_codes_verify_as_not_found(session, settings):
    code = issue(session, settings).certificate.code
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    for forged in (code[:-1], code + "A", altered, code.swapcase(), "", "x" * 22, code[:11]):
        verification = verifying.verify(session, forged)
        assert verification.status == "not_found" and not verification.found, forged
        assert verification.certificate is None


def test_look_up_needs_number_and_name_to_match(session, settings):
    number = issue(session, settings).certificate.number
    assert verifying.look_up(session, number, "李䶮").valid
    assert verifying.look_up(session, number.lower(), " 李 䶮 ").valid
    assert verifying.look_up(session, number, "李岩").status == "not_found"
    with pytest.raises(InvalidData, match="校验位错误"):
        verifying.look_up(session, number[:-1] + ("A" if number[-1] != "A" else "B"), "李䶮")


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"]
)
def test_the_audit_log_is_append_only_in_the_database(session, settings, statement):
    issue(session, settings)
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
        session.commit()
    session.rollback()
    assert [(e.actor, e.action) for e in session.scalars(select(AuditEntry))] == [("测试", "issue")]
