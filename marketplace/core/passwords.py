"""Password hashing with argon2id; parameters come from the app's configuration."""
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 10
MAX_LENGTH = 200
_DUMMY_PASSWORD = "not-a-real-password-just-for-timing"


def _hasher() -> PasswordHasher:
    return _hasher_for(current_app.config["ARGON2"])


def _hasher_for(params) -> PasswordHasher:
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        type=Type.ID,
    )


@lru_cache(maxsize=4)
def _dummy_hash(params) -> str:
    """A hash of nobody's password, made once per process and parameter set."""
    return _hasher_for(params).hash(_DUMMY_PASSWORD)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """One argon2 verification, whether or not there is a hash: a login for an unknown
    address verifies against a dummy hash made once, so it costs exactly what a real one
    costs and timing does not reveal which accounts exist."""
    params = current_app.config["ARGON2"]
    hasher = _hasher_for(params)
    if not password_hash:
        try:
            hasher.verify(_dummy_hash(params), password)
        except VerificationError:
            pass
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
