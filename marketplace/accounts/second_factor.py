"""The second factor: TOTP (an authenticator app) and single-use recovery codes.

Carers, nurses, team leads and administrators of an organisation that requires it (and anyone
who has enrolled) log in in two steps: the password, then a code. The secret is stored
encrypted with a key derived from SECRET_KEY (or SECOND_FACTOR_KEY) and is shown only while
enrolling; recovery codes are shown once and kept as SHA-256 hashes; a TOTP code is accepted
once (its time step is remembered). Every success and failure is in the audit log.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, update

from marketplace.core import audit
from marketplace.core.audit import Action, Outcome
from marketplace.core.db_types import utcnow
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.core.roles import Role

from .models import RecoveryCode, User

REQUIRED_ROLES = frozenset({Role.CARER, Role.NURSE, Role.TEAM_LEAD, Role.ADMIN})
RECOVERY_CODES = 10
ISSUER = "Zorgmarkt"


class InvalidCode(InvalidInput):
    """The code is wrong, used already, or from too long ago."""

    def __init__(self):
        super().__init__("code", _l("This code is not valid. Enter the current code from your app."))


def required(user: User) -> bool:
    return bool(user.organisation.require_second_factor) and user.has_role(*REQUIRED_ROLES)


def enrolled(user: User) -> bool:
    return user.totp_confirmed_at is not None


def needed(user: User) -> bool:
    """Must this user give a second factor after the password?"""
    return enrolled(user) or required(user)


def _fernet() -> Fernet:
    secret = current_app.config.get("SECOND_FACTOR_KEY") or current_app.config["SECRET_KEY"]
    key = hashlib.sha256(b"zorgmarkt second factor\0" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _secret_of(user: User) -> str | None:
    if not user.totp_secret:
        return None
    try:
        return _fernet().decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:  # the key changed: no code can be right until an administrator resets it
        return None


def start_enrolment(user: User) -> str:
    """The secret to show while enrolling: a new one, or the one not yet confirmed (so a page
    reload does not invalidate what the app has scanned). Commits.

    :raises ValueError: the user has enrolled already (the secret is never shown again).
    """
    if enrolled(user):
        raise ValueError("enrolled already")
    secret = _secret_of(user)
    if secret is None:
        secret = pyotp.random_base32()
        user.totp_secret = _fernet().encrypt(secret.encode()).decode()
        user.totp_last_step = None
        db.session.commit()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URL, made here (the CSP allows 'self' and data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _accept_totp(user: User, secret: str, code: str) -> bool:
    """A code of the previous, current or next 30-second step, never one of a step accepted
    before: the step is claimed with a conditional update, which holds on both backends."""
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    current = totp.timecode(utcnow())
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            claimed = db.session.execute(
                update(User)
                .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)
            ).rowcount
            return claimed == 1
    return False


def _accept_recovery_code(user: User, code: str) -> bool:
    if len(code) != 16:
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return used == 1


def _failed(user: User, what: str) -> InvalidCode:
    db.session.rollback()
    audit.record(Action.FAILED_LOGIN, organisation_id=user.organisation_id, obj=user,
                 outcome=Outcome.FAILURE, detail=f"second factor: {what}")
    db.session.commit()
    return InvalidCode()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
                       .values(used_at=utcnow()).execution_options(synchronize_session=False))
    codes = [base64.b32encode(secrets.token_bytes(10)).decode() for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(code)) for code in codes)
    return ["-".join(code[i:i + 4] for i in range(0, 16, 4)) for code in codes]


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Confirm the secret with a first code; the login is complete. Commits.

    :returns: the recovery codes, to be shown once.
    :raises InvalidCode: the code is wrong (the failure is logged).
    """
    secret = _secret_of(user)
    if enrolled(user) or secret is None or not _accept_totp(user, secret, _normalise(code)):
        raise _failed(user, "enrolment code refused")
    user.totp_confirmed_at = utcnow()
    codes = _new_recovery_codes(user)
    user.last_login_at = utcnow()
    audit.record(Action.LOGIN, actor=user, obj=user, detail="second factor enrolled")
    db.session.commit()
    return codes


def verify(user: User, code: str) -> None:
    """The second step of a login: a TOTP code or an unused recovery code. Commits.

    :raises InvalidCode: wrong, replayed or used code (the failure is logged).
    """
    code = _normalise(code)
    secret = _secret_of(user)
    if enrolled(user) and secret is not None and _accept_totp(user, secret, code):
        how = "authenticator code"
    elif enrolled(user) and _accept_recovery_code(user, code):
        how = "recovery code"
    else:
        raise _failed(user, "code refused")
    user.last_login_at = utcnow()
    audit.record(Action.LOGIN, actor=user, obj=user, detail=f"second factor: {how}")
    db.session.commit()
