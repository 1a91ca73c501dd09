"""The signing key: the trial key made at first start, a configured PKCS#12 key, refusals at
start-up that say why (never the passphrase), and rotation under the same CA."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc.errors import SetupError
from formsvc.signing import keys, revocation, signing_key

from ..helpers import make_app
from .conftest import issue, pyhanko_status, trust_of

PASSPHRASE = "correct-horse-7731"


def test_the_trial_key_is_made_at_first_start_private_and_marked(signing_app: Flask) -> None:
    key = signing_key(signing_app)
    assert key.trial
    assert "测试/样章" in key.subject and "样章" in key.summary()
    folder = Path(signing_app.instance_path) / keys.TRIAL_DIR
    made = sorted(p.name for p in folder.iterdir())
    # the CRL: issued by the trial CA when the validation data are first asked for (summary does)
    assert made == sorted([keys.TRIAL_KEY, keys.TRIAL_PASSPHRASE, keys.TRIAL_CA_KEY, keys.TRIAL_CA,
                           revocation.TRIAL_CRL])
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # trust goes to the CA, not to the signing certificate
    assert [a.subject for a in key.trust_anchors] == [key.certificate.issuer]


@pytest.fixture
def real_key(tmp_path: Path) -> tuple[Path, Path]:
    """A PKCS#12 key made elsewhere (here: another trial CA) and its CA certificate, with a
    passphrase of our choosing."""
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    folder = tmp_path / "elsewhere"
    made = keys.create_trial(folder, "咸宁市职称改革工作领导小组办公室")
    passphrase = (made.parent / keys.TRIAL_PASSPHRASE).read_bytes().strip()
    key, certificate, _ = pkcs12.load_key_and_certificates(made.read_bytes(), passphrase)
    assert key is not None and certificate is not None
    bundle = pkcs12.serialize_key_and_certificates(b"real", key, certificate, None,
                                                   BestAvailableEncryption(PASSPHRASE.encode()))
    path = tmp_path / "issuer.p12"
    path.write_bytes(bundle)
    return path, made.parent / keys.TRIAL_CA


@pytest.mark.parametrize("how", ["variable", "file"])
def test_a_configured_key_signs_with_its_passphrase_from_a_variable_or_a_file(
        tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch, real_key: tuple[Path, Path],
        how: str) -> None:
    path, ca = real_key
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    given = ({"SIGNING_PASSPHRASE": PASSPHRASE} if how == "variable"
             else {"SIGNING_PASSPHRASE_FILE": str(secret)})
    app = make_app(tmp_path, font_dir, monkeypatch, SIGNING_KEY=str(path), TRUST_ANCHORS=str(ca), **given)
    key = signing_key(app)
    assert not key.trial and key.source == str(path)
    assert "咸宁市" in key.subject
    assert not (Path(app.instance_path) / keys.TRIAL_DIR).exists()  # no trial key beside a real one


@pytest.mark.parametrize(("case", "message"), [
    ("missing", "无法读取签名密钥文件"),
    ("wrong passphrase", "口令不对"),
    ("not pkcs12", "口令不对，或不是 PKCS#12"),
    ("passphrase file missing", "无法读取签名密钥口令文件"),
    ("untrusted issuer", "不在信任的根证书中"),
    ("anchor not a certificate", "不是 PEM 或 DER 格式的证书"),
])
def test_start_up_refuses_a_key_it_cannot_use_saying_why_but_never_the_passphrase(
        tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch, real_key: tuple[Path, Path],
        case: str, message: str) -> None:
    path, ca = real_key
    config: dict[str, str] = {"SIGNING_KEY": str(path), "SIGNING_PASSPHRASE": PASSPHRASE,
                              "TRUST_ANCHORS": str(ca)}
    if case == "missing":
        config["SIGNING_KEY"] = str(tmp_path / "nowhere.p12")
    elif case == "wrong passphrase":
        config["SIGNING_PASSPHRASE"] = "not-" + PASSPHRASE
    elif case == "not pkcs12":
        config["SIGNING_KEY"] = str(ca)
    elif case == "passphrase file missing":
        del config["SIGNING_PASSPHRASE"]
        config["SIGNING_PASSPHRASE_FILE"] = str(tmp_path / "no-passphrase")
    elif case == "untrusted issuer":
        del config["TRUST_ANCHORS"]
    else:
        config["TRUST_ANCHORS"] = str(path)
    with pytest.raises(SetupError) as raised:
        make_app(tmp_path, font_dir, monkeypatch, **config)
    assert message in str(raised.value)
    assert PASSPHRASE not in str(raised.value)


def test_signing_init_makes_a_new_key_and_what_the_old_one_signed_stays_valid(
        signing_app: Flask, client: FlaskClient, auth: dict[str, str], tmp_path: Path,
        font_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = issue(client, auth, 1)
    old_pdf = client.get(first["links"]["pdf"], headers=auth).data
    old_serial = signing_key(signing_app).certificate.serial_number
    result = signing_app.test_cli_runner().invoke(args=["signing", "init", "湖北省职称改革办公室"])
    assert result.exit_code == 0, result.output
    assert "测试/样章" in result.output and "0600" in result.output
    assert keys.TRIAL_PASSPHRASE in result.output
    passphrase = (Path(signing_app.instance_path) / keys.TRIAL_DIR / keys.TRIAL_PASSPHRASE).read_text()
    assert passphrase.strip() not in result.output
    # the service restarted with the new key
    from formsvc import db

    restarted = make_app(tmp_path, font_dir, monkeypatch, DATABASE_URL=signing_app.config["DATABASE_URL"])
    try:
        assert signing_key(restarted).certificate.serial_number != old_serial
        new_client = restarted.test_client()
        new_pdf = new_client.get(first["links"]["pdf"], headers=auth).data
        context = trust_of(restarted)
        for pdf in (old_pdf, new_pdf):
            status = pyhanko_status(pdf, context)
            assert status.bottom_line, status.pretty_print_details()
        assert pyhanko_status(new_pdf, context).signing_cert.serial_number != old_serial
    finally:
        db.dispose(restarted)
