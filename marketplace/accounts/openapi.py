"""OpenAPI paths of the API for logging in and out, the current user, tokens; assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op, ref

SCHEMAS = {
    "Notification": {"type": "object", "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string"}, "text": {"type": "string"},
        "link": {"type": ["string", "null"]}, "created_at": {"type": "string"},
        "read_at": {"type": ["string", "null"]}}},
    "Settings": {"type": "object", "properties": {
        "email_notifications": {"type": "boolean"}, "api_access": {"type": "boolean"}}},
    "Token": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "prefix": {"type": "string"},
        "created_at": {"type": "string"}, "revoked_at": {"type": ["string", "null"]}}},
    "User": {"type": "object", "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "string"}},
        "organisation": {"type": "object"}, "locale": {"type": ["string", "null"]}}},
}


def paths() -> dict:
    return {
        "/auth/login": {"post": op(
            "Log in and start a session", {"200": ok("Logged in", {"type": "object", "properties": {
                "user": ref("User"), "csrf_token": {"type": "string"}}})},
            body={"type": "object", "required": ["email", "password"], "additionalProperties": False,
                  "properties": {"email": {"type": "string", "maxLength": 254},
                                 "password": {"type": "string", "maxLength": 200}}},
            public=True, tag="auth")},
        "/auth/second-factor": {"post": op(
            "The second step of a login that answered second_factor_required: a TOTP or recovery code",
            {"200": ok("Logged in", {"type": "object", "properties": {
                "user": ref("User"), "csrf_token": {"type": "string"}}})},
            body={"type": "object", "required": ["code"], "additionalProperties": False,
                  "properties": {"code": {"type": "string", "maxLength": 40}}},
            public=True, tag="auth")},
        "/auth/logout": {"post": op("Log out (ends every session of this user)",
                                     {"200": ok("Logged out")}, tag="auth")},
        "/me": {"get": op("The current user, with roles and a CSRF token", {"200": ok("The user", {
            "type": "object", "properties": {"user": ref("User"), "csrf_token": {"type": "string"}}})},
            tag="auth")},
        "/tokens": {
            "get": op("My personal access tokens", {"200": ok("Tokens", {"type": "object", "properties": {
                "tokens": {"type": "array", "items": ref("Token")}}})}, tag="auth"),
            "post": op("Create a personal access token (the secret is shown once)",
        {"201": ok("Created", {"type": "object", "properties": {
                            "token": ref("Token"), "secret": {"type": "string"}}})},
        body={"type": "object", "required": ["name"], "additionalProperties": False,
                              "properties": {"name": {"type": "string", "maxLength": 100}}}, tag="auth"),
        },
        "/notifications": {"get": op(
            "My notifications, newest first (30 per page), with the unread count",
            {"200": ok("Notifications", {"type": "object", "properties": {
                "notifications": {"type": "array", "items": ref("Notification")}, "unread": {"type": "integer"},
                "page": {"type": "integer"}, "has_next": {"type": "boolean"}}})},
            params=[{"name": "page", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 10000}}], tag="notifications")},
        "/notifications/{notification_id}/read": {"post": op(
            "Mark one of my notifications read", {"200": ok("Marked", {"type": "object", "properties": {
                "notification": ref("Notification")}})}, params=[id_param("notification_id")],
            tag="notifications")},
        "/notifications/read-all": {"post": op(
            "Mark all my notifications read", {"200": ok("Marked", {"type": "object", "properties": {
                "marked": {"type": "integer"}}})}, tag="notifications")},
        "/settings": {
            "get": op("My settings", {"200": ok("Settings", {"type": "object", "properties": {
                "settings": ref("Settings")}})}, tag="notifications"),
            "patch": op("Change my settings (api_access: family contacts only)",
                        {"200": ok("Settings", {"type": "object", "properties": {"settings": ref("Settings")}})},
                        body={"type": "object", "additionalProperties": False, "properties": {
                            "email_notifications": {"type": "boolean"}, "api_access": {"type": "boolean"}}},
                        tag="notifications"),
        },
        "/tokens/{token_id}": {"delete": op("Revoke one of my tokens", {"200": ok("Revoked", {
            "type": "object", "properties": {"token": ref("Token")}})}, params=[id_param("token_id")],
            tag="auth")},
    }
