"""Checks the fake's traffic against the Temps OpenAPI document, with openapi-core.

The document is the wire contract. A request that breaks it is the client's fault, a response that breaks it is the
fake's; both end up in ``FakeTemps.violations``. Validation runs in the server thread for every call, so the document
is loaded once per process and validators are reused (about a millisecond per check).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema_path import SchemaPath
from openapi_core import OpenAPI
from openapi_core.configurations import Config
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.schemas import oas31_schema_validators_factory
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from openapi_core.validation.schemas.validators import SchemaValidator

# The shared reference sits beside the repository (../shared/reference), wherever the repository is cloned.
DOCUMENT = Path(os.environ.get(
    "TEMPS_OPENAPI", Path(__file__).resolve().parents[3] / "shared" / "reference" / "temps-openapi.json"))
API_PREFIX = "/api"
MAX_DETAIL = 600


@dataclass
class OpenAPIRequest:
    """The request as openapi-core's ``Request`` protocol wants it; ``path`` includes the ``/api`` server prefix."""

    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters = field(default_factory=RequestParameters)


@dataclass
class OpenAPIResponse:
    """The response as openapi-core's ``Response`` protocol wants it."""

    status_code: int
    data: bytes | None
    content_type: str
    headers: dict[str, str]


def describe(exc: BaseException) -> str:
    """A one-line account of an openapi-core error: the failing JSON paths and messages rather than the schema dump."""
    for err in (exc, exc.__cause__):
        schema_errors = getattr(err, "schema_errors", None)
        if schema_errors:
            parts = []
            for e in schema_errors:
                where = "/".join(str(p) for p in getattr(e, "absolute_path", ())) or "<body>"
                parts.append(f"{where}: {getattr(e, 'message', e)}")
            return _cut(f"{type(exc).__name__}: " + "; ".join(parts))
    text = str(exc) or repr(exc)
    if exc.__cause__ is not None:
        text += f" ({exc.__cause__})"
    return _cut(f"{type(exc).__name__}: {text}")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 3] + "..."


# Untagged Rust enums that the generator wrote as ``oneOf`` although their variants overlap. In
# PresetConfigSchema every variant is an object with optional properties only (NixpacksPresetConfig is any object),
# so every object matches two or three variants and ``oneOf`` rejects every value: no client could send a
# ``preset_config``. The server takes the first variant that fits, which is what ``anyOf`` expresses.
ONE_OF_READ_AS_ANY_OF = ("PresetConfigSchema",)


def adapt(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the narrow corrections above; the input is left untouched."""
    schemas = dict(document["components"]["schemas"])
    for name in ONE_OF_READ_AS_ANY_OF:
        schema = schemas.get(name)
        if schema is not None and "oneOf" in schema:
            corrected = {k: v for k, v in schema.items() if k != "oneOf"}
            corrected["anyOf"] = schema["oneOf"]
            schemas[name] = corrected
    return {**document, "components": {**document["components"], "schemas": schemas}}


class ContractValidator:
    """Request, response and schema checks against one loaded document.

    Shared by every fake of the process; openapi-core's validators keep lazily filled caches, so calls are serialised.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        # The document itself is not re-validated on every load (spec_validator_cls=None): that check takes about
        # four seconds, and the document passes it (checked; the reference README says it was normalised to).
        self._app = OpenAPI.from_dict(adapt(document), config=Config(spec_validator_cls=None))
        self._spec: SchemaPath = self._app.spec
        self._schemas: dict[str, SchemaValidator] = {}
        self._lock = threading.Lock()

    def request_errors(self, request: OpenAPIRequest) -> list[str]:
        with self._lock:
            return [describe(e) for e in self._app.request_validator.iter_errors(request)]

    def response_errors(self, request: OpenAPIRequest, response: OpenAPIResponse) -> list[str]:
        """Errors of a response to a documented route.

        Error answers the operation does not list (409 conflict, 429/503 from fault injection, 400 for a request
        that failed validation, 401) are legitimate here: the reference README says clients must expect them. Only
        for those, openapi-core's "status not documented" error is dropped; their body is still checked against
        ``ProblemDetails``. A success status the operation does not list stays a violation.
        """
        with self._lock:
            errors: list[str] = []
            for exc in self._app.response_validator.iter_errors(request, response):
                if isinstance(exc, ResponseNotFound) and response.status_code >= 400:
                    continue
                errors.append(describe(exc))
        if response.status_code >= 400:
            errors.extend(self.schema_errors("ProblemDetails", _json_or_none(response.data)))
        return errors

    def schema_errors(self, component: str, value: Any) -> list[str]:
        """Errors of ``value`` against ``#/components/schemas/<component>``, for bodies no operation describes."""
        with self._lock:
            validator = self._schemas.get(component)
            if validator is None:
                schema = self._spec / "components" / "schemas" / component
                validator = oas31_schema_validators_factory.create(self._spec, schema)
                self._schemas[component] = validator
            try:
                validator.validate(value)
            except InvalidSchemaValue as exc:
                return [describe(exc)]
            return []


def _json_or_none(data: bytes | None) -> Any:
    if not data:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return None


_load_lock = threading.Lock()


@cache
def _load(path: Path) -> ContractValidator:
    with path.open(encoding="utf-8") as f:
        return ContractValidator(json.load(f))


def contract_validator(path: Path = DOCUMENT) -> ContractValidator:
    """The process-wide validator for ``path``, loaded on first use."""
    with _load_lock:
        return _load(path)
