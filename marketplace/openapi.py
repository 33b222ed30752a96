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
        public: bool = False, tag: str = "", optional_body: bool = False) -> dict:
    operation = {"summary": summary, "responses": {**responses, "4XX": _error()}}
    if tag:
        operation["tags"] = [tag]
    if body:
        operation["requestBody"] = _json_body(body)
        if optional_body:
            operation["requestBody"]["required"] = False
    if params:
        operation["parameters"] = params
    if public:
        operation["security"] = []
    return operation


LINES = {"type": "array", "maxItems": 200, "items": {
    "type": "object", "required": ["service", "per_week"], "additionalProperties": False,
    "properties": {"service": {"type": "string"}, "per_week": {"type": "integer", "minimum": 0, "maximum": 99}}}}
LINES_BODY = {"type": "object", "required": ["lines"], "additionalProperties": False, "properties": {
    "lines": LINES, "use_savings": {"type": "boolean"}, "reason": {"type": "string", "maxLength": 500}}}
METER = {"type": "object", "properties": {
    **{name: {"type": "integer"} for name in ("budget_cents", "health_cents", "core_cents", "total_cents",
                                              "copay_cents", "from_savings_cents", "to_savings_cents",
                                              "org_shortfall_cents", "savings_balance_cents")},
    "load_pct": {"type": "number"}, "colour": {"enum": ["green", "orange", "red"]},
    "reindication_needed": {"type": "boolean"}, "use_savings": {"type": "boolean"}}}
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
            "/catalogue": {"get": _op("The catalogue with today's cost prices", {"200": _ok("Services", {
                "type": "object", "properties": {"services": {"type": "array", "items": {"type": "object"}}}})},
                tag="packages")},
            "/clients/{client_id}/budget": {"get": _op(
                "Weekly budget, savings, active package with its meter, next review", {"200": _ok("Budget")},
                params=[_id_param("client_id")], tag="packages")},
            "/clients/{client_id}/package/draft": {
                "get": _op("The working version of the package (draft, submitted or active)",
                           {"200": _ok("Draft")}, params=[_id_param("client_id")], tag="packages"),
                "put": _op("Save the lines as a new version: a draft for the care team, a proposal for family "
                           "with decide and the client supporter", {"200": _ok("Saved")},
                           params=[_id_param("client_id")], body=LINES_BODY, tag="packages"),
            },
            "/clients/{client_id}/package/draft/submit": {"post": _op(
                "Submit the draft for the nurse's sign-off", {"200": _ok("Submitted")},
                params=[_id_param("client_id")], tag="packages")},
            "/clients/{client_id}/package/versions": {"get": _op(
                "Every version with who, when and why", {"200": _ok("Versions")}, params=[_id_param("client_id")],
                tag="packages")},
            "/clients/{client_id}/package/versions/{number}/sign": {"post": _op(
                "The nurse signs a submitted version off (refused while a health risk is not covered)",
                {"200": _ok("Active")}, params=[_id_param("client_id"), _id_param("number")],
                body={"type": "object", "properties": {"active_from": {"type": "string", "format": "date"}}},
                optional_body=True, tag="packages")},
            "/clients/{client_id}/reviews": {"post": _op(
                "Record a review (confirmed or changed)", {"201": _ok("Recorded")}, params=[_id_param("client_id")],
                body={"type": "object", "required": ["outcome"], "additionalProperties": False, "properties": {
                    "outcome": {"enum": ["confirmed", "changed"]}, "note": {"type": "string", "maxLength": 2000}}},
                tag="packages")},
            "/meter": {"post": _op(
                "The budget meter for a set of lines (nothing is saved)", {"200": _ok("Meter", METER)},
                body={"type": "object", "required": ["client_id", "lines"], "additionalProperties": False,
                      "properties": {"client_id": {"type": "integer"}, "lines": LINES,
                                     "use_savings": {"type": "boolean"}}}, tag="packages")},
            "/teams/{team_id}/reviews": {"get": _op(
                "The team's worklist: reviews due or overdue, residents whose package misses required care",
                {"200": _ok("Worklist")}, params=[_id_param("team_id")], tag="teams")},
            "/clients/{client_id}/health": {"get": _op(
                "The health profile (care relationship only; every read is logged)", {"200": _ok("Profile")},
                params=[_id_param("client_id")], tag="health")},
            "/clients/{client_id}/health/risks": {"post": _op(
                "Record or change a risk (nurse of the resident's team); required care is added to the draft",
                {"201": _ok("Risk")}, params=[_id_param("client_id")],
                body={"type": "object", "required": ["omaha", "modifier"], "additionalProperties": False,
                      "properties": {"omaha": {"type": "string"},
                                     "modifier": {"enum": ["health_promotion", "potential", "actual"]},
                                     "scope": {"enum": ["individual", "family"]},
                                     "note": {"type": "string", "maxLength": 2000},
                                     **{k: {"type": "integer", "minimum": 1, "maximum": 5}
                                        for k in ("knowledge", "behaviour", "status")}}}, tag="health")},
            "/clients/{client_id}/health/risks/{risk_id}": {"delete": _op(
                "Close a risk", {"200": _ok("Closed")}, params=[_id_param("client_id"), _id_param("risk_id")],
                tag="health")},
            "/clients/{client_id}/health/risks/{risk_id}/ratings": {"post": _op(
                "Add a knowledge-behaviour-status rating", {"201": _ok("Rating")},
                params=[_id_param("client_id"), _id_param("risk_id")],
                body={"type": "object", "required": ["knowledge", "behaviour", "status"],
                      "properties": {k: {"type": "integer", "minimum": 1, "maximum": 5}
                                     for k in ("knowledge", "behaviour", "status")}}, tag="health")},
            "/clients/{client_id}/health/risks/{risk_id}/prescriptions": {"post": _op(
                "A higher minimum than the rule's, with a reason", {"201": _ok("Prescription")},
                params=[_id_param("client_id"), _id_param("risk_id")],
                body={"type": "object", "required": ["service", "min_per_week", "reason"],
                      "properties": {"service": {"type": "string"},
                                     "min_per_week": {"type": "integer", "maximum": 99},
                                     "reason": {"type": "string", "maxLength": 500}}}, tag="health")},
            "/clients/{client_id}/health/observations": {"post": _op(
                "Add an observation point for the team", {"201": _ok("Observation point")},
                params=[_id_param("client_id")],
                body={"type": "object", "required": ["text"], "properties": {"text": {"type": "string",
                                                                                     "maxLength": 500}}},
                tag="health")},
            "/clients/{client_id}/access-log": {"get": _op(
                "Who looked at the health record and when (resident and representative)", {"200": _ok("Events")},
                params=[_id_param("client_id")], tag="health")},
            "/reindications": {"get": _op(
                "Residents whose health care costs more than their budget", {"200": _ok("Re-indications")},
                tag="health")},
            "/clients/{client_id}/invoices": {"get": _op(
                "Co-payment invoices with their weeks", {"200": _ok("Invoices")}, params=[_id_param("client_id")],
                tag="money")},
            "/invoices/{invoice_id}/pay": {"post": _op(
                "Start paying an invoice: returns the checkout URL; it is paid when the provider's signed event "
                "arrives", {"201": _ok("Checkout")}, params=[_id_param("invoice_id")], tag="money")},
            "/clients/{client_id}/statements/{month}": {"get": _op(
                "A resident's month from the ledger", {"200": _ok("Statement")},
                params=[_id_param("client_id"), {"name": "month", "in": "path", "required": True,
                                                 "schema": {"type": "string", "pattern": "^\\d{4}-\\d{2}$"}}],
                tag="money")},
            "/admin/settlements": {"post": _op(
                "Settle a week (idempotent)", {"200": _ok("Run")},
                body={"type": "object", "required": ["week"], "properties": {
                    "week": {"type": "string", "pattern": "^\\d{4}-W\\d{2}$"}}}, tag="money")},
            "/admin/invoices": {"post": _op(
                "Make a month's co-payment invoices (idempotent)", {"201": _ok("Invoices")},
                body={"type": "object", "required": ["month"], "properties": {"month": {"type": "string"}}},
                tag="money")},
            "/admin/ledger/verify": {"get": _op("Check the ledger's invariants", {"200": _ok("Breaches")},
                                               tag="money")},
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
