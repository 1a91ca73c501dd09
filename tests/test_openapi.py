"""The OpenAPI document: valid OpenAPI 3.1, every route and every form in it."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from formsvc.forms import FORMS

from .helpers import sample


def test_openapi_document_is_valid_and_complete(app, client):
    from formsvc.forms import FORMS

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    for form_id, spec in FORMS.items():
        render = document["paths"][f"/api/v1/forms/{form_id}/render"]["post"]
        assert render["parameters"][0]["schema"]["enum"] == list(spec.formats)
        schema_ref = render["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert schema_ref.rsplit("/", 1)[1] in document["components"]["schemas"]
        assert "422" in render["responses"]
    from formsvc.web.openapi import _rule_path

    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint.startswith("openapi."):
            continue
        if "<form_id>" in rule.rule:
            for form_id in FORMS:
                path = _rule_path(rule.rule.replace("<form_id>", form_id))
                if not rule.rule.endswith(("/import", "/applications")):
                    assert path in document["paths"], path
        else:
            assert _rule_path(rule.rule) in document["paths"], rule.rule


def test_examples_are_the_samples(client):
    document = client.get("/api/v1/openapi.json").get_json()
    body = document["paths"]["/api/v1/forms/pledge/render"]["post"]["requestBody"]
    assert body["content"]["application/json"]["example"] == client.get(
        "/api/v1/forms/pledge/sample").get_json()


# --- the published schemas are as strict as validation (issue 13 item 19) ---------------------


def _fields(schema: dict, defs: dict, path: tuple = ()):
    """Every leaf field of a JSON Schema with its path, $refs and anyOf followed."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    for alternative in schema.get("anyOf", []):
        yield from _fields(alternative, defs, path)
    kind = schema.get("type")
    if kind == "object":
        for name, item in schema.get("properties", {}).items():
            yield from _fields(item, defs, (*path, name))
    elif kind == "array":
        yield path, schema
        yield from _fields(schema.get("items", {}), defs, (*path, "*"))
    elif kind is not None:
        yield path, schema


@pytest.mark.parametrize("form_id", list(FORMS))
def test_every_field_of_the_published_schema_is_bounded(client, form_id):
    schema = client.get(f"/api/v1/forms/{form_id}/schema").get_json()
    loose = []
    for path, field in _fields(schema, schema.get("$defs", {})):
        bound = {
            "string": ("maxLength", "enum", "pattern", "format"),
            "integer": ("maximum",),
            "array": ("maxItems",),
        }.get(field["type"], ("type",))
        if not any(key in field for key in bound):
            loose.append((path, field))
    assert not loose


#: name, whether the published schema admits it, whether validation does: the schema may be
#: stricter (validation strips the spaces a clerk types around a name) but never looser
NAME_CASES = [("李䶮", True, True), ("阿卜杜·热合曼", True, True), ("O'Brien", True, True),
              ("", False, False), ("张3", False, False), ("<b>李</b>", False, False),
              ("=SUM(A1)", False, False), ("·张", False, False), (" 张", False, True)]


@pytest.mark.parametrize(("name", "published", "valid"), NAME_CASES,
                         ids=[n or "empty" for n, _p, _v in NAME_CASES])
def test_the_schema_of_a_name_refuses_what_validation_refuses(client, name, published, valid):
    schema = client.get("/api/v1/forms/title-history/schema").get_json()
    field = schema["$defs"]["TitleRecord"]["properties"]["name"]
    assert field["minLength"] == 1
    assert (len(name) >= field["minLength"] and re.match(field["pattern"], name) is not None) == published
    record = {**sample("title-history")["rows"][0], "name": name}
    errors = client.post("/api/v1/forms/title-history/validate",
                         json={"rows": [record]}).get_json()["errors"]
    assert any(e["loc"][-1] == "name" for e in errors) == (not valid)


def test_the_schema_of_an_identity_number_states_its_characters_and_length(client):
    schema = client.get("/api/v1/forms/title-history/schema").get_json()
    field = schema["$defs"]["TitleRecord"]["properties"]["id_number"]
    assert (field["minLength"], field["maxLength"]) == (4, 30)
    assert field["pattern"] == "^[0-9A-Za-z()（）\\-]{4,30}$"
