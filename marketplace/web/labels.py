"""The audit log's codes in words: actions, outcomes and kinds of object, in the reader's language."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import Action, Outcome
from marketplace.core.i18n import register_labels

ACTION_LABELS = {
    Action.READ: _l("looked at"), Action.CREATE: _l("added"), Action.UPDATE: _l("changed"),
    Action.DELETE: _l("removed"), Action.EXPORT: _l("exported"), Action.PRINT: _l("printed"),
    Action.LOGIN: _l("logged in"), Action.LOGOUT: _l("logged out"), Action.FAILED_LOGIN: _l("failed login"),
    Action.DENIED: _l("refused access"),
}
OUTCOME_LABELS = {Outcome.SUCCESS: _l("done"), Outcome.FAILURE: _l("failed"), Outcome.DENIED: _l("refused")}
OBJECT_LABELS = {
    "accounts": _l("ledger account"), "api_tokens": _l("API token"), "audit_events": _l("audit log"),
    "budget_overrides": _l("budget per care profile"), "clients": _l("resident"),
    "copay_invoices": _l("invoice"), "family_contacts": _l("family contact"), "health_risks": _l("health risk"),
    "invitations": _l("invitation"), "journal_entries": _l("ledger entry"), "locations": _l("location"),
    "observation_points": _l("observation point"), "organisation_settings": _l("organisation settings"),
    "organisations": _l("organisation"), "package_versions": _l("package version"), "payments": _l("payment"),
    "prescriptions": _l("prescription"), "reindications": _l("re-indication list"), "reviews": _l("review"),
    "risk_ratings": _l("risk rating"), "risk_rules": _l("risk rule"), "service_versions": _l("service version"),
    "services": _l("service"), "settlement": _l("settlement"), "staff_level_rates": _l("hourly cost"),
    "staff_levels": _l("staff level"), "team_assignments": _l("team assignment"),
    "team_memberships": _l("team membership"), "teams": _l("team"), "users": _l("user"),
}


def init_app(app: Flask) -> None:
    register_labels(app, "audit_action", ACTION_LABELS)
    register_labels(app, "audit_outcome", OUTCOME_LABELS)
    register_labels(app, "object_kind", OBJECT_LABELS)
