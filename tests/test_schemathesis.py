"""The API against its own OpenAPI document (issue 13): schemathesis generates requests for every
operation, with and without a token; no answer is a 5xx, and every answer matches the document.

Bounded by example counts, not time (MAX_EXAMPLES per operation, derandomized so that every run
sends the same requests).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from formsvc import db
from formsvc.registry import tokens

from . import services
from .helpers import make_app

#: examples per operation and per way of calling it
MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory, font_dir: Path,
               sqlite_template: Path) -> Iterator[Flask]:
    folder = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as monkeypatch:
        # generated requests come one after another from one client: no slot is ever busy
        app = make_app(folder, font_dir, monkeypatch, HEAVY_PER_CLIENT=4,
                       DATABASE_URL=services.copied_sqlite(sqlite_template, folder / "database"))
    with app.app_context():
        app.config["FUZZ_TOKEN"] = tokens.create(db.session(), "模糊测试")
    yield app
    db.dispose(app)


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app)


def fuzz(schema: schemathesis.BaseSchema, headers: dict[str, str]) -> None:
    """Every operation, MAX_EXAMPLES generated requests each (always the same ones); every
    failure of every operation is reported together."""
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20  # the document was read whole
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def answers_as_documented(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            answers_as_documented()
        except Exception as error:
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)


def test_every_operation_answers_anonymous_callers_as_documented(api_schema):
    fuzz(api_schema, {})


def test_every_operation_answers_a_token_as_documented(api_schema, fuzzed_app):
    fuzz(api_schema, {"Authorization": f"Bearer {fuzzed_app.config['FUZZ_TOKEN']}"})
