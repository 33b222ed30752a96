"""Each benchmark runs on a fresh SQLite database, and on PostgreSQL when BENCH_DATABASE_URL is set."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from marketplace.core.extensions import db


def on_each_backend(bench: Callable[[str, str], None], name: str) -> None:
    """``bench(database_url, label)`` on SQLite, then on the PostgreSQL of BENCH_DATABASE_URL."""
    folder = Path(tempfile.mkdtemp(prefix=f"zm-bench-{name}-"))
    bench(f"sqlite:///{folder}/{name}.sqlite", "SQLite")
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        bench(url, "PostgreSQL")
    else:
        print("(set BENCH_DATABASE_URL to a PostgreSQL database to measure it too)")


def p95(samples: Sequence[float]) -> float:
    """The 95th percentile of ``samples`` (the value below which 95 % of them lie)."""
    ordered = sorted(samples)
    return ordered[int(len(ordered) * .95) - 1]


def drop(app) -> None:
    """Leave the benchmark's database empty and close its connections."""
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
