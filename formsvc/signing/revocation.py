"""Validation data for PAdES B-LT: the signing certificate's chain up to a trust anchor and the CRLs
that say none of it is revoked, embedded in each certificate PDF's DSS after its signature.

The trial CA issues its own CRL, kept beside it in the instance folder (trial-ca.crl) and issued
anew when less than REISSUE_BEFORE of its validity is left; revoke_trial lists a serial number in
it. A configured key takes its CRLs from FORMSVC_SIGNING_CRLS (PEM or DER files, os.pathsep
between them), which the operator keeps current; they are read again when the one in use expires.
Nothing is fetched from the network: a signing worker must not wait on a CA's server.

ValidationSource holds the data of one process and prepares them once for all the certificates it
signs until a CRL's next update is near. When the chain or a CRL is missing, it says why once in
the log and the certificates are signed B-B (B-T with a timestamp) as before.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from ..config import write_private
from ..errors import SetupError

log = logging.getLogger(__name__)

TRIAL_CRL = "trial-ca.crl"
#: how long a trial CRL is valid, and how long before its next update it is issued anew
CRL_DAYS = 7
REISSUE_BEFORE = dt.timedelta(days=2)


@dataclass(frozen=True)
class ValidationData:
    """What a verifier needs besides the trust anchor: the chain and the CRLs that cover it."""

    certificates: tuple[asn1_x509.Certificate, ...]
    crls: tuple[asn1_crl.CertificateList, ...]
    #: the earliest next update of the CRLs: prepared again before then
    refresh_at: dt.datetime


#: what gives the CRLs' bytes when asked (files read again, or the trial CA's CRL issued as needed)
CrlFiles = Callable[[], list[bytes]]


class RevokedSigningKey(SetupError):
    """The signing certificate is listed in its issuer's CRL: nothing is signed with it."""


def load_crls(data: bytes) -> list[asn1_crl.CertificateList]:
    """The CRLs of a PEM file (any number) or of a DER one."""
    if pem.detect(data):
        return [asn1_crl.CertificateList.load(der) for kind, _, der in pem.unarmor(data, multiple=True)
                if kind == "X509 CRL"]
    return [asn1_crl.CertificateList.load(data)]


def _when(value: Any) -> dt.datetime | None:
    return value.native if value is not None and value.native is not None else None


def next_update(crl: asn1_crl.CertificateList) -> dt.datetime | None:
    return _when(crl["tbs_cert_list"]["next_update"])


def revocation_of(crls: Iterable[asn1_crl.CertificateList], issuer: asn1_x509.Name,
                  serial: int) -> tuple[dt.datetime, str | None] | None:
    """(date, reason) if a CRL of issuer lists serial, else None."""
    for crl in crls:
        if crl.issuer != issuer:
            continue
        for entry in crl["tbs_cert_list"]["revoked_certificates"]:
            if entry["user_certificate"].native == serial:
                reason = entry.crl_reason_value
                return entry["revocation_date"].native, reason.native if reason is not None else None
    return None


# --- the trial CA's CRL --------------------------------------------------------------------------


def issue_trial_crl(folder: Path, revoked: Mapping[int, dt.datetime] | None = None) -> bytes:
    """A new CRL of the trial CA in folder listing what the current one lists, and revoked (serial
    → date); written in place of the old one, whole or not at all (a worker may be reading it)."""
    from .keys import load_trial_ca  # keys imports this module

    key, ca = load_trial_ca(folder)
    path = folder / TRIAL_CRL
    listed: dict[int, x509.RevokedCertificate] = {}
    if path.exists():
        for entry in x509.load_der_x509_crl(path.read_bytes()):
            listed[entry.serial_number] = entry
    now = dt.datetime.now(dt.UTC)
    for serial, when in (revoked or {}).items():
        listed[serial] = (x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when)
                          .build())
    builder = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
               .last_update(now - dt.timedelta(minutes=5)).next_update(now + dt.timedelta(days=CRL_DAYS))
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                              critical=False)
               .add_extension(x509.CRLNumber(int(now.timestamp() * 1000)), critical=False))
    for entry in listed.values():
        builder = builder.add_revoked_certificate(entry)
    der = builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    staging = folder / f".{TRIAL_CRL}.{os.getpid()}.new"
    write_private(staging, der)
    staging.replace(path)
    return der


def trial_crl(folder: Path) -> bytes:
    """The trial CA's current CRL, issued anew if there is none or its next update is near."""
    path = folder / TRIAL_CRL
    if path.exists():
        der = path.read_bytes()
        due = next_update(asn1_crl.CertificateList.load(der))
        if due is not None and due - dt.datetime.now(dt.UTC) > REISSUE_BEFORE:
            return der
    return issue_trial_crl(folder)


def revoke_trial(instance_path: str | Path, serial: int, when: dt.datetime | None = None) -> None:
    """List serial in the trial CA's CRL (revoked at when, by default now)."""
    from .keys import TRIAL_DIR

    issue_trial_crl(Path(instance_path) / TRIAL_DIR, {serial: when or dt.datetime.now(dt.UTC)})


# --- the data of one process -----------------------------------------------------------------------


def _chain(certificate: asn1_x509.Certificate, pool: Sequence[asn1_x509.Certificate],
           anchors: Sequence[asn1_x509.Certificate]) -> tuple[list[asn1_x509.Certificate], str | None]:
    """The path from certificate up to a trust anchor (anchor included), or why there is none."""
    path = [certificate]
    while not any(a.subject == path[-1].issuer for a in anchors):
        issuer = next((c for c in pool if c.subject == path[-1].issuer and c not in path), None)
        if issuer is None:
            return path, f"证书链不完整：缺少 {path[-1].issuer.human_friendly} 的证书"
        path.append(issuer)
    path.append(next(a for a in anchors if a.subject == path[-1].issuer))
    return path, None


class ValidationSource:
    """The validation data of a signing key, prepared once per process and again when a CRL is due.

    crl_files gives the CRLs' bytes when asked (the trial CA's, issued as needed, or the
    configured files read again); chain is the key's certificates besides its own."""

    def __init__(self, certificate: asn1_x509.Certificate, chain: Sequence[asn1_x509.Certificate],
                 anchors: Sequence[asn1_x509.Certificate], crl_files: CrlFiles, origin: str) -> None:
        self.certificate, self.chain, self.anchors = certificate, tuple(chain), tuple(anchors)
        self._crl_files, self.origin = crl_files, origin
        self._data: ValidationData | None = None
        self._why_not: str | None = None
        self._logged: str | None = None
        self._lock = threading.Lock()

    def current(self) -> ValidationData | None:
        """The data to embed now, or None (and the reason, logged once) if B-LT is not possible."""
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            if self._data is not None and now < self._data.refresh_at:
                return self._data
            self._data, self._why_not = self._prepare(now)
            if self._data is None and self._why_not != self._logged:
                log.warning("证书签名不含长期验证数据（PAdES B-LT）：%s", self._why_not)
                self._logged = self._why_not
            return self._data

    def crls_now(self) -> list[asn1_crl.CertificateList]:
        """The CRLs as they are now (the trial CA's current one, the configured files), for the
        upload check; none if they cannot be read."""
        try:
            return self._read_crls()
        except (OSError, ValueError) as error:
            log.warning("无法读取吊销列表（%s）：%s", self.origin, error)
            return []

    def _read_crls(self) -> list[asn1_crl.CertificateList]:
        return [c for data in self._crl_files() for c in load_crls(data)]

    def why_not(self) -> str | None:
        self.current()
        return self._why_not

    def _prepare(self, now: dt.datetime) -> tuple[ValidationData | None, str | None]:
        path, problem = _chain(self.certificate, self.chain, self.anchors)
        if problem:
            return None, problem
        try:
            crls = self._read_crls()
        except (OSError, ValueError) as error:
            return None, f"无法读取吊销列表（{self.origin}）：{error}"
        needed, due = [], []
        for certificate in path[:-1]:  # the anchor is trusted as it is, with no CRL of its own
            fresh = [c for c in crls if c.issuer == certificate.issuer
                     and (next_update(c) or now) > now]
            if not fresh:
                return None, f"没有 {certificate.issuer.human_friendly} 当前有效的吊销列表（{self.origin}）"
            revoked = revocation_of(fresh, certificate.issuer, certificate.serial_number)
            if revoked is not None:
                raise RevokedSigningKey(f"签名证书链中的 {certificate.subject.human_friendly} 已于 "
                                        f"{revoked[0]:%Y-%m-%d} 被吊销：请更换签名密钥")
            needed.extend(c for c in fresh if c not in needed)
            due.extend(next_update(c) for c in fresh)
        refresh = min(d for d in due if d is not None)
        # re-read (the trial CA re-issues) a while before the CRL in use runs out
        refresh = refresh - REISSUE_BEFORE if refresh - REISSUE_BEFORE > now else refresh
        return ValidationData(tuple(path), tuple(needed), refresh), None


def read_files(paths: Sequence[str]) -> CrlFiles:
    def read() -> list[bytes]:
        return [Path(p).read_bytes() for p in paths]
    return read
