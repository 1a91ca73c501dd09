"""Every table of the registry, imported here so that migrations and init-db see them all."""

from __future__ import annotations

from .db import Base

__all__ = ["Base"]
