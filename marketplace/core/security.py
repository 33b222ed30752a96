"""Security headers on every response, and CSRF for session-authenticated API writes."""
from __future__ import annotations

from flask import Flask, request

from .http import bearer_token, is_api_request
from .extensions import csrf

CSP = "; ".join([
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    # Only style attributes (the meter's bar width); no inline <style> and no inline script.
    "style-src-attr 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Logging in starts the session, so there is no token to check yet; it takes JSON only,
# which a cross-site form cannot send.
# The second factor's call belongs to the login: the session is only half logged in.
CSRF_FREE_API_ENDPOINTS = {"api.login", "api.second_factor_login"}


def init_app(app: Flask) -> None:
    @app.before_request
    def api_csrf():
        if not is_api_request() or request.method in SAFE_METHODS:
            return None
        if bearer_token() is not None or request.endpoint in CSRF_FREE_API_ENDPOINTS:
            return None
        csrf.protect()
        return None

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["HSTS"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html" or is_api_request():
            headers.setdefault("Cache-Control", "no-store")
        return response
