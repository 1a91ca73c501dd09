"""A signer that builds each certificate's CMS from bytes prepared once per key.

Every PAdES signature of a key is the same SignedData but for two things: the digest of the
document in the message-digest attribute and the raw signature over the signed attributes.
pyHanko builds the whole structure again with asn1crypto for each one and serialises the key's
certificates anew every time: about 10 ms of a signature's 16 ms. This signer lets pyHanko build
it once (the template), keeps its parts as DER, and for each signature swaps the digest into the
signed attributes, signs them and joins the parts; the result is byte for byte what pyHanko writes
(checked when the template is made). Anything else (a timestamp, other attributes, the dry run
that sizes a signature) goes through pyHanko unchanged.
"""

from __future__ import annotations

import hashlib
from typing import Any

from asn1crypto import cms
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.sign.signers import SimpleSigner

#: the signed attributes a PAdES signature without timestamp has; with any other the template
#: would carry a value (a time, a policy) that differs from one signature to the next
FIXED_ATTRIBUTES = frozenset({"content_type", "message_digest", "signing_certificate_v2"})
_PLACEHOLDER_SEED = b"formsvc prepared signer placeholder digest"


def _der(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


class _Template:
    """The DER parts of a SignedData around what changes per signature."""

    def __init__(self, content_info: cms.ContentInfo, placeholder: bytes) -> None:
        self.placeholder = placeholder
        signed_data = content_info["content"]
        (info,) = signed_data["signer_infos"]
        attributes = info["signed_attrs"]
        self.usable = (
            {a["type"].native for a in attributes} == FIXED_ATTRIBUTES
            and not info["unsigned_attrs"]
            and signed_data["crls"].native is None
        )
        # signed as a SET OF (tag 0x31), embedded as [0] IMPLICIT (tag 0xa0): RFC 5652, 5.4
        attributes_der = attributes.untag().dump()
        before, found, after = attributes_der.partition(placeholder)
        self.usable = self.usable and bool(found) and placeholder not in after
        self.attributes = (before, after)
        self.signer_head = b"".join(info[k].dump() for k in ("version", "sid", "digest_algorithm"))
        self.signature_algorithm = info["signature_algorithm"].dump()
        self.data_head = b"".join(signed_data[k].dump() for k in (
            "version", "digest_algorithms", "encap_content_info", "certificates"))
        self.content_type = content_info["content_type"].dump()
        if self.usable:
            # the parts joined with pyHanko's own signature give pyHanko's own bytes
            rebuilt = self.join(placeholder, info["signature"].native)
            self.usable = rebuilt == content_info.dump()

    def signed_attributes(self, digest: bytes) -> bytes:
        return digest.join(self.attributes)

    def join(self, digest: bytes, signature: bytes) -> bytes:
        attributes = self.signed_attributes(digest)
        info = _der(0x30, b"".join((self.signer_head, b"\xa0" + attributes[1:],
                                    self.signature_algorithm, _der(0x04, signature))))
        signed_data = _der(0x30, self.data_head + _der(0x31, info))
        return _der(0x30, self.content_type + _der(0xA0, signed_data))


class PreparedSigner(SimpleSigner):
    """SimpleSigner whose plain PAdES signatures (no timestamp) are joined from prepared parts."""

    def __init__(self, signer: SimpleSigner) -> None:
        super().__init__(signing_cert=signer.signing_cert, signing_key=signer.signing_key,
                         cert_registry=signer.cert_registry,
                         signature_mechanism=signer.signature_mechanism,
                         prefer_pss=signer.prefer_pss, embed_roots=signer.embed_roots)
        self._templates: dict[str, _Template | None] = {}
        self._private_key: Any = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        # pyHanko's SimpleSigner loads the private key from DER for every signature
        if self._private_key is None:
            self._private_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        try:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        except ValueError:  # a mechanism asn1crypto names only by its algorithm
            return super().sign_raw(data, digest_algorithm)
        algorithm = getattr(hashes, digest_algorithm.upper(), None)
        if algorithm is not None and mechanism == "ecdsa" \
                and isinstance(self._private_key, ec.EllipticCurvePrivateKey):
            return self._private_key.sign(data, ec.ECDSA(algorithm()))
        if algorithm is not None and mechanism == "rsassa_pkcs1v15" \
                and isinstance(self._private_key, rsa.RSAPrivateKey):
            return self._private_key.sign(data, PKCS1v15(), algorithm())
        return super().sign_raw(data, digest_algorithm)

    async def async_sign(self, data_digest: bytes, digest_algorithm: str, dry_run: bool = False,
                         use_pades: bool = False, timestamper: Any = None,
                         signed_attr_settings: Any = None, is_pdf_sig: bool = True,
                         encap_content_info: Any = None) -> cms.ContentInfo:
        plain = (use_pades and is_pdf_sig and not dry_run and timestamper is None
                 and encap_content_info is None and not self.attribute_certs
                 and self.signed_attr_prov_spec is None and self.unsigned_attr_prov_spec is None
                 and (signed_attr_settings is None or (
                     signed_attr_settings.cades_signed_attrs is None
                     and getattr(signed_attr_settings, "adobe_revinfo_attr", None) is None)))
        template = await self._template(digest_algorithm, signed_attr_settings) if plain else None
        if template is None or len(data_digest) != len(template.placeholder):
            return await super().async_sign(
                data_digest, digest_algorithm, dry_run=dry_run, use_pades=use_pades,
                timestamper=timestamper, signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig, encap_content_info=encap_content_info)
        signature = self.sign_raw(template.signed_attributes(data_digest), digest_algorithm.lower())
        return cms.ContentInfo.load(template.join(data_digest, signature))

    async def _template(self, digest_algorithm: str, settings: Any) -> _Template | None:
        """The template for digest_algorithm, None if its signatures cannot be prepared."""
        algorithm = digest_algorithm.lower()
        if algorithm not in self._templates:
            try:
                placeholder = hashlib.new(algorithm, _PLACEHOLDER_SEED).digest()
            except (ValueError, TypeError):  # unknown to hashlib, or of no fixed length (shake)
                self._templates[algorithm] = None
                return None
            built = await super().async_sign(placeholder, algorithm, use_pades=True,
                                             signed_attr_settings=settings)
            template = _Template(built, placeholder)
            self._templates[algorithm] = template if template.usable else None
        return self._templates[algorithm]
