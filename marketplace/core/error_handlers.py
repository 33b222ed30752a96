"""How each error is answered: a page in the user's language, or JSON
``{"error": {"code", "message", "fields"}}`` under /api/. Mapped once, here."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from . import audit
from .audit import Action, Outcome
from .errors import AccessDenied, ApiError, DomainError, NotInScope
from .extensions import db
from .http import is_api_request, safe_next


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", _("The request could not be understood.")),
        401: ("unauthorized", _("Please log in.")),
        403: ("forbidden", _("You do not have access to this.")),
        404: ("not_found", _("This page or item does not exist.")),
        405: ("method_not_allowed", _("This action is not possible here.")),
        409: ("conflict", _("Someone else saved at the same moment. Reload and try again.")),
        413: ("too_large", _("What you sent is too large.")),
        415: ("unsupported_media_type", _("Send JSON with Content-Type: application/json.")),
        422: ("invalid", _("Some of what you entered is not valid.")),
        429: ("too_many_requests", _("Too many attempts. Wait a minute and try again.")),
        500: ("server_error", _("Something went wrong on our side. Please try again later.")),
    }


def error_response(status: int, message: str | None = None, code: str | None = None, fields: dict | None = None,
                   back: str | None = None):
    default_code, default_message = _messages().get(status, ("error", _("Something went wrong.")))
    message = str(message) if message else default_message
    if is_api_request():
        body = {"code": code or default_code, "message": message}
        if fields:
            body["fields"] = {name: str(text) for name, text in fields.items()}
        response = jsonify(error=body)
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, message=message, back=back), status


def _page_sent_from() -> str | None:
    """The page of this site the refused form was sent from (a path), to go back to it."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host or not parts.path:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if safe_next(path) == path else None


def _record_denial(**fields) -> None:
    # Nothing of the refused request is kept; the denial itself is, in its own commit.
    db.session.rollback()
    audit.record(Action.DENIED, actor=current_user, outcome=Outcome.DENIED, **fields)
    db.session.commit()


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        db.session.rollback()  # nothing of a refused request is kept
        return error_response(error.status, error.message, error.code, error.fields)

    @app.errorhandler(AccessDenied)
    def access_denied(error: AccessDenied):
        target = error.target
        _record_denial(obj=target, client_id=getattr(target, "client_id", None), detail=str(error.perm))
        return error_response(403, error.public_message)

    @app.errorhandler(NotInScope)
    def not_in_scope(_error):
        # A probe for something out of reach is logged in the prober's own organisation, and
        # answered exactly like an id that does not exist.
        if current_user.is_authenticated:
            _record_denial(detail=f"not found or out of scope: {request.method} {request.path}"[:500])
        return error_response(404)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        # A named conflict (``slot_taken``, ``team_full``) says what clashed, in words for people;
        # the plain one keeps the generic "saved by someone else" (its message is for the log).
        named = error.status == 409 and error.code != "conflict"
        message = error.message if error.status == 422 or named else None
        return error_response(error.status, message, error.code if error.status != 409 or named else None,
                              error.fields)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        # The page's script (static/js/keep.js) still holds what was typed and puts it back
        # in the form when the user goes back to it, after logging in again if need be.
        return error_response(400, _("Your form has expired or is not valid. Reload the page and try again."),
                              code="csrf", back=None if is_api_request() else _page_sent_from())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = error_response(error.code or 500)
        if error.code == 405 and getattr(error, "valid_methods", None):
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError):
        """The database is busy beyond the wait (SQLite's lock) or unreachable: nothing was saved;
        say so and ask to try again shortly, never a bare 500."""
        db.session.rollback()
        app.logger.warning("database busy or unreachable: %s", error)
        response = app.make_response(error_response(
            503, _("It is very busy right now and nothing was saved. Please try again in a moment."),
            code="busy"))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if app.testing:
            raise error
        app.logger.exception("unhandled error", exc_info=error)
        db.session.rollback()
        return error_response(500)
