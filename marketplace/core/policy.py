"""The access policy mechanism: may this user do this action on this object?

Every view and API endpoint asks here. The permission names are one enum; the rules live
beside their domains (``care/access.py``, ``teams/access.py``, ``billing/access.py``, ...),
which register them with :func:`rule`. ``create_app`` refuses to start while a permission has
no rule (:func:`check_complete`).

An answer combines the user's **role** with the object's **scope**. Every scoped object
exposes ``organisation_id``, so scope is one comparison. Objects of another organisation are
reported as *not found* rather than *forbidden*, so a user of organisation A cannot even
learn that an id exists in organisation B.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from .errors import AccessDenied, NotInScope
from .extensions import db


class Perm(StrEnum):
    CLIENT_VIEW = "client.view"
    CLIENT_INVITE_CONTACT = "client.invite_contact"
    TEAM_VIEW = "team.view"
    API_TOKEN_CREATE = "api_token.create"
    TEAM_WORKLIST = "team.worklist"
    PACKAGE_VIEW = "package.view"
    PACKAGE_COMPOSE = "package.compose"
    PACKAGE_PROPOSE = "package.propose"
    PACKAGE_SIGN = "package.sign"
    PACKAGE_USE_SAVINGS = "package.use_savings"
    REVIEW_RECORD = "review.record"
    HEALTH_VIEW = "health.view"
    HEALTH_EDIT = "health.edit"
    HEALTH_ACCESS_LOG = "health.access_log"
    REINDICATION_VIEW = "reindication.view"
    RISK_RULES_EDIT = "risk_rules.edit"
    PAYMENT_VIEW = "payment.view"
    PAYMENT_MAKE = "payment.make"
    PAYMENT_REFUND = "payment.refund"
    BILLING_ADMIN = "billing.admin"
    STATEMENT_VIEW = "statement.view"
    TEAM_STATEMENT = "team.statement"
    CATALOGUE_VIEW = "catalogue.view"
    CATALOGUE_EDIT = "catalogue.edit"
    AUDIT_VIEW = "audit.view"
    ORG_AGGREGATES = "org.aggregates"
    TEAM_CHOOSE = "team.choose"
    WAITING_LIST_JOIN = "waiting_list.join"
    TEAM_OFFER_VIEW = "team_offer.view"
    TEAM_OFFER_EDIT = "team_offer.edit"
    RATING_GIVE = "rating.give"
    RATING_REPLY = "rating.reply"
    RATING_HIDE = "rating.hide"
    # Running the organisation: settings, users, teams, locations (issue 10).
    ORG_ADMIN = "org.admin"
    # Extras (issue 12): browse, offer and edit, book and pay, see, cancel, deliver, rate.
    EXTRA_VIEW = "extra.view"
    EXTRA_EDIT = "extra.edit"
    EXTRA_REVENUE = "extra.revenue"
    BOOKING_MAKE = "booking.make"
    BOOKING_VIEW = "booking.view"
    BOOKING_CANCEL = "booking.cancel"
    BOOKING_PROVIDE = "booking.provide"
    BOOKING_RATE = "booking.rate"
    # Freelancers (issue 13): their own profile and Stripe onboarding, seeing a profile, the
    # organisation's approval and suspension, a team's freelancers.
    FREELANCER_PROFILE = "freelancer.profile"
    FREELANCER_VIEW = "freelancer.view"
    FREELANCER_APPROVE = "freelancer.approve"
    TEAM_FREELANCERS = "team.freelancers"


Check = Callable[[object, object], bool]


@dataclass(frozen=True)
class Rule:
    check: Check
    # False for permissions asked about the organisation as a whole (the audit log, the
    # catalogue): they may be asked without an object.
    needs_target: bool = True


class PolicyIncomplete(RuntimeError):
    """A permission has no rule, or two rules claim one permission."""


_RULES: dict[Perm, Rule] = {}


def rule(perm: Perm, *, needs_target: bool = True) -> Callable[[Check], Check]:
    """Register the rule that decides ``perm`` (a function ``(user, target) -> bool``).

    :raises PolicyIncomplete: another rule decides ``perm`` already.
    """
    def register(check: Check) -> Check:
        existing = _RULES.get(perm)
        if existing is not None and existing.check is not check:
            raise PolicyIncomplete(f"two rules for {perm}")
        _RULES[perm] = Rule(check, needs_target)
        return check
    return register


def missing_rules() -> set[Perm]:
    return set(Perm) - _RULES.keys()


def check_complete() -> None:
    """:raises PolicyIncomplete: some permission has no rule (the app must not start)."""
    missing = missing_rules()
    if missing:
        raise PolicyIncomplete("permissions without a rule: " + ", ".join(sorted(missing)))


def same_organisation(user, target) -> bool:
    """Scope is one comparison; an object that names no organisation is in nobody's scope."""
    return target is None or getattr(target, "organisation_id", None) == user.organisation_id


def can(user, perm: Perm, target=None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not same_organisation(user, target):
        return False
    return _RULES[perm].check(user, target)


def authorize(user, perm: Perm, target=None) -> None:
    """:raises NotInScope: ``target`` is missing or of another organisation.
    :raises AccessDenied: the user's role or relation does not allow ``perm``."""
    if target is None and _RULES[perm].needs_target:
        raise NotInScope()
    if not same_organisation(user, target):
        raise NotInScope()
    if not can(user, perm, target):
        raise AccessDenied(perm, target)


def get_in_scope(user, model, object_id, perm: Perm):
    """Load ``model`` by id and authorize ``perm`` on it in one step.

    :raises NotInScope: no such object in the user's organisation.
    :raises AccessDenied: it exists, but the user may not do ``perm``.
    """
    obj = load(model, object_id)
    if obj is None:
        raise NotInScope()
    authorize(user, perm, obj)
    return obj


MAX_ID = 2**63 - 1


def load(model, object_id):
    """``db.session.get`` that answers None for ids no database column can hold (no 500)."""
    if isinstance(object_id, bool) or not isinstance(object_id, int) or not 0 < object_id <= MAX_ID:
        return None
    return db.session.get(model, object_id)
