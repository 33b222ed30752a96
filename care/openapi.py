"""OpenAPI paths of the API for clients, invitations, the catalogue, budgets, packages, the meter, reviews and health; assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op, ref

LINES = {"type": "array", "maxItems": 200, "items": {
    "type": "object", "required": ["service", "per_week"], "additionalProperties": False,
    "properties": {"service": {"type": "string"}, "per_week": {"type": "integer", "minimum": 0, "maximum": 99}}}}
LINES_BODY = {"type": "object", "required": ["lines"], "additionalProperties": False, "properties": {
    "lines": LINES, "use_savings": {"type": "boolean"}, "reason": {"type": "string", "maxLength": 500}}}
TAKE_OVER_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "lines": LINES, "use_savings": {"type": "boolean"}, "reason": {"type": "string", "maxLength": 500}}}
METER = {"type": "object", "properties": {
    **{name: {"type": "integer"} for name in ("budget_cents", "health_cents", "core_cents", "total_cents",
                                              "copay_cents", "from_savings_cents", "to_savings_cents",
                                              "org_shortfall_cents", "savings_balance_cents")},
    "load_pct": {"type": "number"}, "colour": {"enum": ["green", "orange", "red"]},
    "reindication_needed": {"type": "boolean"}, "use_savings": {"type": "boolean"}}}

SCHEMAS = {
    "Client": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"},
        "care_profile": {"type": ["string", "null"]},
        "target_group": {"enum": ["somatic", "pg", "structured_living"]},
        "room": {"type": "string"}, "location": {"type": "object"},
        "team": {"type": ["object", "null"]}}},
}


def paths() -> dict:
    return {
        "/clients": {"get": op("The residents I may see", {"200": ok("Residents", {
            "type": "object", "properties": {"clients": {"type": "array", "items": ref("Client")}}})},
            tag="clients")},
        "/clients/{client_id}": {"get": op("One resident", {"200": ok("The resident", {
            "type": "object", "properties": {"client": ref("Client")}})}, params=[id_param("client_id")],
            tag="clients")},
        "/clients/{client_id}/invitations": {"post": op(
            "Invite a family contact (one-time link, valid 7 days)",
            {"201": ok("Invited", {"type": "object"})}, params=[id_param("client_id")],
            body={"type": "object", "required": ["email", "name"], "additionalProperties": False,
                  "properties": {"email": {"type": "string", "format": "email"},
                                 "name": {"type": "string", "maxLength": 200},
                                 "relation": {"type": "string", "maxLength": 100},
                                 "can_view": {"type": "boolean"}, "can_decide": {"type": "boolean"},
                                 "can_pay": {"type": "boolean"}}}, tag="clients")},
        "/catalogue": {"get": op("The catalogue with today's cost prices", {"200": ok("Services", {
            "type": "object", "properties": {"services": {"type": "array", "items": {"type": "object"}}}})},
            tag="packages")},
        "/clients/{client_id}/budget": {"get": op(
            "Weekly budget, savings, active package with its meter, next review", {"200": ok("Budget")},
            params=[id_param("client_id")], tag="packages")},
        "/clients/{client_id}/package/draft": {
            "get": op("The working version of the package (draft, submitted or active)",
                       {"200": ok("Draft")}, params=[id_param("client_id")], tag="packages"),
            "put": op("Save the lines as a new version: a draft for the care team, a proposal for family "
                       "with decide and the client supporter", {"200": ok("Saved")},
                       params=[id_param("client_id")], body=LINES_BODY, tag="packages"),
        },
        "/clients/{client_id}/package/draft/submit": {"post": op(
            "Submit the draft for the nurse's sign-off", {"200": ok("Submitted")},
            params=[id_param("client_id")], tag="packages")},
        "/clients/{client_id}/package/versions": {"get": op(
            "Every version with who, when and why", {"200": ok("Versions")}, params=[id_param("client_id")],
            tag="packages")},
        "/clients/{client_id}/package/versions/{number}/sign": {"post": op(
            "The nurse signs a submitted version off (refused while a health risk is not covered or a health line "
            "has no risk that requires it; 409 naming the current version when it was replaced); family "
            "contacts with decide or pay are told of the weekly effect",
            {"200": ok("Active")}, params=[id_param("client_id"), id_param("number")],
            body={"type": "object", "properties": {"active_from": {"type": "string", "format": "date"}}},
            optional_body=True, tag="packages")},
        "/clients/{client_id}/package/versions/{number}/sign-off": {"get": op(
            "What the nurse signs: the version, its meter before (the active package) and after, the health "
            "risks it covers (with the nurse's lowerings), gaps and health lines without a risk; a stale "
            "version names the submitted version that replaced it (nurse of the resident's team; logged)",
            {"200": ok("Sign-off preview")}, params=[id_param("client_id"), id_param("number")], tag="packages")},
        "/clients/{client_id}/package/proposals": {"get": op(
            "Every proposal with what became of it: waiting, taken over or declined (with the reason)",
            {"200": ok("Proposals")}, params=[id_param("client_id")], tag="packages")},
        "/clients/{client_id}/package/proposals/{number}/take-over": {"post": op(
            "A carer of the resident's team takes the proposal over into the draft, as proposed or with "
            "adjusted lines; 409 when it was taken over or declined already",
            {"200": ok("Draft")}, params=[id_param("client_id"), id_param("number")], body=TAKE_OVER_BODY,
            optional_body=True, tag="packages")},
        "/clients/{client_id}/package/proposals/{number}/decline": {"post": op(
            "The team declines the proposal with a reason the proposer sees; 409 when it was answered already",
            {"200": ok("Declined")}, params=[id_param("client_id"), id_param("number")],
            body={"type": "object", "required": ["reason"], "additionalProperties": False, "properties": {
                "reason": {"type": "string", "minLength": 1, "maxLength": 500}}}, tag="packages")},
        "/clients/{client_id}/package/use-savings": {"put": op(
            "Family with decide (or the resident): pay what is above the budget from savings first, or not; "
            "the active package is written again with that choice", {"200": ok("Active package")},
            params=[id_param("client_id")],
            body={"type": "object", "required": ["use_savings"], "additionalProperties": False,
                  "properties": {"use_savings": {"type": "boolean"}}}, tag="packages")},
        "/clients/{client_id}/reviews": {"post": op(
            "Record a review (confirmed or changed). Without a reason it is the regular review, refused "
            "until two weeks before it is due; the next one follows one interval after it. With a reason it "
            "is an extra review, which leaves the schedule as it is", {"201": ok("Recorded")},
            params=[id_param("client_id")],
            body={"type": "object", "required": ["outcome"], "additionalProperties": False, "properties": {
                "outcome": {"enum": ["confirmed", "changed"]}, "note": {"type": "string", "maxLength": 2000},
                "reason": {"type": "string", "maxLength": 500}}},
            tag="packages")},
        "/meter": {"post": op(
            "The budget meter for a set of lines (nothing is saved)", {"200": ok("Meter", METER)},
            body={"type": "object", "required": ["client_id", "lines"], "additionalProperties": False,
                  "properties": {"client_id": {"type": "integer"}, "lines": LINES,
                                 "use_savings": {"type": "boolean"}}}, tag="packages")},
        "/clients/{client_id}/health": {"get": op(
            "The health profile (care relationship only; every read is logged)", {"200": ok("Profile")},
            params=[id_param("client_id")], tag="health")},
        "/clients/{client_id}/health/risks": {"post": op(
            "Record or change a risk (nurse of the resident's team); required care is added to the draft",
            {"201": ok("Risk")}, params=[id_param("client_id")],
            body={"type": "object", "required": ["omaha", "modifier"], "additionalProperties": False,
                  "properties": {"omaha": {"type": "string"},
                                 "modifier": {"enum": ["health_promotion", "potential", "actual"]},
                                 "scope": {"enum": ["individual", "family"]},
                                 "note": {"type": "string", "maxLength": 2000},
                                 **{k: {"type": "integer", "minimum": 1, "maximum": 5}
                                    for k in ("knowledge", "behaviour", "status")}}}, tag="health")},
        "/clients/{client_id}/health/risks/{risk_id}": {"delete": op(
            "Close a risk", {"200": ok("Closed")}, params=[id_param("client_id"), id_param("risk_id")],
            tag="health")},
        "/clients/{client_id}/health/risks/{risk_id}/ratings": {"post": op(
            "Add a knowledge-behaviour-status rating", {"201": ok("Rating")},
            params=[id_param("client_id"), id_param("risk_id")],
            body={"type": "object", "required": ["knowledge", "behaviour", "status"],
                  "properties": {k: {"type": "integer", "minimum": 1, "maximum": 5}
                                 for k in ("knowledge", "behaviour", "status")}}, tag="health")},
        "/clients/{client_id}/health/risks/{risk_id}/prescriptions": {"post": op(
            "A higher minimum than the rule's, with a reason", {"201": ok("Prescription")},
            params=[id_param("client_id"), id_param("risk_id")],
            body={"type": "object", "required": ["service", "min_per_week", "reason"],
                  "properties": {"service": {"type": "string"},
                                 "min_per_week": {"type": "integer", "maximum": 99},
                                 "reason": {"type": "string", "maxLength": 500}}}, tag="health")},
        "/clients/{client_id}/health/observations": {"post": op(
            "Add an observation point for the team", {"201": ok("Observation point")},
            params=[id_param("client_id")],
            body={"type": "object", "required": ["text"], "properties": {"text": {"type": "string",
                                                                                 "maxLength": 500}}},
            tag="health")},
        "/clients/{client_id}/access-log": {"get": op(
            "Who looked at the health record and when (resident and representative)", {"200": ok("Events")},
            params=[id_param("client_id")], tag="health")},
        "/reindications": {"get": op(
            "Residents whose health care costs more than their budget", {"200": ok("Re-indications")},
            tag="health")},
    }
