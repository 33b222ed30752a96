"""Tables of the market, one module per idea."""
from .bookings import Booking, ExtraRating
from .choices import ChoiceStatus, TeamChoice
from .extras import AvailabilityException, AvailabilityPattern, Extra, MarketSettings, Provider, ProviderKind
from .freelancers import Freelancer, FreelancerStatus, Payout, PayoutStatus
from .offers import TeamOffer
from .ratings import RatingStatus, TeamRating
from .waiting import EntryStatus, OfferStatus, PlaceOffer, WaitingEntry

__all__ = ["AvailabilityException", "AvailabilityPattern", "Booking", "ChoiceStatus", "Extra", "ExtraRating",
           "Freelancer", "FreelancerStatus", "MarketSettings", "Payout", "PayoutStatus", "Provider", "ProviderKind", "EntryStatus", "OfferStatus", "PlaceOffer", "RatingStatus", "TeamChoice", "TeamOffer",
           "TeamRating", "WaitingEntry"]
