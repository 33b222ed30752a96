"""The fuzz run of ``make fuzz``: schemathesis against the app's own OpenAPI document, in-process
(WSGI), on a fresh SQLite database with the demo data, as an administrator and as a family
member, each with a personal access token. Any 500 fails the run.

Outside ``tests/`` on purpose: ``make test`` stays as fast as it is (see the Makefile).
"""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field

from sqlalchemy import select

from marketplace import create_app
from marketplace.accounts.models import ApiToken, User
from marketplace.accounts.tokens import TOKEN_PREFIX, digest
from marketplace.core.extensions import db
from marketplace.demo import load_demo

# Token rows get ids far above anything the fuzzer tries first, so DELETE /tokens/{id} does
# not revoke the fuzzer's own token in the first seconds of the run.
TOKEN_IDS = {"admin": 9_000_000_001, "family": 9_000_000_002}
USERS = {"admin": "admin@", "family": "familie1@"}


@dataclass
class Tally:
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)


TALLY = Tally()


def build_app():
    """Built once, when the test module is imported: schemathesis reads the document then."""
    app = create_app({
        "ZORGMARKT_MODE": "test",
        "TESTING": False,  # a 500 is answered (and counted), not raised into the fuzzer
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tempfile.mkdtemp(prefix='zm-fuzz-')}/fuzz.sqlite",
        "SECRET_KEY": "fuzz-secret-key-that-is-long-enough-0123456789",
        "PUBLIC_URL": "http://localhost",
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        db.create_all()
        load_demo()
        for role, prefix in USERS.items():
            user = db.session.scalar(select(User).where(User.email.startswith(prefix)).order_by(User.id))
            secret = f"{TOKEN_PREFIX}fuzz-{role}-{os.urandom(16).hex()}"
            db.session.add(ApiToken(id=TOKEN_IDS[role], user_id=user.id, name=f"fuzz {role}",
                                    token_hash=digest(secret), prefix=secret[:10]))
            app.config[f"FUZZ_TOKEN_{role.upper()}"] = secret
        db.session.commit()
    return app


def pytest_terminal_summary(terminalreporter):
    minutes = (time.monotonic() - TALLY.started) / 60
    terminalreporter.write_line(f"fuzz: {TALLY.requests} requests in {minutes:.1f} min, "
                                f"{len(TALLY.server_errors)} answered 500; by status: {dict(sorted(TALLY.statuses.items()))}")
    for line in sorted(set(TALLY.server_errors)):
        terminalreporter.write_line(f"  500: {line}")
