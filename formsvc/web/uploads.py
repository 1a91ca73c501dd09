"""Files a clerk uploaded to be checked, kept until the job is started: private, random, expiring.

Checking a sheet and starting its job are two requests (the clerk reads the report in between);
the files wait in the instance's output folder under a random name that only the clerk's session
knows. Whatever is not started within a day is swept away.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

#: how long checked files wait for their job to be started
KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


@dataclass(frozen=True)
class Upload:
    """A checked sheet, its photos if any, and the name it was uploaded under."""

    sheet: bytes
    photos: bytes | None
    source_name: str


def _root(app: Flask) -> Path:
    return Path(app.config["OUTPUT_DIR"]) / ".uploads"


def keep(app: Flask, upload: Upload) -> str:
    """Store upload; returns the token that takes it back."""
    sweep(app)
    token = secrets.token_urlsafe(16)
    folder = _root(app) / token
    staging = folder.with_name(f".{token}")
    staging.mkdir(parents=True, mode=0o700)
    (staging / "sheet.xlsx").write_bytes(upload.sheet)
    if upload.photos is not None:
        (staging / "photos.zip").write_bytes(upload.photos)
    (staging / "meta.json").write_text(json.dumps({"source_name": upload.source_name}), encoding="utf-8")
    staging.rename(folder)
    return token


def take(app: Flask, token: str | None) -> Upload | None:
    """The upload kept under token, removed from the store; None if unknown or expired."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    folder = _root(app) / token
    if not folder.is_dir() or time.time() - folder.stat().st_mtime > KEEP_SECONDS:
        discard(app, token)
        return None
    try:
        photos = folder / "photos.zip"
        upload = Upload(
            sheet=(folder / "sheet.xlsx").read_bytes(),
            photos=photos.read_bytes() if photos.is_file() else None,
            source_name=json.loads((folder / "meta.json").read_text(encoding="utf-8"))["source_name"],
        )
    except (OSError, ValueError, KeyError):
        upload = None
    discard(app, token)
    return upload


def discard(app: Flask, token: str | None) -> None:
    if token and _TOKEN.fullmatch(token):
        shutil.rmtree(_root(app) / token, ignore_errors=True)


def sweep(app: Flask) -> None:
    """Remove what has waited longer than KEEP_SECONDS."""
    root = _root(app)
    if not root.is_dir():
        return
    deadline = time.time() - KEEP_SECONDS
    for folder in root.iterdir():
        try:
            if folder.stat().st_mtime < deadline:
                shutil.rmtree(folder, ignore_errors=True)
        except FileNotFoundError:
            continue  # another worker swept it first
