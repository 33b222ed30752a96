"""The market: team offers, team choice and waiting lists, extras and slots, bookings, ratings.

It registers its payment purposes (e.g. ``extra_booking``) with billing's fulfilment registry
at start-up, so billing never imports the market.
"""
