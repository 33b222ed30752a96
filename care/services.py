"""Use cases around residents."""
from __future__ import annotations

from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.models import User
from marketplace.policy import Perm, get_in_scope, visible_clients

from .models import Client, FamilyContact


def list_clients(actor: User) -> list[Client]:
    """The residents ``actor`` may see, with location and team loaded (no N+1)."""
    query = visible_clients(actor).options(
        selectinload(Client.location), selectinload(Client.team)
    ).order_by(Client.name)
    return list(db.session.scalars(query))


def get_client(actor: User, client_id: int) -> Client:
    """:raises NotInScope: no such resident in the actor's organisation.
    :raises AccessDenied: the actor has no relation to this resident."""
    return get_in_scope(actor, Client, client_id, Perm.CLIENT_VIEW)


def contacts_of(client: Client) -> list[FamilyContact]:
    return list(db.session.scalars(
        db.select(FamilyContact).where(FamilyContact.client_id == client.id)
        .options(selectinload(FamilyContact.user)).order_by(FamilyContact.id)
    ))
