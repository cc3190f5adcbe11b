"""How reconcilers post Events: a protocol, so that reconcilers run without kopf in unit tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class EventRecorder(Protocol):
    """Posts a Kubernetes Event about an object. Messages are the operator's own, never secret values."""

    def __call__(self, body: Mapping[str, Any], type_: str, reason: str, message: str) -> None: ...
