"""PAdES B-LT: each certificate PDF embeds its chain and the trial CA's CRL in a DSS after the
signature; pyHanko validates it offline from those data and the trust root alone, the upload
check says the level and that revocation was checked offline, and a revoked signing
certificate is reported (issue 11)."""

from __future__ import annotations

import io
import logging
import socket
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from asn1crypto import x509 as asn1_x509
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from formsvc import db
from formsvc.signing import keys, revocation, signing_key
from formsvc.signing.sign import outside_event_loop, sign_certificate
from formsvc.signing.verify_document import check_document

from .conftest import pyhanko_status, trust_of
from .test_verify_document import checked, record_in, unsigned_prefix


def trial_root(app: Flask) -> asn1_x509.Certificate:
    return load_cert_from_pemder(str(Path(app.instance_path) / keys.TRIAL_DIR / keys.TRIAL_CA))


def embedded_certificates(dss: DocumentSecurityStore) -> list[asn1_x509.Certificate]:
    return [asn1_x509.Certificate.load(ref.get_object().data) for ref in dss.certs.values()]


def test_a_certificate_validates_offline_from_its_embedded_data_and_the_root_alone(
        signing_app: Flask, signed: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    # qpdf reads the update's cross-reference section as it is, with nothing to recover
    with pikepdf.open(io.BytesIO(signed), attempt_recovery=False) as document:
        assert document.check_pdf_syntax() == [] and "/DSS" in document.Root
    reader = PdfFileReader(io.BytesIO(signed))
    dss = DocumentSecurityStore.read_dss(reader)
    assert len(dss.crls) == 1 and len(dss.certs) == 2  # the signing certificate and the trial CA

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("validation went to the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    # only what the file embeds, and the root: every certificate below it must have its CRL
    context = dss.as_validation_context({"trust_roots": [trial_root(signing_app)],
                                         "allow_fetching": False, "revocation_mode": "require"})
    [signature] = reader.embedded_signatures
    status = outside_event_loop(lambda: validate_pdf_signature(signature, context))
    assert status.bottom_line and not status.revoked, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_REVISION" and status.modification_level.name == "LTA_UPDATES"
    # without the embedded CRL the same strict validation cannot trust it: the CRL is what did it
    bare = ValidationContext(trust_roots=[trial_root(signing_app)], other_certs=embedded_certificates(dss),
                             crls=[], allow_fetching=False, revocation_mode="require")
    assert not outside_event_loop(lambda: validate_pdf_signature(signature, bare)).trusted


def test_the_upload_check_says_b_lt_and_that_revocation_was_checked_offline(
        client: FlaskClient, signed: bytes) -> None:
    result = checked(client, signed)
    assert result["verdict"] == "真实有效"
    signature = result["signature"]
    assert signature["level"] == "B-LT"
    assert signature["revocation"]["checked_offline"] and not signature["revocation"]["revoked"]
    assert result["integrity"]["state"] == "unmodified" and result["integrity"]["validation_updates"] == [2]
    assert result["integrity"]["changes"] == []
    assert "PAdES B-LT" in result["summary"] and "离线核对" in result["summary"]
    assert "仅追加了长期验证数据" in result["summary"]


def test_a_signing_certificate_revoked_after_it_signed_is_reported(
        signing_app: Flask, client: FlaskClient, signed: bytes, runner: FlaskCliRunner) -> None:
    serial = signing_key(signing_app).certificate.serial_number
    assert f"序列号 {serial:x}" in signing_key(signing_app).summary()
    done = runner.invoke(args=["signing", "revoke", f"{serial:x}"])
    assert done.exit_code == 0 and f"已吊销序列号 {serial:x}" in done.output, done.output
    result = checked(client, signed)
    signature = result["signature"]
    assert signature["state"] == "valid" and not signature["trusted"]
    assert signature["revocation"]["revoked"] and signature["revocation"]["checked_issuer_list"]
    assert "被签发机构吊销" in result["summary"]
    assert not result["genuine"] and result["verdict"] == "无法确认真实性"


def test_a_revoked_signing_key_signs_nothing(signing_app: Flask, signed: bytes) -> None:
    revocation.revoke_trial(signing_app.instance_path, signing_key(signing_app).certificate.serial_number)
    # a worker starting now (its validation data are prepared once, then until the CRL is due)
    key = keys.load_trial(signing_app.instance_path, signing_app.config["ISSUING_BODY"])
    with pytest.raises(revocation.RevokedSigningKey, match=r"已于 .* 被吊销"):
        sign_certificate(unsigned_prefix(signed), record_in(signed), key)


def test_a_file_whose_embedded_crl_lists_its_signer_is_reported_revoked_offline(
        signing_app: Flask, signed: bytes) -> None:
    key = signing_key(signing_app)
    folder = Path(signing_app.instance_path) / keys.TRIAL_DIR
    revocation.revoke_trial(signing_app.instance_path, key.certificate.serial_number)
    crls = revocation.load_crls((folder / revocation.TRIAL_CRL).read_bytes())
    # signed B-B as a key without validation data signs, then given the CRL that lists its signer
    plain = io.BytesIO(sign_certificate(unsigned_prefix(signed), record_in(signed),
                                        keys.SigningKey(key.signer, key.certificate, key.trust_anchors,
                                                        key.source, key.trial)))
    DocumentSecurityStore.add_dss(plain, None, certs=[key.certificate, trial_root(signing_app)], crls=crls)
    with signing_app.app_context(), db.engine_for(signing_app).connect() as connection:
        # no CRL from the service: the file's own data say it
        result = check_document(plain.getvalue(), [a.dump() for a in key.trust_anchors], connection)
    assert result.revoked_on is not None and result.revocation_offline and not result.trusted
    assert "被签发机构吊销" in result.summary()


def test_a_file_with_a_cross_reference_stream_gets_its_validation_data_from_pyhanko(
        signing_app: Flask, signed: bytes) -> None:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(unsigned_prefix(signed))) as document:
        document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    assert b"/XRef" in out.getvalue()
    again = sign_certificate(out.getvalue(), record_in(signed), signing_key(signing_app))
    reader = PdfFileReader(io.BytesIO(again))
    assert len(DocumentSecurityStore.read_dss(reader).crls) == 1
    assert pyhanko_status(again, trust_of(signing_app)).bottom_line


def test_without_revocation_data_it_signs_b_b_and_says_why_once(
        signing_app: Flask, signed: bytes, caplog: pytest.LogCaptureFixture) -> None:
    key = signing_key(signing_app)
    source = revocation.ValidationSource(key.certificate, (), key.trust_anchors, lambda: [], "测试")
    bare = keys.SigningKey(key.signer, key.certificate, key.trust_anchors, key.source, key.trial, source)
    with caplog.at_level(logging.WARNING, logger=revocation.__name__):
        outputs = [sign_certificate(unsigned_prefix(signed), record_in(signed), bare) for _ in range(3)]
    reasons = [r.getMessage() for r in caplog.records if "B-LT" in r.getMessage()]
    assert len(reasons) == 1 and "吊销列表" in reasons[0], reasons
    for output in outputs:
        assert "/DSS" not in PdfFileReader(io.BytesIO(output)).root
    client = signing_app.test_client()
    result = checked(client, outputs[0])
    assert result["signature"]["level"] == "B-B" and result["verdict"] == "真实有效"
    assert result["signature"]["revocation"]["checked_issuer_list"]
    assert not result["signature"]["revocation"]["checked_offline"]


def test_the_trial_crl_is_issued_anew_before_its_next_update(signing_app: Flask) -> None:
    folder = Path(signing_app.instance_path) / keys.TRIAL_DIR
    first = revocation.trial_crl(folder)
    assert revocation.trial_crl(folder) == first  # fresh: kept
    import datetime as dt
    later = revocation.next_update(revocation.load_crls(first)[0])
    assert later is not None and later - dt.datetime.now(dt.UTC) > revocation.REISSUE_BEFORE
    (folder / revocation.TRIAL_CRL).write_bytes(_crl_due_tomorrow(folder))
    renewed = revocation.trial_crl(folder)
    assert renewed != first
    assert revocation.next_update(revocation.load_crls(renewed)[0]) > later - dt.timedelta(minutes=1)


def _crl_due_tomorrow(folder: Path) -> bytes:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    key, ca = keys.load_trial_ca(folder)
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
            .last_update(now - dt.timedelta(days=6)).next_update(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
