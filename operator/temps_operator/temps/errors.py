"""Typed errors of the Temps API, parsed from RFC 7807 bodies in either of the shapes Temps uses.

The reference page shows ``{"type", "title", "status", "detail"}``; the OpenAPI document's ProblemDetails
requires ``title`` and ``extensions``. Whatever is present is used; a missing field or a body that is not
JSON falls back to the HTTP status and the raw text, so parsing an error never raises.
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any


class TempsError(Exception):
    """Any failed call. ``operation`` is the method and path template, never a value or a token."""

    reason = "TempsError"
    retryable = False

    def __init__(self, status: int, title: str, detail: str = "", operation: str = "") -> None:
        super().__init__(f"{operation}: {status} {title}{': ' + detail if detail else ''}")
        self.status = status
        self.title = title
        self.detail = detail
        self.operation = operation


class BadRequest(TempsError):
    reason = "TempsRejected"


class Unauthorized(TempsError):
    reason = "TempsUnauthorized"


class NotFound(TempsError):
    reason = "TempsNotFound"


class Conflict(TempsError):
    reason = "TempsConflict"


class RateLimited(TempsError):
    reason = "TempsRateLimited"
    retryable = True

    def __init__(self, status: int, title: str, detail: str = "", operation: str = "",
                 retry_after: float | None = None) -> None:
        super().__init__(status, title, detail, operation)
        self.retry_after = retry_after


class Unavailable(TempsError):
    """5xx, timeouts and broken connections: Temps is unreachable or overloaded."""

    reason = "TempsUnavailable"
    retryable = True

    def __init__(self, status: int, title: str, detail: str = "", operation: str = "",
                 retry_after: float | None = None, never_sent: bool = False) -> None:
        super().__init__(status, title, detail, operation)
        self.retry_after = retry_after
        self.never_sent = never_sent  # the connection never opened: Temps cannot have acted on the request


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait, from a Retry-After header in seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


def problem_fields(body: bytes) -> tuple[str, str]:
    """(title, detail) from a problem body of either shape, or from plain text."""
    text = body.decode(errors="replace").strip()
    try:
        data: Any = json.loads(text) if text else {}
    except ValueError:
        return "", text[:500]
    if not isinstance(data, dict):
        return "", text[:500]
    title = str(data.get("title") or data.get("error") or "")
    detail = data.get("detail") or data.get("message") or ""
    if not detail and isinstance(data.get("extensions"), dict):
        detail = data["extensions"].get("detail") or data["extensions"].get("message") or ""
    return title, str(detail)[:500]


def error_for(status: int, body: bytes, operation: str, retry_after: str | None = None) -> TempsError:
    title, detail = problem_fields(body)
    if "/env-vars" in operation and detail:
        detail = "(detail withheld: it may quote an env var value)"
    title = title or _DEFAULT_TITLES.get(status, "Error")
    wait = parse_retry_after(retry_after)
    if status == 429:
        return RateLimited(status, title, detail, operation, wait)
    if status in (500, 502, 503, 504) or status >= 500:
        return Unavailable(status, title, detail, operation, wait)
    kind: type[TempsError] = {400: BadRequest, 401: Unauthorized, 403: Unauthorized, 404: NotFound,
                              409: Conflict, 422: BadRequest}.get(status, TempsError)
    return kind(status, title, detail, operation)


_DEFAULT_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
                   429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
                   503: "Service Unavailable", 504: "Gateway Timeout"}
