"""Errors a reconcile turns into status rather than a crash."""

from __future__ import annotations


class SpecError(Exception):
    """The spec is wrong in a way only the operator can judge; the user must change ``field``."""

    reason = "InvalidSpec"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = f"{field}: {message}"


class DependencyMissing(Exception):
    """Something the resource refers to does not exist yet; it is retried when it appears."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
