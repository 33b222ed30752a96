"""The OpenAPI 3.1 document of /api/v1, assembled from what each package registered."""
from __future__ import annotations

from flask import current_app, url_for

from marketplace.core.openapi import registered


def build_document() -> dict:
    paths, schemas = registered(current_app)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Zorgmarkt API",
            "version": "1",
            "description": "Everything the pages do, as JSON. Authenticate with a session "
                           "(POST /auth/login, then send the X-CSRFToken header on writes) or with "
                           "a personal access token (Authorization: Bearer zm_...).",
        },
        "servers": [{"url": url_for("api.me", _external=False).rsplit("/me", 1)[0]}],
        "security": [{"session": []}, {"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
            "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"error": {"type": "object", "required": ["code", "message"],
                                                           "properties": {"code": {"type": "string"},
                                                                          "message": {"type": "string"},
                                                                          "fields": {"type": "object"}}}}}}}}},
            "schemas": schemas,
        },
    }
