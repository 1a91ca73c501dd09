"""The OpenAPI document: valid OpenAPI 3.1, every route and every form in it."""

from __future__ import annotations

from openapi_spec_validator import validate


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
