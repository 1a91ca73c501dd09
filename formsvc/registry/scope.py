"""Whose certificates a caller may see and act on: one issuer's, or the whole registry's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, true

from .models import Certificate

Query = TypeVar("Query", bound=Select)  # type: ignore[type-arg]


@dataclass(frozen=True)
class Scope:
    """The certificates a caller reads, prints, revokes and re-issues.

    A token and an office operator act for one issuer (issuer_id); an office admin and the
    command line act for the whole registry (issuer_id None). Certificates issued in a scope
    belong to its issuer. Outside its scope a certificate is as unknown as a missing one.
    """

    issuer_id: int | None

    @property
    def whole_registry(self) -> bool:
        return self.issuer_id is None

    def owns(self, issuer_id: int | None) -> bool:
        """Whether a certificate (or job) of issuer_id is in this scope."""
        return self.whole_registry or issuer_id == self.issuer_id

    def condition(self) -> ColumnElement[bool]:
        """The WHERE clause that keeps a statement on certificates inside this scope."""
        return true() if self.whole_registry else Certificate.issuer_id == self.issuer_id

    def certificates(self, query: Query) -> Query:
        """query (on certificates) limited to this scope."""
        return query if self.whole_registry else query.where(self.condition())

    def summary(self) -> str:
        return "全部证书" if self.whole_registry else f"签发单位 {self.issuer_id} 的证书"


#: the scope of the command line and of office admins
WHOLE_REGISTRY = Scope(None)
