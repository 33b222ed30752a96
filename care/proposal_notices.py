"""Who is told of a hand-off, and with what words: a proposal sent to the team, taken over or
declined, a package signed off with its weekly effect. Texts never carry health detail: they
name the resident, people and euros only, as they also go out by e-mail.
"""
from __future__ import annotations

from .meter import MeterReading
from .models import Client, PackageVersion


def proposal_sent(actor, client: Client, proposal: PackageVersion) -> None:
    """The carers of the resident's team hear of a new proposal."""


def proposal_taken_over(actor, client: Client, proposal: PackageVersion, draft: PackageVersion) -> None:
    """The proposer hears that the team took the proposal over."""


def proposal_declined(actor, client: Client, proposal: PackageVersion) -> None:
    """The proposer hears that the team declined the proposal, and why."""


def package_signed(actor, client: Client, version: PackageVersion, before: MeterReading | None,
                   after: MeterReading | None) -> None:
    """Family contacts with *decide* or *pay* hear of the new package and its weekly co-payment."""
