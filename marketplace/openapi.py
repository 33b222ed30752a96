"""The OpenAPI 3.1 document of /api/v1. A test keeps it in step with the registered routes."""
from __future__ import annotations

from flask import url_for


def _error() -> dict:
    return {"$ref": "#/components/responses/Error"}


def _ok(description: str, schema: dict | None = None) -> dict:
    body = {"description": description}
    if schema:
        body["content"] = {"application/json": {"schema": schema}}
    return body


def _json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _id_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _op(summary: str, responses: dict, *, body: dict | None = None, params: list | None = None,
        public: bool = False, tag: str = "") -> dict:
    operation = {"summary": summary, "responses": {**responses, "4XX": _error()}}
    if tag:
        operation["tags"] = [tag]
    if body:
        operation["requestBody"] = _json_body(body)
    if params:
        operation["parameters"] = params
    if public:
        operation["security"] = []
    return operation


REF = {name: {"$ref": f"#/components/schemas/{name}"} for name in ("User", "Client", "Team", "Token", "AuditEvent")}


def build_document() -> dict:
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
        "paths": {
            "/auth/login": {"post": _op(
                "Log in and start a session", {"200": _ok("Logged in", {"type": "object", "properties": {
                    "user": REF["User"], "csrf_token": {"type": "string"}}})},
                body={"type": "object", "required": ["email", "password"], "additionalProperties": False,
                      "properties": {"email": {"type": "string", "maxLength": 254},
                                     "password": {"type": "string", "maxLength": 200}}},
                public=True, tag="auth")},
            "/auth/logout": {"post": _op("Log out (ends every session of this user)",
                                         {"200": _ok("Logged out")}, tag="auth")},
            "/me": {"get": _op("The current user, with roles and a CSRF token", {"200": _ok("The user", {
                "type": "object", "properties": {"user": REF["User"], "csrf_token": {"type": "string"}}})},
                tag="auth")},
            "/tokens": {
                "get": _op("My personal access tokens", {"200": _ok("Tokens", {"type": "object", "properties": {
                    "tokens": {"type": "array", "items": REF["Token"]}}})}, tag="auth"),
                "post": _op("Create a personal access token (the secret is shown once)",
                            {"201": _ok("Created", {"type": "object", "properties": {
                                "token": REF["Token"], "secret": {"type": "string"}}})},
                            body={"type": "object", "required": ["name"], "additionalProperties": False,
                                  "properties": {"name": {"type": "string", "maxLength": 100}}}, tag="auth"),
            },
            "/tokens/{token_id}": {"delete": _op("Revoke one of my tokens", {"200": _ok("Revoked", {
                "type": "object", "properties": {"token": REF["Token"]}})}, params=[_id_param("token_id")],
                tag="auth")},
            "/clients": {"get": _op("The residents I may see", {"200": _ok("Residents", {
                "type": "object", "properties": {"clients": {"type": "array", "items": REF["Client"]}}})},
                tag="clients")},
            "/clients/{client_id}": {"get": _op("One resident", {"200": _ok("The resident", {
                "type": "object", "properties": {"client": REF["Client"]}})}, params=[_id_param("client_id")],
                tag="clients")},
            "/clients/{client_id}/invitations": {"post": _op(
                "Invite a family contact (one-time link, valid 7 days)",
                {"201": _ok("Invited", {"type": "object"})}, params=[_id_param("client_id")],
                body={"type": "object", "required": ["email", "name"], "additionalProperties": False,
                      "properties": {"email": {"type": "string", "format": "email"},
                                     "name": {"type": "string", "maxLength": 200},
                                     "relation": {"type": "string", "maxLength": 100},
                                     "can_view": {"type": "boolean"}, "can_decide": {"type": "boolean"},
                                     "can_pay": {"type": "boolean"}}}, tag="clients")},
            "/teams": {"get": _op("The teams of my organisation, with counts", {"200": _ok("Teams", {
                "type": "object", "properties": {"teams": {"type": "array", "items": REF["Team"]}}})},
                tag="teams")},
            "/audit": {"get": _op("The audit log (administrators; reading it is logged)", {"200": _ok("Events", {
                "type": "object", "properties": {"events": {"type": "array", "items": REF["AuditEvent"]},
                                                 "has_next": {"type": "boolean"}}})},
                params=[{"name": "action", "in": "query", "schema": {"type": "string"}},
                        {"name": "user", "in": "query", "schema": {"type": "integer"}},
                        {"name": "client", "in": "query", "schema": {"type": "integer"}},
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}],
                tag="admin")},
            "/openapi.json": {"get": _op("This document", {"200": _ok("OpenAPI 3.1")}, public=True, tag="meta")},
        },
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
            "schemas": {
                "User": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
                    "roles": {"type": "array", "items": {"type": "string"}},
                    "organisation": {"type": "object"}, "locale": {"type": ["string", "null"]}}},
                "Client": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"},
                    "care_profile": {"type": ["string", "null"]},
                    "target_group": {"enum": ["somatic", "pg", "structured_living"]},
                    "room": {"type": "string"}, "location": {"type": "object"},
                    "team": {"type": ["object", "null"]}}},
                "Team": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "capacity": {"type": "integer"},
                    "target_groups": {"type": "array", "items": {"type": "string"}},
                    "locations": {"type": "array"}, "residents": {"type": "integer"},
                    "members": {"type": "integer"}, "open_places": {"type": "integer"}}},
                "Token": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "prefix": {"type": "string"},
                    "created_at": {"type": "string"}, "revoked_at": {"type": ["string", "null"]}}},
                "AuditEvent": {"type": "object"},
            },
        },
    }
