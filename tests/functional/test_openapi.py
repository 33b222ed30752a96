"""The OpenAPI document describes every /api/v1 endpoint, and nothing that does not exist."""
import re


def _documented(doc) -> set[tuple[str, str]]:
    return {(method.upper(), "/api/v1" + path) for path, item in doc["paths"].items() for method in item}


def _registered(app) -> set[tuple[str, str]]:
    result = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            result |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return result


def test_every_api_endpoint_is_documented_and_nothing_else(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    documented, registered = _documented(doc), _registered(app)
    assert registered - documented == set(), "undocumented endpoints"
    assert documented - registered == set(), "documented endpoints that do not exist"


def test_every_operation_has_a_summary_and_responses(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            assert operation["summary"], (method, path)
            assert operation["responses"], (method, path)
            for name in re.findall(r"{([a-z_]+)}", path):
                assert any(p["name"] == name and p["in"] == "path" for p in operation.get("parameters", [])), \
                    f"{method} {path} does not describe {name}"
