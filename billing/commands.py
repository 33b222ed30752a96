"""Billing's command-line tasks: ``flask ledger verify``, ``settle-week``, ``invoice-copays``."""
from __future__ import annotations

import click
from flask import Flask

from marketplace.core.calendar import InvalidMonth, InvalidWeek, Month

from .invoices import create_invoices
from .ledger import verify
from .settlement import WeekNotOver, settle_week


def init_app(app: Flask) -> None:
    ledger_group = click.Group("ledger", help="The ledger.")

    @ledger_group.command("verify")
    def ledger_verify():
        """Recompute every invariant; exit 1 on a breach."""
        breaches = verify()
        for breach in breaches:
            click.echo(f"BREACH {breach.rule}: {breach.detail}", err=True)
        if breaches:
            raise SystemExit(1)
        click.echo("ledger ok")

    app.cli.add_command(ledger_group)

    @app.cli.command("settle-week")
    @click.option("--week", required=True, help="ISO week, e.g. 2026-W48")
    def settle_week_command(week):
        """Settle a week for every organisation (running it again books nothing new)."""
        try:
            run = settle_week(week)
        except InvalidWeek:
            raise click.BadParameter("write the week like 2026-W48", param_hint="--week")
        except WeekNotOver as exc:
            raise click.BadParameter(str(exc.message), param_hint="--week")
        click.echo(f"{run.week}: settled {run.settled}, already settled {run.already}, skipped {len(run.skipped)}")
        for reason in run.skipped:
            click.echo(f"  skipped {reason}")

    @app.cli.command("invoice-copays")
    @click.option("--month", required=True, help="e.g. 2026-11")
    def invoice_command(month):
        """Make the month's co-payment invoices (idempotent)."""
        try:
            first = Month.parse(month).first
        except InvalidMonth:
            raise click.BadParameter("write the month like 2026-11", param_hint="--month")
        click.echo(f"{len(create_invoices(first))} invoices made")
