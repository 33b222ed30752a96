"""Tables of the market, one module per idea."""
from .choices import ChoiceStatus, TeamChoice
from .offers import TeamOffer
from .ratings import RatingStatus, TeamRating
from .waiting import EntryStatus, OfferStatus, PlaceOffer, WaitingEntry

__all__ = ["ChoiceStatus", "EntryStatus", "OfferStatus", "PlaceOffer", "RatingStatus", "TeamChoice", "TeamOffer",
           "TeamRating", "WaitingEntry"]
