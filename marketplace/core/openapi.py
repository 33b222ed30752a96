"""Building blocks of the OpenAPI 3.1 document of /api/v1.

Each package describes its own paths (its ``openapi.py``) and registers them at start-up
with :func:`register`; ``marketplace.web.openapi`` assembles the document. A test keeps it in
step with the registered routes.
"""
from __future__ import annotations

from flask import Flask


def error() -> dict:
    return {"$ref": "#/components/responses/Error"}


def ok(description: str, schema: dict | None = None) -> dict:
    body = {"description": description}
    if schema:
        body["content"] = {"application/json": {"schema": schema}}
    return body


def json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


# Ids are BIGINT: ASCII digits, 1 to 2**63 - 1 (anything else is a 404).
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


def id_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": dict(ID_SCHEMA)}


def ref(schema: str) -> dict:
    return {"$ref": f"#/components/schemas/{schema}"}


def op(summary: str, responses: dict, *, body: dict | None = None, params: list | None = None,
       public: bool = False, tag: str = "", optional_body: bool = False) -> dict:
    operation = {"summary": summary, "responses": {**responses, "4XX": error()}}
    if tag:
        operation["tags"] = [tag]
    if body:
        operation["requestBody"] = json_body(body)
        if optional_body:
            operation["requestBody"]["required"] = False
    if params:
        operation["parameters"] = params
    if public:
        operation["security"] = []
    return operation


def register(app: Flask, paths, schemas: dict | None = None) -> None:
    """Add a package's paths (a function returning them, called per request for translations)."""
    registry = app.extensions.setdefault("openapi", {"paths": [], "schemas": {}})
    registry["paths"].append(paths)
    duplicate = registry["schemas"].keys() & (schemas or {}).keys()
    if duplicate:
        raise ValueError(f"OpenAPI schemas registered twice: {sorted(duplicate)}")
    registry["schemas"].update(schemas or {})


def registered(app: Flask) -> tuple[dict, dict]:
    """Every registered path and schema. :raises ValueError: a path described twice."""
    registry = app.extensions.get("openapi", {"paths": [], "schemas": {}})
    paths: dict = {}
    for describe in registry["paths"]:
        more = describe()
        if paths.keys() & more.keys():
            raise ValueError(f"OpenAPI paths described twice: {sorted(paths.keys() & more.keys())}")
        paths.update(more)
    return paths, dict(registry["schemas"])
