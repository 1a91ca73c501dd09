"""Times as people read them: stored in UTC, shown in one zone (TIME_ZONE, Asia/Shanghai unless
set) on the office pages and in the command line alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from .errors import SetupError


def zone(config: Mapping[str, Any] | None = None) -> ZoneInfo:
    """The zone of TIME_ZONE (the current app's, unless config is given); SetupError naming the
    setting when it is not a zone's name."""
    name = (config if config is not None else current_app.config)["TIME_ZONE"]
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SetupError(f"FORMSVC_TIME_ZONE「{name}」不是时区名称（例如 Asia/Shanghai、UTC）") from None


def local(moment: dt.datetime, config: Mapping[str, Any] | None = None) -> dt.datetime:
    """A stored time in the zone people read times in."""
    # SQLite hands stored times back without their zone: they are UTC
    aware = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
    return aware.astimezone(zone(config))


def shown(moment: dt.datetime | None, config: Mapping[str, Any] | None = None) -> str:
    """A stored time as pages and commands show it: local, to the minute ("" for none)."""
    return local(moment, config).strftime("%Y-%m-%d %H:%M") if moment else ""
