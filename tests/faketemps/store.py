"""The building blocks of the fake's state: errors, stored objects, id-allocating tables, slugs and timestamps."""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


class ApiError(Exception):
    """A failure Temps would answer with an error status; ``detail`` goes into the problem body."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass
class Stored:
    """One object: its API body, and what Temps keeps about it without returning it."""

    body: JSON
    extra: JSON = field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.body["id"])


class Table:
    """The objects of one kind, by id; ids start at 1 and only grow, like database sequences."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.rows: dict[int, Stored] = {}
        self._next_id = 1

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def add(self, body: JSON, **extra: Any) -> Stored:
        row = Stored(body, dict(extra))
        self.rows[row.id] = row
        return row

    def get(self, id_: int) -> Stored:
        row = self.rows.get(id_)
        if row is None:
            raise ApiError(404, f"{self.kind} {id_} not found")
        return row

    def remove(self, id_: int) -> None:
        self.rows.pop(id_, None)

    def __iter__(self) -> Iterator[Stored]:
        return iter(list(self.rows.values()))

    def snapshot(self) -> dict[int, JSON]:
        return {id_: copy.deepcopy(row.body) for id_, row in self.rows.items()}


def slugify(name: str) -> str:
    """Lower-case, runs of anything but letters and digits become one ``-``, no ``-`` at either end."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def image_tag(image: str) -> str:
    """The tag of a Docker image reference (``registry:5000/pg:16`` -> ``16``), ``latest`` when it has none."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else "latest"


def unix_now() -> int:
    return int(time.time())


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def slug_of(name: str) -> str:
    """The slug of a new object's name; a name without letters or digits is refused."""
    slug = slugify(name)
    if not slug:
        raise ApiError(400, f"Name {name!r} has no letters or digits to make a slug from")
    return slug


def paging(page: int | None, per_page: int | None) -> tuple[int, int]:
    """Page (from 1) and page size: 20 unless asked, never more than 100."""
    return max(1, page or 1), min(MAX_PER_PAGE, max(1, per_page or DEFAULT_PER_PAGE))


def parameter_text(value: Any) -> str:
    """A service parameter as Temps reports it back: ExternalServiceDetails.current_parameters holds strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
