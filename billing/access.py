"""Money's access rules, registered with the policy: who sees and pays invoices, who refunds."""
from __future__ import annotations

from care.access import client_view, has_right, is_own_client, relations
from marketplace.core.policy import Perm, rule
from marketplace.core.roles import Role


@rule(Perm.PAYMENT_MAKE)
def payment_make(user, client) -> bool:
    return has_right(user, client, "pay") or is_own_client(user, client)


@rule(Perm.PAYMENT_VIEW)
def payment_view(user, client) -> bool:
    return user.has_role(Role.ADMIN) or payment_make(user, client)


@rule(Perm.PAYMENT_REFUND)
def payment_refund(user, _payment) -> bool:
    return user.has_role(Role.ADMIN)


@rule(Perm.BILLING_ADMIN, needs_target=False)
def billing_admin(user, _target) -> bool:
    return user.has_role(Role.ADMIN)


@rule(Perm.STATEMENT_VIEW)
def statement_view(user, client) -> bool:
    return user.has_role(Role.ADMIN) or client_view(user, client)


@rule(Perm.TEAM_STATEMENT)
def team_statement(user, team) -> bool:
    return user.has_role(Role.ADMIN, Role.BOARD) or (
        user.has_role(Role.TEAM_LEAD) and team.id in relations(user).team_ids)
