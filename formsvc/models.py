"""Every table of the registry, imported here so that migrations and init-db see them all."""

from __future__ import annotations

from . import users
from .db import Base
from .jobs import models as job_models
from .registry import batches
from .registry import models as registry_models

__all__ = ["Base", "batches", "job_models", "registry_models", "users"]
