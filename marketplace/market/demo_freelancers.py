"""Demo data of freelancers (issue 13, item 7): ``zzp1@`` approved and onboarded (a demo Connect
account that takes charges and payouts, with a payout Stripe reported), ``zzp2@`` approved but
not yet onboarded. Called by ``marketplace.demo`` for a new organisation, after its teams."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from marketplace.accounts.models import Organisation, User
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.extensions import db
from teams.models import TeamMembership

from .models import Freelancer, Payout

PROFILES = {
    1: dict(kvk_number="81234567", big_number=None, skills=["handmassage", "wandelen", "voorlezen"],
            languages=["Nederlands", "Engels"],
            bio="Verzorgende IG met tien jaar ervaring. Ik kom graag voor een wandeling of een verwenmoment."),
    2: dict(kvk_number="87654321", big_number="49012345601", skills=["kapper", "pedicure"],
            languages=["Nederlands", "Turks"], bio="Verpleegkundige en kapster: knippen en voetverzorging op de kamer."),
}


def load_freelancers(organisation: Organisation) -> list[Freelancer]:
    """The demo freelancers' profiles. :returns: zzp1's and zzp2's, in that order."""
    made = []
    for number, values in PROFILES.items():
        user = db.session.scalar(select(User).where(User.organisation_id == organisation.id,
                                                    User.email.like(f"zzp{number}@%")))
        if user is None:
            continue
        home_team_id = db.session.scalar(select(TeamMembership.team_id).where(TeamMembership.user_id == user.id)
                                         .order_by(TeamMembership.id))
        freelancer = Freelancer(organisation_id=organisation.id, user_id=user.id,
                                name=user.name.replace(" (zzp)", ""), home_team_id=home_team_id,
                                status="approved", status_changed_at=utcnow(), **values)
        if number == 1:
            # Onboarded: the demo Connect account, as its last account.updated reported it.
            freelancer.stripe_account_id = f"acct_demo_{organisation.slug}_zzp1"[:255]
            freelancer.charges_enabled = freelancer.payouts_enabled = True
            freelancer.requirements_due = []
            freelancer.account_event_created = int(time.time())
        db.session.add(freelancer)
        db.session.flush()
        if number == 1:
            db.session.add(Payout(organisation_id=organisation.id, freelancer_id=freelancer.id,
                                  stripe_payout_id=f"po_demo_{organisation.slug}_1"[:255], amount_cents=6528,
                                  status="paid", arrival_date=local_today() - timedelta(days=3),
                                  event_created=int(time.time())))
        made.append(freelancer)
    return made
