"""OpenAPI paths of the API for the audit log and this document; assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.audit import MAX_PAGE
from marketplace.core.openapi import ID_SCHEMA, ok, op, ref

SCHEMAS = {
    "AuditEvent": {"type": "object"},
}


def paths() -> dict:
    return {
        "/audit": {"get": op("The audit log (administrators; reading it is logged)", {"200": ok("Events", {
            "type": "object", "properties": {"events": {"type": "array", "items": ref("AuditEvent")},
                                             "has_next": {"type": "boolean"}}})},
            params=[{"name": "action", "in": "query", "schema": {"type": "string"}},
                    {"name": "user", "in": "query", "schema": dict(ID_SCHEMA)},
                    {"name": "client", "in": "query", "schema": dict(ID_SCHEMA)},
                    {"name": "name", "in": "query", "schema": {"type": "string", "maxLength": 100},
                     "description": "part of the acting user's name or e-mail address"},
                    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}}],
            tag="admin")},
        "/openapi.json": {"get": op("This document", {"200": ok("OpenAPI 3.1")}, public=True, tag="meta")},
    }
