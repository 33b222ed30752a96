"""Bare extension objects, bound to the app in ``create_app`` with ``init_app``."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
import sqlite3

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# How long a SQLite writer waits for another's transaction before giving up (milliseconds):
# bookings of one provider, payments and settlements queue behind each other's write lock.
SQLITE_BUSY_MS = 30_000

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Engine, "connect")
def _sqlite_waits_for_the_lock(dbapi_connection, _record):
    """SQLite's default wait is 5 s: under a burst of writers (twenty families booking one slot)
    a writer would fail with "database is locked" instead of waiting its turn."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Moving window: a fixed window (the default) forgets every failure at its boundary and lets
# a burst of twice the limit through; see ratelimits.py.
limiter = Limiter(key_func=get_remote_address, default_limits=[], strategy="moving-window")
