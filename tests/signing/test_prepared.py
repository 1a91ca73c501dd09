"""The prepared signer (signing/prepared.py): its signatures are pyHanko's, joined from parts made
once per key, and whatever it cannot prepare goes through pyHanko itself."""

from __future__ import annotations

import asyncio
import hashlib

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

from formsvc.signing import signing_key
from formsvc.signing.prepared import PreparedSigner


def sign(signer: SimpleSigner, digest: bytes, **options: object) -> cms.ContentInfo:
    return asyncio.run(signer.async_sign(digest, "sha256", use_pades=True, **options))


def without_signature(content_info: cms.ContentInfo) -> bytes:
    """The CMS with its raw signature blanked (ECDSA signs differently each time)."""
    copy = cms.ContentInfo.load(content_info.dump())
    copy["content"]["signer_infos"][0]["signature"] = b"\0" * 8
    return copy.dump(force=True)


def test_prepared_signature_is_pyhankos_own(signing_app: Flask) -> None:
    signer = signing_key(signing_app).signer
    assert isinstance(signer, PreparedSigner)
    plain = SimpleSigner(signing_cert=signer.signing_cert, signing_key=signer.signing_key,
                         cert_registry=signer.cert_registry)
    for content in (b"first", b"second"):
        digest = hashlib.sha256(content).digest()
        prepared = sign(signer, digest, signed_attr_settings=PdfCMSSignedAttributes())
        assert signer._templates["sha256"] is not None, "the fast path was not taken"
        assert without_signature(prepared) == without_signature(sign(plain, digest))
        info = prepared["content"]["signer_infos"][0]
        assert info["signed_attrs"][1]["values"][0].native == digest
        # the raw signature is over these very attributes (as a SET OF), by the signing key
        public = x509.load_der_x509_certificate(signer.signing_cert.dump()).public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(info["signature"].native, info["signed_attrs"].untag().dump(force=True),
                      ec.ECDSA(hashes.SHA256()))


def test_what_cannot_be_prepared_goes_through_pyhanko(signing_app: Flask) -> None:
    signer = signing_key(signing_app).signer
    digest = hashlib.sha256(b"x").digest()
    # a CAdES signature (not PAdES) carries a signing time: built in full every time
    first = asyncio.run(signer.async_sign(digest, "sha256", use_pades=False,
                                          signed_attr_settings=PdfCMSSignedAttributes()))
    attributes = {a["type"].native for a in first["content"]["signer_infos"][0]["signed_attrs"]}
    assert "message_digest" in attributes
    assert "sha256" not in signer._templates
