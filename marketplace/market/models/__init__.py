"""Tables of the market, one module per idea."""
from .offers import TeamOffer
from .ratings import RatingStatus, TeamRating

__all__ = ["RatingStatus", "TeamOffer", "TeamRating"]
