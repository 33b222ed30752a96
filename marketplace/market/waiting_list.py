"""The waiting list of a team: join, position, offers of a place, accept, decline, leave, expiry."""
from __future__ import annotations

from .capacity import waiting_lengths

__all__ = ["waiting_lengths"]
