"""The market's access rules, registered with the policy: each part of the market keeps its own."""
from . import access_choice  # noqa: F401  (choosing a team, the waiting list)
from . import access_extras  # noqa: F401  (extras and bookings)
from . import access_offers  # noqa: F401  (offers and ratings)
from . import access_freelancers  # noqa: F401  (freelancers' profiles, approval and suspension)
