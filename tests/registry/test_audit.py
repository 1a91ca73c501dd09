"""The audit log: append-only in the database (REPLACE INTO too), and a hash chain that shows
any change made around the triggers; `flask audit verify` names the first line that does not fit."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from formsvc import db
from formsvc.clock import CHINA
from formsvc.registry import audit
from formsvc.registry.scope import WHOLE_REGISTRY

from ..helpers import make_app, request_for
from .test_service import issue

#: a statement that would overwrite line 1 in place, per database
REPLACING = {
    "sqlite": [f"{verb} INTO audit_log (id, at, actor, action) VALUES (1, '2020-01-01', 'x', 'issue')"
               for verb in ("REPLACE", "INSERT OR REPLACE")],
    "postgresql": ["INSERT INTO audit_log (id, at, actor, action) VALUES (1, now(), 'x', 'issue') "
                   "ON CONFLICT (id) DO UPDATE SET actor = 'x'"],
}
#: lifting the triggers, as someone with the database's owner rights could
LIFT_TRIGGERS = {
    "sqlite": ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
    "postgresql": ["ALTER TABLE audit_log DISABLE TRIGGER USER"],
}


def dialect(session) -> str:
    return session.get_bind().dialect.name


def issued_lines(session, settings, count: int = 3) -> None:
    for serial in range(1, count + 1):
        issue(session, settings, request_for(serial))


def verify_cli(registry_app):
    return registry_app.test_cli_runner().invoke(args=["audit", "verify"])


def test_an_insert_that_would_replace_a_line_is_refused(session, settings):
    issued_lines(session, settings, 1)
    for statement in REPLACING[dialect(session)]:
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
            session.commit()
        session.rollback()
    assert [(e.actor, e.action) for e in audit.entries(session, scope=WHOLE_REGISTRY)] == [("测试", "issue")]


def test_the_chain_of_an_untouched_log_is_intact(registry_app, session, settings):
    issued_lines(session, settings)
    check = audit.verify(session)
    assert check.intact and check.entries == 3
    result = verify_cli(registry_app)
    assert result.exit_code == 0, result.output
    assert f"审计日志完整：共 3 条，哈希链末端 {check.last_hash}" in result.output


@pytest.mark.parametrize(
    ("tampering", "message"),
    [
        ("UPDATE audit_log SET actor = '别人' WHERE id = 2", "第 2 号记录的内容与其哈希不符（记录被改动）"),
        ("DELETE FROM audit_log WHERE id = 2", "第 3 号记录与上一条记录不衔接"),
        ("DELETE FROM audit_log WHERE id = 3", "日志末尾的记录被删除"),
    ],
)
def test_tampering_around_the_triggers_is_reported_with_the_first_broken_line(
        registry_app, session, settings, tampering, message):
    issued_lines(session, settings)
    for statement in [*LIFT_TRIGGERS[dialect(session)], tampering]:
        session.execute(text(statement))
    session.commit()
    assert not audit.verify(session).intact
    result = verify_cli(registry_app)
    assert result.exit_code == 1
    assert "审计日志被篡改" in result.output and message in result.output


def test_lines_written_before_the_chain_get_their_hashes_in_the_migration(tmp_path, font_dir, monkeypatch,
                                                                          unmigrated_database_url):
    database_url = unmigrated_database_url
    app = make_app(tmp_path / "old", font_dir, monkeypatch, DATABASE_URL=database_url)
    try:
        config = db.alembic_config(database_url)
        command.upgrade(config, "0004_certificate_public_url")
        with db.engine_for(app).begin() as connection:
            for actor in ("甲", "乙"):
                connection.execute(text("INSERT INTO audit_log (at, actor, action, detail) "
                                        "VALUES (:at, :actor, 'read', NULL)"),
                                   {"at": "2026-11-30 08:00:00.123456", "actor": actor})
        db.dispose(app)
        command.upgrade(config, "head")
        with app.app_context():
            session = db.session()
            assert audit.verify(session).entries == 2
            audit.record(session, "丙", "read", "HB1")
            session.commit()
            check = audit.verify(session)
        assert check.intact and check.entries == 3
    finally:
        db.dispose(app)


def test_a_detail_without_a_chinese_label_is_refused_when_written(session):
    with pytest.raises(ValueError, match="without a label"):
        audit.record(session, "cli", "bulk-issue", None, job="x", colour="红")
    session.rollback()
    assert audit.entries(session, scope=WHOLE_REGISTRY) == []


@pytest.mark.parametrize(("actor", "name"), [
    ("office:王科长", "王科长"),
    ("token:咸宁市职改办", "咸宁市职改办（接口令牌）"),
    ("cli", "命令行"),
    ("批量导入脚本", "批量导入脚本"),  # an actor named on the command line (issue --actor) as given
    ("unknown:x", "unknown:x"),
])
def test_who_acted_is_named_as_a_person_reads_it(actor, name):
    assert audit.actor_name(actor) == name


@pytest.mark.parametrize(("zone", "day"), [(CHINA, dt.date(2026, 12, 2)), (dt.UTC, dt.date(2026, 12, 1))])
def test_a_day_is_the_day_of_the_zone_the_office_reads_times_in(session, monkeypatch, zone, day):
    # 16:30 UTC is 00:30 of the next day in Beijing: the office that shows 00:30 finds it on that day
    monkeypatch.setattr(audit, "utcnow", lambda: dt.datetime(2026, 12, 1, 16, 30, tzinfo=dt.UTC))
    audit.record(session, "cli", "issue", "HB-ZONE")
    session.flush()

    def found(on: dt.date) -> list[str | None]:
        wanted = audit.AuditFilter(number="HB-ZONE", start=on, end=on, zone=zone)
        lines = session.scalars(audit.lines(wanted, scope=WHOLE_REGISTRY))
        return [line.certificate_number for line in lines]

    assert found(day) == ["HB-ZONE"]
    assert found(day - dt.timedelta(days=1)) == found(day + dt.timedelta(days=1)) == []
