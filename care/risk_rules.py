"""Risk rules: the reference data (Omaha problems, default rules) and the administrator's edits."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.errors import InvalidInput, NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, load

from .catalogue import reference_rows
from .models import OmahaProblem, RiskRule, Service


def load_problems() -> None:
    known = set(db.session.scalars(select(OmahaProblem.code)))
    for row in reference_rows("omaha_problems.csv"):
        if row["code"] not in known:
            db.session.add(OmahaProblem(code=row["code"], domain=row["domain"], name_en=row["name_en"],
                                        name_nl=row["name_nl"]))
    db.session.flush()


def load_rules(organisation) -> None:
    """The default risk rules of shared/data/risk_rules.csv for an organisation (flushes)."""
    load_problems()
    services = dict(db.session.execute(select(Service.code, Service.id)
                                       .where(Service.organisation_id == organisation.id)).all())
    for row in reference_rows("risk_rules.csv"):
        db.session.add(RiskRule(organisation_id=organisation.id, omaha=row["omaha"], modifier=row["modifier"],
                                service_id=services[row["service"]], min_per_week=int(row["min_per_week"]),
                                note=row["note"]))
    db.session.flush()


def change_rule(actor, rule_id: int | None, min_per_week) -> RiskRule:
    """An administrator changes a rule's minimum. :raises InvalidInput:"""
    rule = load(RiskRule, rule_id)
    if rule is None:
        raise NotInScope()
    authorize(actor, Perm.RISK_RULES_EDIT, rule)
    if isinstance(min_per_week, bool) or not isinstance(min_per_week, int) or not 1 <= min_per_week <= 99:
        raise InvalidInput("min_per_week", _("Enter a whole number from 1 to 99."))
    before = rule.min_per_week
    rule.min_per_week = min_per_week
    audit.record(Action.UPDATE, actor=actor, obj=rule,
                 detail=f"rule {rule.omaha}/{rule.modifier} {rule.service.code}: {before} -> {min_per_week}")
    db.session.commit()
    return rule
