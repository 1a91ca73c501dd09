"""Fixtures of the registry tests: an app on a migrated SQLite or PostgreSQL database, records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from formsvc import db
from formsvc.registry import tokens
from formsvc.registry.records import RegistrySettings

from ..helpers import SEAL, make_app, record_data


@pytest.fixture
def registry_app(tmp_path: Path, font_dir: Path, monkeypatch: pytest.MonkeyPatch,
                 database_url: str) -> Iterator[Flask]:
    """The app on a migrated database of its own: SQLite, then PostgreSQL."""
    app = make_app(tmp_path, font_dir, monkeypatch, DATABASE_URL=database_url, SEAL_IMAGE=str(SEAL))
    yield app
    db.dispose(app)


@pytest.fixture
def session(registry_app: Flask) -> Iterator[Session]:
    with registry_app.app_context():
        yield db.session()


@pytest.fixture
def settings(registry_app: Flask) -> RegistrySettings:
    return RegistrySettings.from_config(registry_app.config)


@pytest.fixture
def client(registry_app: Flask) -> FlaskClient:
    return registry_app.test_client()


@pytest.fixture
def token(registry_app: Flask) -> str:
    with registry_app.app_context():
        return tokens.create(db.session(), "人社局职改办")


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def issued(client: FlaskClient, auth: dict[str, str]) -> dict[str, Any]:
    """The sample record issued through the API: the JSON of its certificate."""
    response = client.post("/api/v1/certificates", json=record_data(), headers=auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()

