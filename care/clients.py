"""Use cases around clients: the list a user may see, one client, their family contacts."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Invitation, User
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, get_in_scope

from .access import visible_clients
from .models import Client, FamilyContact


def list_clients(actor: User) -> list[Client]:
    """The clients ``actor`` may see, with location and team loaded (no N+1)."""
    query = visible_clients(actor).options(
        selectinload(Client.location), selectinload(Client.team)
    ).order_by(Client.name)
    return list(db.session.scalars(query))


def get_client(actor: User, client_id: int) -> Client:
    """:raises NotInScope: no such client in the actor's organisation.
    :raises AccessDenied: the actor has no relation to this client."""
    return get_in_scope(actor, Client, client_id, Perm.CLIENT_VIEW)


def contacts_of(client: Client) -> list[FamilyContact]:
    return list(db.session.scalars(
        select(FamilyContact).where(FamilyContact.client_id == client.id)
        .options(selectinload(FamilyContact.user)).order_by(FamilyContact.id)
    ))


def grant_family_contact(invitation: Invitation, user: User) -> None:
    """What an accepted invitation gives: a family contact of the client with its rights
    (rights only grow; flushes, the accepting use case commits)."""
    contact = db.session.scalar(
        select(FamilyContact).where(FamilyContact.client_id == invitation.client_id, FamilyContact.user_id == user.id)
    )
    if contact is None:
        contact = FamilyContact(client_id=invitation.client_id, user_id=user.id)
        db.session.add(contact)
    contact.relation = invitation.relation
    contact.can_view = True
    contact.can_decide = contact.can_decide or invitation.can_decide
    contact.can_pay = contact.can_pay or invitation.can_pay
