"""The market's access rules, registered with the policy (each part of the market in its own module)."""
from . import access_choice  # noqa: F401  (choosing a team, the waiting list)
