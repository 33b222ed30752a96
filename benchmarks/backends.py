"""Each benchmark runs on a fresh SQLite database, and on PostgreSQL when BENCH_DATABASE_URL is set."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def on_each_backend(bench: Callable[[str, str], None], name: str) -> None:
    """``bench(database_url, label)`` on SQLite, then on the PostgreSQL of BENCH_DATABASE_URL."""
    folder = Path(tempfile.mkdtemp(prefix=f"zm-bench-{name}-"))
    bench(f"sqlite:///{folder}/{name}.sqlite", "SQLite")
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        bench(url, "PostgreSQL")
    else:
        print("(set BENCH_DATABASE_URL to a PostgreSQL database to measure it too)")
