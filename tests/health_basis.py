"""Health risks written straight into the database, for tests that sign off health lines: since
issue 10 a health line is covered care only when an active risk requires it (care/domain.py
``unfounded_health_lines``)."""
from __future__ import annotations

from care.models import HealthRisk
from marketplace.core.db_types import utcnow
from marketplace.core.extensions import db

# The worked example of DOMAIN.md §4 (5VV): H01×21, H04×14, H10×14.
WORKED_EXAMPLE_RISKS = (("42", "actual"), ("30", "actual"), ("21", "potential"))


def record_risks(client, nurse, risks=WORKED_EXAMPLE_RISKS) -> None:
    """Open risks for ``client`` as ``nurse`` recorded them (no draft is written); commits."""
    for omaha, modifier in risks:
        db.session.add(HealthRisk(client_id=client.id, omaha=omaha, modifier=modifier, recorded_by_id=nurse.id,
                                  recorded_at=utcnow()))
    db.session.commit()
