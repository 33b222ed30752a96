"""The composition's command-line tasks: ``flask demo``, ``flask outbox deliver``. Each package registers its own."""
from __future__ import annotations

import time

import click
from flask import Flask

from .core import outbox
from .demo import load_demo


def init_app(app: Flask) -> None:
    @app.cli.command("demo")
    def demo_command():
        """Load the demo organisations (idempotent)."""
        created = load_demo()
        if created:
            click.echo("Loaded demo data: " + ", ".join(created))
        else:
            click.echo("Demo data already present; nothing changed.")

    @app.cli.group("outbox")
    def outbox_group():
        """The mail outbox."""

    @outbox_group.command("deliver")
    @click.option("--watch", type=click.IntRange(min=1), default=None,
                  help="Keep running, trying every this many seconds (the mail worker).")
    def deliver_command(watch):
        """Send the queued e-mail that is due; failures stay queued and are retried later."""
        while True:
            sent, failed = outbox.deliver()
            if sent or failed or not watch:
                click.echo(f"Outbox: {sent} sent, {failed} failed")
            if not watch:
                return
            time.sleep(watch)
