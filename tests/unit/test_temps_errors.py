"""Temps error bodies in both RFC 7807 shapes, and Retry-After in both forms, never fail to parse."""

from __future__ import annotations

import email.utils

import pytest

from temps_operator.temps.errors import (
    BadRequest,
    Conflict,
    NotFound,
    RateLimited,
    TempsError,
    Unauthorized,
    Unavailable,
    error_for,
    parse_retry_after,
)


def test_page_shape() -> None:
    error = error_for(404, b'{"type": "about:blank", "title": "Not Found", "status": 404, '
                           b'"detail": "Project 42 not found"}', "GET /projects/{id}")
    assert isinstance(error, NotFound)
    assert (error.title, error.detail, error.operation) == ("Not Found", "Project 42 not found", "GET /projects/{id}")


def test_document_shape_with_extensions() -> None:
    error = error_for(400, b'{"title": "Invalid preset", "extensions": {"detail": "preset must be set"}}', "POST /x")
    assert isinstance(error, BadRequest)
    assert error.detail == "preset must be set"


@pytest.mark.parametrize("body", [b"", b"upstream connect error", b"[1, 2]", b'{"unexpected": true}'])
def test_missing_or_foreign_bodies_fall_back_to_status(body: bytes) -> None:
    error = error_for(503, body, "GET /projects")
    assert isinstance(error, Unavailable) and error.retryable
    assert error.title == "Service Unavailable"


@pytest.mark.parametrize(("status", "kind"), [
    (401, Unauthorized), (403, Unauthorized), (409, Conflict), (422, BadRequest), (429, RateLimited),
    (500, Unavailable), (502, Unavailable), (504, Unavailable), (418, TempsError),
])
def test_status_maps_to_typed_error(status: int, kind: type[TempsError]) -> None:
    assert type(error_for(status, b"", "op")) is kind


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after(date, now=now) == pytest.approx(30.0, abs=1.0)
    error = error_for(429, b"{}", "op", retry_after="7")
    assert isinstance(error, RateLimited) and error.retry_after == 7.0
