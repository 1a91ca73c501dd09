"""What the check of an uploaded certificate PDF found, and how it reads.

DocumentCheck holds the three points verify_document.py establishes — the signature, the file's
integrity, the registry's record field by field — and says them in Chinese (summary, for the
page) and as JSON (for POST /api/v1/verify/document). Kept apart from the reading of the file so
that the wording can be read, and changed, without the child process and the registry around it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..dates import official_date
from ..forms.base import title_of
from ..forms.title_history import TitleRecord
from ..registry.models import STATUS_VALID
from ..registry.verifying import NOT_FOUND, Verification

VALID, INVALID, MISSING = "valid", "invalid", "missing"
SIGNATURE_TEXT = {VALID: "签名有效", INVALID: "签名无效", MISSING: "没有数字签名"}
UNMODIFIED, MODIFIED, BROKEN, UNKNOWN = "unmodified", "modified", "broken", "unknown"
INTEGRITY_TEXT = {
    UNMODIFIED: "签名后未被修改",
    MODIFIED: "签名后被追加修改",
    BROKEN: "签名所覆盖的内容已被改动",
    UNKNOWN: "无法判断（文件没有有效签名）",
}

#: labels of certificate.json's fields, as the certificate prints them
FIELD_LABELS: dict[str, str] = {
    **{name: title_of(TitleRecord, name) for name in TitleRecord.model_fields},
    "number": "证书编号",
    "id_number_masked": "证件号码（部分隐藏）",
    "level": "级别",
    "issuing_body": "发证机构",
    "issued_on": "发证日期",
    "verify_url": "查验地址（二维码）",
}


@dataclass(frozen=True)
class Change:
    """One incremental update after the signature: the objects it added or replaced."""

    revision: int
    objects: tuple[tuple[int, str, bool], ...]  # (object number, kind, new)

    def summary(self) -> str:
        parts = [f"{'新增' if new else '替换'}{kind}（对象 {number}）" for number, kind, new in self.objects]
        return f"第 {self.revision} 次修订：" + "、".join(parts)


@dataclass(frozen=True)
class FieldCheck:
    """One field of certificate.json against the registry; registry is None where it stays hidden."""

    name: str
    in_file: str | None
    in_registry: str | None
    same: bool

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.name, self.name)

    def summary(self) -> str:
        if self.same:
            return f"{self.label}：一致"
        shown = f"，登记为「{self.in_registry}」" if self.in_registry is not None else ""
        return f"{self.label}：不一致（文件中为「{self.in_file or '（缺失）'}」{shown}）"


@dataclass(frozen=True)
class DocumentCheck:
    """What an uploaded certificate PDF proves: signature, integrity, registry, point by point."""

    signature: str
    trusted: bool = False
    signer: str | None = None
    signer_issuer: str | None = None
    signing_time: dt.datetime | None = None
    timestamp: dt.datetime | None = None
    #: the PAdES baseline level reached: B-B, B-T, B-LT
    level: str | None = None
    #: revocation checked offline from the file's embedded validation data (B-LT), and against
    #: the issuer's current CRL the service holds; when the signing certificate was revoked
    revocation_offline: bool = False
    revocation_issuer_list: bool = False
    revoked_on: dt.datetime | None = None
    integrity: str = UNKNOWN
    #: the revisions after the signature that added validation data (a DSS) and nothing else
    validation_updates: tuple[int, ...] = ()
    changes: tuple[Change, ...] = ()
    record_found: bool = False
    record_problem: str | None = None
    record_changed: bool = False
    number: str | None = None
    registry: Verification | None = None
    fields: tuple[FieldCheck, ...] = field(default=())

    @property
    def registry_status(self) -> str:
        return self.registry.status if self.registry is not None else NOT_FOUND

    @property
    def data_match(self) -> bool:
        return bool(self.fields) and all(f.same for f in self.fields)

    @property
    def genuine(self) -> bool:
        """Signed by a trusted key, unchanged since, and the registry holds the same data."""
        return (self.signature == VALID and self.trusted and self.integrity == UNMODIFIED
                and not self.record_changed and self.registry is not None and self.data_match)

    @property
    def valid_now(self) -> bool:
        return self.genuine and self.registry_status == STATUS_VALID

    @property
    def verdict(self) -> str:
        if self.valid_now:
            return "真实有效"
        if self.genuine and self.registry is not None and self.registry.status != STATUS_VALID:
            return f"证书真实，但{self.registry.status_text}"
        return "无法确认真实性"

    def signature_summary(self) -> str:
        if self.signature == MISSING:
            return "签名：没有数字签名（任何人都能制作这样的文件）"
        text = f"签名：{SIGNATURE_TEXT[self.signature]}，签名者 {self.signer}"
        if self.signing_time:
            text += f"，签名时间 {self.signing_time:%Y-%m-%d %H:%M:%S} UTC"
        if self.timestamp:
            text += f"，可信时间戳 {self.timestamp:%Y-%m-%d %H:%M:%S} UTC"
        if self.level:
            text += f"，PAdES {self.level}"
        if self.revoked_on is not None:
            text += f"；签名证书已于 {self.revoked_on:%Y-%m-%d %H:%M:%S} UTC 被签发机构吊销，签名不再可信"
            return text
        text += "；证书链可信" if self.trusted else "；签名者的证书不受信任（不是本服务的签发机构签发的）"
        return text + self.revocation_summary()

    def revocation_summary(self) -> str:
        if self.signature != VALID:
            return ""
        checked = []
        if self.revocation_offline:
            checked.append("已用文件内嵌的验证数据离线核对")
        if self.revocation_issuer_list:
            checked.append("已用签发机构当前的吊销列表核对")
        if not checked:
            return "；吊销状态：未核对（文件中没有可用的验证数据，也没有签发机构的吊销列表）"
        return "；吊销状态：" + "，".join(checked) + "，未被吊销"

    def integrity_summary(self) -> str:
        text = f"完整性：{INTEGRITY_TEXT[self.integrity]}"
        if self.validation_updates and self.integrity == UNMODIFIED:
            text += "（其后仅追加了长期验证数据，属允许的更新）"
        elif self.validation_updates:
            revisions = "、".join(f"第 {r} 次" for r in self.validation_updates)
            text += f"（其中{revisions}修订仅追加长期验证数据，属允许的更新）"
        if self.changes:
            text += "：" + "；".join(c.summary() for c in self.changes)
        if self.record_changed:
            text += "；嵌入的 certificate.json 与签名时不同"
        return text

    def registry_summary(self) -> str:
        if self.record_problem:
            return f"登记信息：{self.record_problem}"
        if self.registry is None:
            return f"登记信息：未找到证书 {self.number}（编号与姓名不符，或证书不存在）"
        text = f"登记信息：证书 {self.number} {self.registry.status_text}"
        if self.registry.revoked_on:
            text += f"（{official_date(self.registry.revoked_on)}撤销，原因：{self.registry.revoke_reason}）"
        differing = [f for f in self.fields if not f.same]
        text += "；文件中的数据与登记一致" if not differing else \
            "；" + "；".join(f.summary() for f in differing)
        return text

    def summary(self) -> str:
        return "\n".join((f"结论：{self.verdict}", self.signature_summary(), self.integrity_summary(),
                          self.registry_summary()))

    def as_json(self) -> dict[str, Any]:
        registry = self.registry
        return {
            "verdict": self.verdict,
            "genuine": self.genuine,
            "valid_now": self.valid_now,
            "summary": self.summary(),
            "signature": {
                "state": self.signature,
                "state_text": SIGNATURE_TEXT[self.signature],
                "trusted": self.trusted,
                "signer": self.signer,
                "issuer": self.signer_issuer,
                "signing_time": self.signing_time.isoformat() if self.signing_time else None,
                "timestamp": self.timestamp.isoformat() if self.timestamp else None,
                "level": self.level,
                "revocation": {
                    "checked_offline": self.revocation_offline,
                    "checked_issuer_list": self.revocation_issuer_list,
                    "revoked": self.revoked_on is not None,
                    "revoked_on": self.revoked_on.isoformat() if self.revoked_on else None,
                },
            },
            "integrity": {
                "state": self.integrity,
                "state_text": INTEGRITY_TEXT[self.integrity],
                "record_changed": self.record_changed,
                "validation_updates": list(self.validation_updates),
                "changes": [{"revision": c.revision, "summary": c.summary(),
                             "objects": [{"id": n, "kind": k, "new": new} for n, k, new in c.objects]}
                            for c in self.changes],
            },
            "registry": {
                "number": self.number,
                "found": registry is not None,
                "status": self.registry_status,
                "status_text": registry.status_text if registry is not None else "未找到",
                "revoked_on": registry.revoked_on.isoformat() if registry and registry.revoked_on else None,
                "revoke_reason": registry.revoke_reason if registry is not None else None,
                "problem": self.record_problem,
                "data_match": self.data_match,
                "fields": [{"name": f.name, "label": f.label, "in_file": f.in_file,
                            "in_registry": f.in_registry, "same": f.same} for f in self.fields],
            },
        }
