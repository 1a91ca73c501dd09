"""Per-client rate limits on verification, shared by every worker (database or Redis), answered 429."""

from __future__ import annotations

import ipaddress
import secrets

import pytest

from formsvc import db
from formsvc.web import rate_counter, ratelimit
from formsvc.web.rate_counter import Limit

from ..helpers import WAIT, code_of, make_app

#: the middle of an hour: the fixed window cannot end while a test runs
NOW = 1_760_000_000 // 3600 * 3600 + 1800


@pytest.mark.parametrize(
    ("text", "limit"),
    [("60/minute", Limit(60, 60)), ("60/minutes", Limit(60, 60)), (" 5 / second ", Limit(5, 1)),
     ("1000/hour", Limit(1000, 3600)), ("10/5minutes", Limit(10, 300)), ("20000/day", Limit(20000, 86400)),
     ("off", None), ("OFF", None), ("0", None)],
)
def test_limits_read_as_people_write_them(text, limit):
    assert Limit.parse(text) == limit


@pytest.mark.parametrize("text", ["60", "sixty/minute", "60/fortnight", "0/minute", "-1/minute"])
def test_a_limit_that_cannot_be_read_is_refused_at_start_up(text):
    with pytest.raises(ValueError, match="VERIFY_RATE_LIMIT"):
        Limit.parse(text)


@pytest.fixture
def limited_app(registry_app, monkeypatch):
    monkeypatch.setattr(ratelimit.time, "time", lambda: NOW)
    registry_app.config["VERIFY_RATE_LIMIT"] = "3/hour"
    ratelimit.init_app(registry_app)
    return registry_app


def verification_urls(certificate):
    code = code_of(certificate)
    return [f"/v/{code}", f"/api/v1/verify/{code}",
            f"/verify?number={certificate['number']}&name=李䶮", f"/v/{code}"]


def assert_limited(response, *, json):
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 1800
    if json:
        message = response.get_json()["errors"][0]["msg"]
        assert message == "查询过于频繁：每个客户端每小时最多查询 3 次，请 1800 秒后再试"
    else:
        html = response.get_data(as_text=True)
        assert "请求过于频繁" in html and "每小时最多查询 3 次" in html


def test_each_client_may_verify_so_often_across_pages_and_json(limited_app, issued):
    client = limited_app.test_client()
    first, second, third, fourth = verification_urls(issued)
    assert [client.get(url).status_code for url in (first, second, third)] == [200, 200, 200]
    assert_limited(client.get(fourth), json=False)
    assert_limited(client.get(second), json=True)
    # another client is counted on its own
    other = client.get(first, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert other.status_code == 200


def test_the_blank_look_up_form_is_not_counted(limited_app, issued):
    client = limited_app.test_client()
    for _ in range(5):
        assert client.get("/verify").status_code == 200
    assert client.get(verification_urls(issued)[0]).status_code == 200


def test_workers_share_the_counts_through_the_database(limited_app, issued, tmp_path, font_dir,
                                                       monkeypatch):
    # a second app on the same database is what a second gunicorn worker is: no shared memory
    second = make_app(tmp_path / "second", font_dir, monkeypatch,
                      DATABASE_URL=limited_app.config["DATABASE_URL"], VERIFY_RATE_LIMIT="3/hour")
    try:
        url = verification_urls(issued)[0]
        one, two = limited_app.test_client(), second.test_client()
        assert [c.get(url).status_code for c in (one, two, one)] == [200, 200, 200]
        assert_limited(two.get(url), json=False)
    finally:
        db.dispose(second)


def test_counts_can_live_in_redis(registry_app, issued, redis_url, monkeypatch):
    import redis

    # a client address of this test's own: the Redis database is shared with the tests running
    # in parallel (and with Celery's queues), so nothing here may flush it or count with others
    client_address = str(ipaddress.IPv4Address(0x0A000000 + secrets.randbelow(1 << 24)))
    store = redis.Redis.from_url(redis_url)
    store.delete(*store.keys(f"formsvc:rate:verify:{client_address}:*") or ["-"])
    monkeypatch.setattr(ratelimit.time, "time", lambda: NOW)
    registry_app.config.update(VERIFY_RATE_LIMIT="3/hour", RATE_LIMIT_STORAGE=redis_url)
    ratelimit.init_app(registry_app)
    client = registry_app.test_client()
    client.environ_base["REMOTE_ADDR"] = client_address
    url = verification_urls(issued)[1]
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    assert_limited(client.get(url), json=True)
    keys = store.keys(f"formsvc:rate:verify:{client_address}:*")
    assert keys == [f"formsvc:rate:verify:{client_address}:{NOW // 3600 * 3600}".encode()]
    store.delete(*keys)


def test_an_ipv6_client_is_its_64_prefix(limited_app, issued):
    client = limited_app.test_client()
    url = verification_urls(issued)[0]
    addresses = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3", "2001:db8:1:2::4"]
    statuses = [client.get(url, environ_base={"REMOTE_ADDR": a}).status_code for a in addresses]
    assert statuses == [200, 200, 200, 429]
    assert client.get(url, environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"}).status_code == 200


def test_unknown_storage_is_refused(registry_app):
    registry_app.config["RATE_LIMIT_STORAGE"] = "memcached://localhost"
    with pytest.raises(ValueError, match="RATE_LIMIT_STORAGE"):
        ratelimit.init_app(registry_app)


def test_behind_a_trusted_proxy_clients_are_told_apart(registry_app, issued, tmp_path, font_dir,
                                                       monkeypatch):
    monkeypatch.setattr(ratelimit.time, "time", lambda: NOW)
    proxied = make_app(tmp_path / "proxied", font_dir, monkeypatch, PROXY_COUNT=1,
                       DATABASE_URL=registry_app.config["DATABASE_URL"], VERIFY_RATE_LIMIT="3/hour")
    try:
        client = proxied.test_client()
        url = verification_urls(issued)[0]

        def via(address):
            return client.get(url, headers={"X-Forwarded-For": address}).status_code

        assert [via("198.51.100.7") for _ in range(4)] == [200, 200, 200, 429]
        assert via("198.51.100.8") == 200
    finally:
        db.dispose(proxied)


def stored_hits(app) -> list[int]:
    from sqlalchemy import select

    from formsvc.registry.models import RateWindow

    with db.transaction(app) as session:
        return list(session.scalars(select(RateWindow.hits).where(RateWindow.key.like("verify:%"))))


@pytest.fixture
def batched_app(registry_app, monkeypatch):
    """40 look-ups an hour: each process may hold back 2 (a twentieth) before telling the others."""
    monkeypatch.setattr(ratelimit.time, "time", lambda: NOW)
    monkeypatch.setattr(rate_counter.Counter, "SYNC_SECONDS", 3600.0)
    registry_app.config["VERIFY_RATE_LIMIT"] = "40/hour"
    ratelimit.init_app(registry_app)
    return registry_app


def test_counts_reach_the_store_in_batches_not_on_every_look_up(batched_app, issued):
    client = batched_app.test_client()
    url = verification_urls(issued)[1]
    assert client.get(url).status_code == 200
    assert stored_hits(batched_app) == []
    assert client.get(url).status_code == 200
    assert stored_hits(batched_app) == [2]
    for _ in range(3):
        client.get(url)
    assert stored_hits(batched_app) == [4]
    # the flusher thread's periodic send takes whatever is held back, for every client at once
    batched_app.extensions["formsvc.ratelimit"]["counter"].send()
    assert stored_hits(batched_app) == [5]


def test_across_workers_a_client_gets_at_most_the_documented_slack_over_its_limit(
        batched_app, issued, tmp_path, font_dir, monkeypatch):
    second = make_app(tmp_path / "second", font_dir, monkeypatch,
                      DATABASE_URL=batched_app.config["DATABASE_URL"], VERIFY_RATE_LIMIT="40/hour")
    try:
        url = verification_urls(issued)[1]
        clients = [batched_app.test_client(), second.test_client()]
        answered = [clients[i % 2].get(url).status_code for i in range(100)]
        served = answered.count(200)
        # two processes, each holding back fewer than 40 // 20 = 2 look-ups
        assert 40 <= served <= 40 + 2 * 1, served
        assert answered[-10:] == [429] * 10
    finally:
        db.dispose(second)


def test_a_thread_of_the_process_sends_held_back_counts(batched_app, issued, monkeypatch):
    monkeypatch.setattr(rate_counter.Counter, "SYNC_SECONDS", 0.05)
    ratelimit.init_app(batched_app)
    client = batched_app.test_client()
    assert client.get(verification_urls(issued)[1]).status_code == 200
    deadline = ratelimit.time.monotonic() + WAIT
    while stored_hits(batched_app) != [1] and ratelimit.time.monotonic() < deadline:
        ratelimit.time.sleep(0.05)
    assert stored_hits(batched_app) == [1]


@pytest.fixture
def look_up_app(registry_app, monkeypatch):
    monkeypatch.setattr(ratelimit.time, "time", lambda: NOW)
    registry_app.config.update(LOOKUP_FAILURE_LIMIT="3/day", LOOKUP_ANOMALY_LIMIT="5/hour")
    ratelimit.init_app(registry_app)
    return registry_app


def look_up(client, number, name, address="198.51.100.1"):
    return client.get("/verify", query_string={"number": number, "name": name},
                      environ_base={"REMOTE_ADDR": address})


def test_wrong_names_lock_a_certificate_against_every_address(look_up_app, issued):
    client = look_up_app.test_client()
    number = issued["number"]
    guesses = [look_up(client, number, guess, f"198.51.100.{i}") for i, guess in enumerate("张王赵")]
    assert [g.status_code for g in guesses] == [404, 404, 404]
    # even the right name, from an address never seen, is refused now
    locked = look_up(client, number, "李䶮", "203.0.113.50")
    assert locked.status_code == 429
    html = locked.get_data(as_text=True)
    assert "该证书每天姓名核对失败已达 3 次，按姓名查询已锁定" in html
    assert int(locked.headers["Retry-After"]) > 0
    # the QR code's page still answers
    assert client.get(f"/v/{code_of(issued)}").status_code == 200


def test_failures_over_many_certificates_and_addresses_close_look_ups_for_all(look_up_app, issued):
    from formsvc.registry.numbers import make_number

    client = look_up_app.test_client()
    unknown = [make_number("HB", 2026, serial) for serial in range(900, 904)]
    answers = [look_up(client, number, "某某", f"192.0.2.{i}") for i, number in enumerate(unknown)]
    assert [a.status_code for a in answers] == [404] * 4
    assert look_up(client, issued["number"], "王五", "192.0.2.77").status_code == 404
    # five failures in all this hour: the right name of a certificate never guessed is refused too
    closed = look_up(client, issued["number"], "李䶮", "203.0.113.9")
    assert closed.status_code == 429
    assert "按姓名查询暂停：近期姓名核对失败异常增多" in closed.get_data(as_text=True)
