"""The issuing body's signing key: a PKCS#12 file, its passphrase, and the CAs that are trusted.

A configured key (FORMSVC_SIGNING_KEY) is used as it is. Without one, the instance folder holds a
trial CA and a signing certificate under it, both marked 测试/样章 like the specimen seal, made at
first start (or by `flask signing init NAME`), so that a fresh checkout signs out of the box and no
one can take its certificates for real ones.

Trust goes to CAs, never to a signing certificate: a new signing certificate under the same CA
(`signing init` again, or a real key renewed) leaves every certificate signed earlier valid for as
long as its CA is trusted.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ..config import file_list, write_private
from ..errors import SetupError
from .prepared import PreparedSigner
from .revocation import CrlFiles, ValidationSource, read_files, trial_crl

#: where the trial key lives, inside the instance folder
TRIAL_DIR = "signing"
TRIAL_KEY = "trial-signing.p12"
TRIAL_PASSPHRASE = "trial-signing.passphrase"
TRIAL_CA_KEY = "trial-ca.key"
TRIAL_CA = "trial-ca.pem"
#: what marks a trial certificate as not real, in its subject
TRIAL_MARK = "测试/样章"
CA_YEARS = 10
SIGNING_YEARS = 3


@dataclass(frozen=True)
class SigningKey:
    """The key that signs certificate PDFs, its certificate, and the trust anchors verification uses."""

    signer: SimpleSigner
    certificate: asn1_x509.Certificate
    trust_anchors: tuple[asn1_x509.Certificate, ...]
    source: str
    trial: bool
    #: the chain and CRLs embedded for B-LT; None: signed B-B/B-T only
    validation: ValidationSource | None = None

    @property
    def subject(self) -> str:
        return self.certificate.subject.human_friendly

    def summary(self) -> str:
        kind = "试用密钥（测试/样章，不可用于正式证书）" if self.trial else "签名密钥"
        anchors = "；".join(a.subject.human_friendly for a in self.trust_anchors)
        why_not = self.validation.why_not() if self.validation is not None else "未配置吊销列表"
        level = "PAdES B-LT（嵌入证书链与吊销列表）" if why_not is None else f"PAdES B-B/B-T（{why_not}）"
        return f"{kind} {self.source}：{self.subject}，序列号 {self.certificate.serial_number:x}，有效期至 " \
               f"{self.certificate.not_valid_after:%Y-%m-%d}；信任的根证书：{anchors}；签名级别：{level}"


def _fit(text: str, limit: int = 64) -> str:
    """text cut to the 64 bytes an X.509 name attribute may hold in UTF-8."""
    while len(text.encode()) > limit:
        text = text[:-1]
    return text


def _name(organization: str, common_name: str) -> x509.Name:
    """A subject whose unit says 测试/样章: a trial certificate says what it is wherever it shows."""
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(organization)),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TRIAL_MARK),
        x509.NameAttribute(NameOID.COMMON_NAME, _fit(common_name)),
    ])


def _usage(*, sign_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not sign_certificates, content_commitment=not sign_certificates,
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        key_cert_sign=sign_certificates, crl_sign=sign_certificates, encipher_only=False,
        decipher_only=False,
    )


def _trial_ca(folder: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The instance's trial CA, made if there is none yet."""
    key_path, cert_path = folder / TRIAL_CA_KEY, folder / TRIAL_CA
    if not key_path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        subject = _name(name, f"试用根证书（{TRIAL_MARK}）")
        certificate = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(sign_certificates=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        write_private(key_path, key.private_bytes(serialization.Encoding.PEM,
                                                  serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
        if not cert_path.exists():
            write_private(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    return load_trial_ca(folder)


def load_trial_ca(folder: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The trial CA's key and certificate in folder (the instance's signing folder)."""
    key = serialization.load_pem_private_key((folder / TRIAL_CA_KEY).read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key, x509.load_pem_x509_certificate((folder / TRIAL_CA).read_bytes())


def create_trial(instance_path: str | Path, name: str, *, replace: bool = False) -> Path:
    """A trial signing certificate for name under the instance's trial CA (made if missing);
    returns the PKCS#12 path. replace makes a new signing key even if one exists (rotation: the
    CA stays, so what the old key signed stays valid)."""
    folder = Path(instance_path) / TRIAL_DIR
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / TRIAL_KEY
    if target.exists() and not replace:
        return target
    ca_key, ca = _trial_ca(folder, name)
    key = ec.generate_private_key(ec.SECP256R1())  # P-256: a signature costs well under a millisecond
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(_name(name, _fit(f"{name}（样章）"))).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * SIGNING_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign_certificates=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    passphrase_path = folder / TRIAL_PASSPHRASE
    if not passphrase_path.exists():
        write_private(passphrase_path, os.urandom(24).hex().encode())
    passphrase = passphrase_path.read_bytes().strip()
    bundle = pkcs12.serialize_key_and_certificates(
        name.encode(), key, certificate, [ca], serialization.BestAvailableEncryption(passphrase))
    if replace:
        # keep the old file until the new one is whole: a worker starting now reads one or the other
        staging = folder / f".{TRIAL_KEY}.new"
        staging.unlink(missing_ok=True)
        write_private(staging, bundle)
        staging.replace(target)
    else:
        write_private(target, bundle)
    return target


def _passphrase(config: Mapping[str, Any]) -> bytes | None:
    if config.get("SIGNING_PASSPHRASE"):
        return str(config["SIGNING_PASSPHRASE"]).encode()
    path = config.get("SIGNING_PASSPHRASE_FILE")
    if not path:
        return None
    try:
        return Path(path).read_bytes().rstrip(b"\r\n")
    except OSError as error:
        raise SetupError(f"无法读取签名密钥口令文件 {path}：{error.strerror}") from None


def read_anchors(paths: Sequence[str]) -> list[asn1_x509.Certificate]:
    anchors = []
    for path in paths:
        try:
            found = list(load_certs_from_pemder_data(Path(path).read_bytes()))
            for certificate in found:
                certificate.subject  # noqa: B018 - asn1crypto parses lazily: fail here, not later
            anchors.extend(found)
        except OSError as error:
            raise SetupError(f"无法读取信任的根证书 {path}：{error.strerror}") from None
        except ValueError:
            raise SetupError(f"信任的根证书 {path} 不是 PEM 或 DER 格式的证书") from None
    return anchors


def _self_signed(certificate: asn1_x509.Certificate) -> bool:
    return certificate.self_signed in ("maybe", "yes") and certificate.ca


def load_key(path: str | Path, passphrase: bytes | None, *, trust_anchor_files: Sequence[str] = (),
             trial: bool = False, crls: CrlFiles | None = None, crl_origin: str = "") -> SigningKey:
    """The key in a PKCS#12 file, or SetupError saying why it cannot be used (never the passphrase).

    Trust anchors: the given PEM/DER files, and the self-signed CAs the file carries; at least one
    must have issued the signing certificate, or no verification could ever trust it. crls, if
    given, returns the CRLs' bytes for B-LT (revocation.ValidationSource).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SetupError(f"无法读取签名密钥文件 {path}：{error.strerror}") from None
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError:
        raise SetupError(f"签名密钥文件 {path} 无法打开：口令不对，或不是 PKCS#12（.p12/.pfx）文件"
                         "（口令由 FORMSVC_SIGNING_PASSPHRASE 或 FORMSVC_SIGNING_PASSPHRASE_FILE 提供）"
                         ) from None
    if key is None or certificate is None:
        raise SetupError(f"签名密钥文件 {path} 中没有私钥和与之对应的证书")
    now = dt.datetime.now(dt.UTC)
    if certificate.not_valid_after_utc < now:
        raise SetupError(f"签名证书已于 {certificate.not_valid_after_utc:%Y-%m-%d} 过期：{path}")
    chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in others]
    # the key as decrypted above (SimpleSigner.load_pkcs12_data would decrypt the file again)
    try:
        signing_key = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        signer = SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
            signing_key=signing_key, cert_registry=SimpleCertificateStore.from_certs(chain))
    except ValueError:
        raise SetupError(f"签名密钥文件 {path} 中的密钥类型不受支持") from None
    anchors = read_anchors(trust_anchor_files) + [c for c in chain if _self_signed(c)]
    anchors = list({a.sha256: a for a in anchors}.values())
    issuer = signer.signing_cert.issuer
    if not any(a.subject == issuer for a in anchors) and not any(c.subject == issuer for c in chain):
        raise SetupError(f"签名证书的签发者（{issuer.human_friendly}）不在信任的根证书中："
                         "请用 FORMSVC_TRUST_ANCHORS 指定签发它的 CA 证书")
    validation = ValidationSource(signer.signing_cert, chain, anchors, crls, crl_origin) if crls else None
    # the same signer, with the parts of its CMS that are alike for every certificate made once
    return SigningKey(PreparedSigner(signer), signer.signing_cert, tuple(anchors), str(path), trial,
                      validation)


def trial_anchor_files(instance_path: str | Path) -> list[str]:
    ca = Path(instance_path) / TRIAL_DIR / TRIAL_CA
    return [str(ca)] if ca.exists() else []


def from_config(config: Mapping[str, Any], instance_path: str | Path) -> SigningKey:
    """The configured key (SIGNING_KEY), else the instance's trial key, made if missing."""
    anchors = file_list(config.get("TRUST_ANCHORS"))
    if config.get("SIGNING_KEY"):
        crl_files = file_list(config.get("SIGNING_CRLS"))
        return load_key(config["SIGNING_KEY"], _passphrase(config), trust_anchor_files=anchors,
                        crls=read_files(crl_files) if crl_files else None,
                        crl_origin="FORMSVC_SIGNING_CRLS")
    return load_trial(instance_path, config["ISSUING_BODY"], anchors)


def load_trial(instance_path: str | Path, name: str, anchors: Sequence[str] = ()) -> SigningKey:
    """The instance's trial key (made if missing), with the trial CA's CRL for B-LT."""
    path = create_trial(instance_path, name)
    passphrase = (path.parent / TRIAL_PASSPHRASE).read_bytes().strip()
    return load_key(path, passphrase, trust_anchor_files=[*anchors, *trial_anchor_files(instance_path)],
                    trial=True, crls=lambda: [trial_crl(path.parent)], crl_origin="试用根证书的吊销列表")
