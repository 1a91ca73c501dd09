"""PAdES B-T: with FORMSVC_TSA_URL set, each signature carries an RFC 3161 timestamp, here from a
timestamp authority served on 127.0.0.1 (pyHanko's DummyTimeStamper behind HTTP, its certificate
issued by the trial CA)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask
from pyhanko.keys import load_private_key_from_pemder_data
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from formsvc import db
from formsvc.signing import keys

from ..conftest import make_app
from ..registry.conftest import SEAL
from .conftest import issue, pyhanko_status, trust_of
from .test_verify_document import checked


def timestamp_authority(instance: Path) -> DummyTimeStamper:
    """A TSA whose certificate the instance's trial CA issued (so that it is trusted too)."""
    folder = instance / keys.TRIAL_DIR
    ca_key = serialization.load_pem_private_key((folder / keys.TRIAL_CA_KEY).read_bytes(), None)
    ca = x509.load_pem_x509_certificate((folder / keys.TRIAL_CA).read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # the dummy TSA is RSA-only
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "试用时间戳服务（测试）")]))
        .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return DummyTimeStamper(asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
                            load_private_key_from_pemder_data(der_key, None))


@pytest.fixture
def tsa_app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    first = make_app(tmp_path, font_dir, monkeypatch)  # makes the trial CA the TSA is issued under
    authority = timestamp_authority(Path(first.instance_path))
    db.dispose(first)

    @Request.application
    def answer(request: Request) -> Response:
        reply = authority.request_tsa_response(tsp.TimeStampReq.load(request.get_data()))
        return Response(reply.dump(), mimetype="application/timestamp-reply")

    server = make_server("127.0.0.1", 0, answer, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app = make_app(tmp_path, font_dir, monkeypatch, SEAL_IMAGE=str(SEAL),
                   TSA_URL=f"http://127.0.0.1:{server.server_port}/tsa")
    db.upgrade(app)
    yield app
    db.dispose(app)
    server.shutdown()
    thread.join(10)


def test_with_a_tsa_each_signature_carries_a_trusted_timestamp(tsa_app: Flask) -> None:
    from formsvc.registry import tokens

    client = tsa_app.test_client()
    with tsa_app.app_context():
        auth = {"Authorization": f"Bearer {tokens.create(db.session(), '人社局职改办')}"}
    issued = issue(client, auth)
    signed = client.get(issued["links"]["pdf"], headers=auth).data
    status = pyhanko_status(signed, trust_of(tsa_app))
    assert status.bottom_line, status.pretty_print_details()
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid
    assert status.timestamp_validity.trusted
    result = checked(client, signed)
    assert result["valid_now"] and result["signature"]["timestamp"]
    assert "可信时间戳" in result["summary"]


def test_a_tsa_that_does_not_answer_is_a_503_not_an_unsigned_certificate(
        signing_app: Flask, client, auth) -> None:
    signing_app.config["TSA_URL"] = "http://127.0.0.1:9/tsa"  # nothing listens there
    issued = issue(client, auth)
    response = client.get(issued["links"]["pdf"], headers=auth)
    assert response.status_code == 503
    assert "时间戳服务" in response.get_json()["errors"][0]["msg"]
