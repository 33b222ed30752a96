"""Errors as pages in the user's language, or as JSON ``{"error": {"code", "message"}}`` under /api/."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import audit
from .audit import Action, Outcome
from .auth import is_api_request
from .extensions import db
from .policy import AccessDenied, NotInScope


class ApiError(Exception):
    """A JSON error with a status, raised by API views for bad input."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


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


def error_response(status: int, message: str | None = None, code: str | None = None, fields: dict | None = None):
    default_code, default_message = _messages().get(status, ("error", _("Something went wrong.")))
    message = message or default_message
    if is_api_request():
        body = {"code": code or default_code, "message": message}
        if fields:
            body["fields"] = fields
        response = jsonify(error=body)
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error_response(error.status, error.message, error.code, error.fields)

    @app.errorhandler(AccessDenied)
    def access_denied(error: AccessDenied):
        # Nothing of the refused request is kept; the denial itself is.
        db.session.rollback()
        target = error.target
        client_id = None
        if target is not None and target.__class__.__name__ == "Client":
            client_id = target.id
        elif target is not None:
            client_id = getattr(target, "client_id", None)
        audit.record(
            Action.DENIED, actor=current_user, obj=target, client_id=client_id,
            outcome=Outcome.DENIED, detail=str(error.perm),
        )
        db.session.commit()
        return error_response(403)

    @app.errorhandler(NotInScope)
    def not_in_scope(_error):
        # A probe for something out of reach is logged in the prober's own organisation, and
        # answered exactly like an id that does not exist.
        if current_user.is_authenticated:
            db.session.rollback()
            audit.record(Action.DENIED, actor=current_user, outcome=Outcome.DENIED,
                         detail=f"not found or out of scope: {request.method} {request.path}"[:500])
            db.session.commit()
        return error_response(404)

    from care.packages import ConcurrentChange

    @app.errorhandler(ConcurrentChange)
    def concurrent_change(_error):
        return error_response(409)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return error_response(400, _("Your form has expired or is not valid. Reload the page and try again."),
                              code="csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 429:
            return error_response(429)
        return error_response(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if app.testing:
            raise error
        app.logger.exception("unhandled error", exc_info=error)
        db.session.rollback()
        return error_response(500)
