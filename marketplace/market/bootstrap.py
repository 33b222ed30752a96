"""The market's part of the app: its tables, access rules, pages, API, OpenAPI paths, commands,
notification kinds and its hook into billing's settlement."""
from __future__ import annotations

import click
from flask import Flask
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from billing import fulfilment
from billing.ledger import register_check
from billing.settlement import before_settlement
from marketplace.core import openapi
from marketplace.core.i18n import percent_tenths, register_labels

from . import access  # noqa: F401  (registers the market's access rules)
from . import models  # noqa: F401  (the market's tables)
from . import (freelancers, openapi_bookings, openapi_choice, openapi_earnings, openapi_extras, openapi_freelancers,
               openapi_offers, openapi_provider)
from .booking_api import bp as booking_api
from .booking_ledger import check_bookings
from .booking_views import bp as booking_views
from .bookings import ExtraBookingPurpose, retry_refunds
from .choice import apply_due_choices
from .choice_api import bp as choice_api
from .choice_views import bp as choice_views
from .earnings_views import api as earnings_api
from .earnings_views import bp as earnings_views
from .freelancer_api import bp as freelancer_api
from .freelancer_views import bp as freelancer_views
from .extra_api import bp as extras_api
from .extra_views import bp as extras_views
from .offer_api import bp as offer_api
from .offer_views import bp as offer_views
from .offers import initials
from .provider import remind_bookings
from .provider_api import bp as provider_api
from .provider_views import bp as provider_views
from .provider_views import extra_rating_state
from .waiting_list import expire_offers

ASPECT_LABELS = {"care": _l("Care"), "attention": _l("Time and attention"), "communication": _l("Communication"),
                 "reliability": _l("Reliability"), "atmosphere": _l("Atmosphere")}
FREELANCER_STATUS = {"pending": _l("waiting for approval"), "approved": _l("approved"),
                     "suspended": _l("suspended")}
CHOICE_STATUS = {"pending": _l("waiting for its Monday"), "applied": _l("in effect"), "withdrawn": _l("withdrawn"),
                 "replaced": _l("replaced by a later choice")}
PROVIDER_BOOKING_STATUS = {"requested": _l("asked, waiting for your answer"), "pending_payment": _l("waiting for payment"),
                           "confirmed": _l("paid and confirmed"), "delivered": _l("delivered"),
                           "no_show": _l("no-show"), "cancelled": _l("cancelled"), "refunded": _l("refunded"),
                           "expired": _l("not paid in time")}

BOOKING_STATUS = {"requested": _l("waiting for the provider's answer"), "pending_payment": _l("waiting for payment"),
                  "confirmed": _l("confirmed"), "delivered": _l("delivered"), "no_show": _l("did not take place"),
                  "cancelled": _l("cancelled"), "refunded": _l("cancelled and refunded"),
                  "expired": _l("expired: not paid in time")}


def init_app(app: Flask) -> None:
    app.register_blueprint(offer_views)
    app.register_blueprint(offer_api)
    app.register_blueprint(choice_views)
    app.register_blueprint(choice_api)
    app.register_blueprint(earnings_views)
    app.register_blueprint(earnings_api)
    app.register_blueprint(extras_views)
    app.register_blueprint(extras_api)
    openapi.register(app, openapi_earnings.paths, openapi_earnings.SCHEMAS)
    openapi.register(app, openapi_offers.paths, openapi_offers.SCHEMAS)
    openapi.register(app, openapi_choice.paths, openapi_choice.SCHEMAS)
    app.register_blueprint(provider_views)
    app.register_blueprint(provider_api)
    openapi.register(app, openapi_provider.paths, openapi_provider.SCHEMAS)
    register_labels(app, "provider_booking_status", PROVIDER_BOOKING_STATUS)
    app.jinja_env.filters["local_time"] = lambda value: format_datetime(value, "HH:mm")
    app.jinja_env.globals["extra_rating_state"] = extra_rating_state
    app.register_blueprint(freelancer_views)
    app.register_blueprint(freelancer_api)
    openapi.register(app, openapi_freelancers.paths, openapi_freelancers.SCHEMAS)
    freelancers.subscribe_connect_events(app)
    openapi.register(app, openapi_extras.paths, openapi_extras.SCHEMAS)
    app.register_blueprint(booking_views)
    app.register_blueprint(booking_api)
    openapi.register(app, openapi_bookings.paths, openapi_bookings.SCHEMAS)
    register_check(app, check_bookings)
    register_labels(app, "booking_status", BOOKING_STATUS)
    register_labels(app, "aspect_label", ASPECT_LABELS)
    register_labels(app, "choice_status", CHOICE_STATUS)
    register_labels(app, "freelancer_status", FREELANCER_STATUS)
    app.jinja_env.filters["mark"] = lambda average: percent_tenths(int(average * 10))
    app.jinja_env.filters["team_initials"] = initials
    # Each week is booked to the team of its Monday: choices whose Monday has come are applied first.
    before_settlement(app, lambda today: apply_due_choices(today))
    fulfilment.register(app, ExtraBookingPurpose())
    register_commands(app)


def register_commands(app: Flask) -> None:
    market = click.Group("market", help="The market: team choices and waiting lists.")

    @market.command("expire-offers")
    def expire_offers_command():
        """Apply the team choices whose Monday has come, expire the waiting-list offers whose time is
        up and offer open places to the next families (idempotent; for cron)."""
        applied, expired, offered = expire_offers()
        click.echo(f"choices applied: {applied}, offers expired: {expired}, offers made: {offered}")

    @market.command("retry-refunds")
    def retry_refunds_command():
        """Ask the payment provider again for refunds of cancelled bookings it could not be asked
        for (idempotent; for cron)."""
        click.echo(f"refunds asked: {retry_refunds()}")

    @market.command("remind-bookings")
    def remind_bookings_command():
        """Remind families and providers of tomorrow's confirmed bookings, once each (idempotent; for
        cron, daily)."""
        click.echo(f"bookings reminded: {remind_bookings()}")

    app.cli.add_command(market)
