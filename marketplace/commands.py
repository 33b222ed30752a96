"""The composition's command-line tasks: ``flask demo``. Each package registers its own."""
from __future__ import annotations

import click
from flask import Flask

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
