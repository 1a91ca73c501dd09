"""Fixtures of the signing tests: an app with its trial key on a migrated SQLite registry, a token,
an issued certificate, its signed PDF, and pyHanko's own validator as a second opinion."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from formsvc import db
from formsvc.registry import tokens
from formsvc.signing import signing_key
from formsvc.signing.inspect import covers_file
from formsvc.signing.sign import outside_event_loop

from ..helpers import SEAL, make_app, record_data


@pytest.fixture
def signing_app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch,
                sqlite_url: str) -> Iterator[Flask]:
    app = make_app(tmp_path, font_dir, monkeypatch, SEAL_IMAGE=str(SEAL), DATABASE_URL=sqlite_url)
    yield app
    db.dispose(app)


@pytest.fixture
def app(signing_app: Flask) -> Flask:
    """What the shared fixtures (client, runner) drive here: the app with its key and seal."""
    return signing_app


@pytest.fixture
def auth(signing_app: Flask) -> dict[str, str]:
    with signing_app.app_context():
        return {"Authorization": f"Bearer {tokens.create(db.session(), '人社局职改办')}"}


def issue(client: FlaskClient, auth: dict[str, str], serial: int = 1, **changes: Any) -> dict[str, Any]:
    response = client.post("/api/v1/certificates", json=record_data(serial, **changes), headers=auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def issued(client: FlaskClient, auth: dict[str, str]) -> dict[str, Any]:
    return issue(client, auth)


@pytest.fixture
def signed(client: FlaskClient, auth: dict[str, str], issued: dict[str, Any]) -> bytes:
    """The signed PDF of the issued certificate, as the API hands it out."""
    response = client.get(issued["links"]["pdf"], headers=auth)
    assert response.status_code == 200
    return response.data


def trust_of(app: Flask) -> ValidationContext:
    return ValidationContext(trust_roots=list(signing_key(app).trust_anchors))


def pyhanko_status(pdf: bytes, context: ValidationContext) -> PdfSignatureStatus:
    """pyHanko's own judgement of the (only) signature: the independent second opinion."""
    reader = PdfFileReader(io.BytesIO(pdf))
    signatures = reader.embedded_signatures
    assert len(signatures) == 1, f"{len(signatures)} signatures"
    # outside any running event loop: a browser test before this one in the same process leaves
    # Playwright's loop running, and pyHanko's synchronous API calls asyncio.run
    return outside_event_loop(lambda: validate_pdf_signature(signatures[0], context))


def covers(status: PdfSignatureStatus) -> bool:
    """The signature speaks for the whole file (the service's own rule, on pyHanko's status): it
    covers every byte, or only validation data (B-LT) follow it."""
    return covers_file(status.coverage.name, status.modification_level.name)
