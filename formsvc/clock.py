"""Times as people read them: stored in UTC, shown in one zone (TIME_ZONE, Asia/Shanghai unless
set) on the office pages and in the command line alike; dates as the forms and certificates bear
them, which are Beijing dates wherever the server runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from .errors import SetupError

#: the zone of every official date: the notices, the units and the issuing offices are in China, so
#: "today" (no date later than today, this year, the date a certificate bears) is Beijing's day even on
#: a server kept in UTC, where from 00:00 to 08:00 Beijing time dt.date.today() is still yesterday;
#: TIME_ZONE only says how stored times are shown
CHINA = ZoneInfo("Asia/Shanghai")


def china_today() -> dt.date:
    """Today's date in Beijing."""
    return dt.datetime.now(CHINA).date()


def as_utc(value: dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware UTC time (SQLite hands them back without their zone)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def china_date(moment: dt.datetime) -> dt.date:
    """The Beijing date of a stored time."""
    return as_utc(moment).astimezone(CHINA).date()


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
    return as_utc(moment).astimezone(zone(config))


def shown(moment: dt.datetime | None, config: Mapping[str, Any] | None = None) -> str:
    """A stored time as pages and commands show it: local, to the minute ("" for none)."""
    return local(moment, config).strftime("%Y-%m-%d %H:%M") if moment else ""
