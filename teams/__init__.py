"""Teams, members, freelancers, staffing norms, routes and the board's competition view."""
