"""The administrator's list pages (issue 10) keep a constant number of SQL statements however long
the list: users, teams, locations, settings history, payments with resident and invoice, the
audit log searched by name."""
from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest

from billing.models import CopayInvoice, Payment
from marketplace.accounts.models import OrganisationSetting
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import local_today
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from tests.factories import make_client, make_location, make_team, make_user

PAGES = [
    "/admin/users", "/api/v1/admin/users",
    "/admin/teams", "/api/v1/admin/teams",
    "/admin/locations", "/api/v1/admin/locations",
    "/admin/settings", "/api/v1/admin/settings",
    "/admin/billing", "/api/v1/admin/payments",
    "/admin/audit?name=gebruiker", "/api/v1/audit?name=gebruiker&from=2020-01-01",
]
_days = count(1)


def _grow(world, n: int) -> None:
    """``n`` more of everything the pages list: staff, locations, teams with a resident, future
    settings, payments of residents with an invoice each, and audit rows of the new staff."""
    for _ in range(n):
        user = make_user(world.org, Role.CARER, Role.NURSE)
        location = make_location(world.org)
        team = make_team(world.org, location)
        resident = make_client(world.org, location, team)
        db.session.add(OrganisationSetting(organisation_id=world.org.id, valid_from=local_today()
                                           + timedelta(days=next(_days)), orange_from_pct=90, red_above_pct=100,
                                           overhead_pct=20, created_by_id=user.id))
        invoice = CopayInvoice(organisation_id=world.org.id, client_id=resident.id, month=date(2026, 10, 1),
                               amount_cents=1790)
        db.session.add(Payment(organisation_id=world.org.id, client_id=resident.id, invoice=invoice,
                               payer_id=world.users["family"].id, amount_cents=1790))
        audit.record(Action.UPDATE, actor=user, client_id=resident.id, obj=team)
    db.session.commit()


@pytest.mark.parametrize("path", PAGES)
def test_admin_list_pages_keep_a_constant_query_count(world, client, auth, count_queries, path):
    auth.login(world.email("admin"))
    _grow(world, 2)
    assert client.get(path).status_code == 200  # warm up
    with count_queries() as small:
        assert client.get(path).status_code == 200
    _grow(world, 10)
    with count_queries() as large:
        response = client.get(path)
        assert response.status_code == 200
    assert large.count == small.count, f"{path}: {small.count} statements for a short list, {large.count} for a long one"
