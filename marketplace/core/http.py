"""Small facts about the current request: is it the API, which bearer token, a safe ``next``."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for

API_PREFIX = "/api/"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def safe_next(target: str | None) -> str:
    """Only a path on this site; anything else (another host, //host, a scheme) goes home."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
                and "\\" not in target:
            return target
    return url_for("main.home")
