"""The demo's freelancers (issue 13, item 7): zzp1@ approved and onboarded, zzp2@ approved but not
onboarded; zzp1 can be booked, zzp2 cannot; the demo account is updated by the Connect endpoint."""
from __future__ import annotations

from sqlalchemy import select

from billing.gateway import event_payload, sign
from marketplace.accounts.models import Organisation, User
from marketplace.demo import load_demo
from marketplace.market import freelancers
from marketplace.market.models import Freelancer, Payout


def test_zzp1_is_onboarded_and_zzp2_is_not(db, app):
    with app.test_request_context():
        load_demo()
        linde = db.session.scalar(select(Organisation).where(Organisation.slug == "de-linde"))
        rows = {user.email.split("@")[0]: freelancer for freelancer, user in db.session.execute(
            select(Freelancer, User).join(User, User.id == Freelancer.user_id)
            .where(Freelancer.organisation_id == linde.id))}
        assert set(rows) == {"zzp1", "zzp2"}
        zzp1, zzp2 = rows["zzp1"], rows["zzp2"]
        assert (zzp1.status, zzp1.charges_enabled, zzp1.payouts_enabled) == ("approved", True, True)
        assert zzp1.stripe_account_id and freelancers.may_take_bookings(zzp1)
        assert (zzp2.status, zzp2.stripe_account_id, freelancers.may_take_bookings(zzp2)) == ("approved", None, False)
        assert zzp1.home_team.organisation_id == linde.id
        assert [p.status for p in freelancers.payouts_of(zzp1)] == ["paid"]
        assert db.session.scalar(select(Payout).where(Payout.freelancer_id == zzp2.id)) is None
        account = zzp1.stripe_account_id

    # The demo account is kept by the real Connect endpoint: Stripe asks for a bank account again.
    body = event_payload("account.updated", {"id": account, "object": "account", "charges_enabled": True,
                                             "payouts_enabled": False,
                                             "requirements": {"currently_due": ["external_account"]}})
    response = app.test_client().post("/billing/webhooks/stripe-connect", data=body, content_type="application/json",
                                      headers={"Stripe-Signature": sign(body, app.config["STRIPE_CONNECT_WEBHOOK_SECRET"])})
    assert response.status_code == 200
    zzp1 = db.session.get(Freelancer, zzp1.id, populate_existing=True)
    assert (zzp1.payouts_enabled, zzp1.requirements_due) == (False, ["external_account"])
