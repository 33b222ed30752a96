"""The market's tables."""
from .choices import ChoiceStatus, TeamChoice
from .waiting import EntryStatus, OfferStatus, PlaceOffer, WaitingEntry

__all__ = ["ChoiceStatus", "TeamChoice", "EntryStatus", "OfferStatus", "PlaceOffer", "WaitingEntry"]
