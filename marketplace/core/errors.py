"""The error hierarchy. Services raise named exceptions that state a fact (``TeamFull``,
``PackageUncovered``); each derives from one of these, so a view that does not catch it still
answers correctly (see :mod:`marketplace.core.error_handlers`):

* :class:`InvalidInput` (a field and a message): 422, or a form error where the view has a form;
* :class:`Conflict`: 409, the request clashes with the current state;
* :class:`NotInScope`: 404, the object does not exist for this user;
* :class:`AccessDenied`: 403, and an audit row.
"""
from __future__ import annotations


class DomainError(Exception):
    """A rule of the product refuses the request. ``message`` is for people (may be lazy)."""

    status = 422
    code = "invalid"

    def __init__(self, message: object = "", *, code: str | None = None, fields: dict | None = None):
        super().__init__(message or self.__class__.__name__)
        self.message = message
        self.fields = dict(fields or {})
        if code:
            self.code = code


class InvalidInput(DomainError):
    """``field`` holds what cannot be accepted; ``fields`` maps every bad field to a message."""

    status = 422
    code = "invalid"

    def __init__(self, field: str, message: object, *, fields: dict | None = None, code: str | None = None):
        super().__init__(message, code=code, fields=fields if fields is not None else {field: message})
        self.field = field


class Conflict(DomainError):
    """The request clashes with the current state (saved by someone else, paid already)."""

    status = 409
    code = "conflict"


class NotInScope(DomainError):
    """The object does not exist for this user (HTTP 404): another organisation's, or none."""

    status = 404
    code = "not_found"


class AccessDenied(DomainError):
    """The user may not do ``perm`` on ``target`` (HTTP 403, and an audit row)."""

    status = 403
    code = "forbidden"

    def __init__(self, perm, target=None, public_message: object = None):
        super().__init__(f"{perm} denied")
        self.perm = perm
        self.target = target
        # What the refused user is told instead of the plain "no access", when there is more to say.
        self.public_message = public_message


class ApiError(Exception):
    """A JSON error with a status, raised by API views for bad input."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
