"""One request through the fake: route, inject faults, authenticate, validate, apply, validate the answer, record.

The order matters. Faults come first, so a faulted request never reaches the state; authentication comes before
validation, as on a real server; every answer, faulted or not, is validated and recorded.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from .calls import Call, Journal
from .faults import Faults
from .routes import Incoming, Reply, Route, Router
from .state import State
from .store import ApiError
from .validation import API_PREFIX, ContractValidator, OpenAPIRequest, OpenAPIResponse

# Every error answer in the document (58 of them) declares ProblemDetails under "application/json"; none uses
# "application/problem+json", and openapi-core would not match that media type to them. The body follows RFC 7807.
PROBLEM_CONTENT_TYPE = "application/json"
JSON_CONTENT_TYPE = "application/json"


def problem(status: int, detail: str, path: str, headers: dict[str, str] | None = None,
            extensions: dict[str, Any] | None = None) -> Reply:
    """An RFC 7807 body that also satisfies the document's ProblemDetails (``title`` and ``extensions`` required)."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": API_PREFIX + path,
            "extensions": extensions or {}}
    return Reply(status, body, headers or {})


@dataclass
class _Exchange:
    """What is known about the request being answered, for validation and the call record."""

    method: str
    path: str
    template: str
    query: dict[str, str]
    request_json: Any
    documented: bool
    arrived: float
    epoch: int
    route: Route | None = None
    openapi: OpenAPIRequest | None = None


class Dispatcher:
    """The aiohttp handler of the fake; it runs in the server's event loop thread."""

    def __init__(self, state: State, faults: Faults, journal: Journal, validator: ContractValidator, router: Router,
                 token: Callable[[], str]) -> None:
        self.state = state
        self.faults = faults
        self.journal = journal
        self.validator = validator
        self.router = router
        self.token = token

    async def handle(self, request: web.Request) -> web.StreamResponse:
        arrived, epoch = time.time(), self.journal.epoch
        raw = await request.read()
        self.journal.entered(epoch)
        try:
            return await self._handle(request, raw, arrived, epoch)
        except Exception:  # noqa: BLE001 - a bug in the fake must show up as a violation and a 500, not a hung test
            self.journal.violation(f"fake failed on {request.method} {request.path}: {traceback.format_exc()}", epoch)
            return web.Response(status=500, text="fake Temps failed; see fake.violations")
        finally:
            self.journal.left(epoch)

    async def _handle(self, request: web.Request, raw: bytes, arrived: float, epoch: int) -> web.StreamResponse:
        method = request.method.upper()
        in_api = request.path.startswith(API_PREFIX + "/")
        path = request.path[len(API_PREFIX):] if in_api else request.path
        exchange = _Exchange(method, path, path, dict(request.query), _parse_json(raw), False, arrived, epoch)
        found = self.router.find(method, path) if in_api else None
        if found is None:
            self._violation(exchange, f"{method} {request.path}: the fake has no such route (not implemented here, "
                                      "or not part of the Temps API)")
            return self._answer(exchange, problem(404, f"No route {method} {request.path}", path), None)
        route, params = found
        exchange.route, exchange.template, exchange.documented = route, route.template, route.documented
        if route.documented:
            exchange.openapi = _openapi_request(request, raw)

        decision = self.faults.decide(method, route.template)
        if decision.latency > 0:
            await asyncio.sleep(decision.latency)
            if self.journal.epoch != epoch:  # the fake was reset meanwhile: this request belongs to a finished test
                return _hang_up(request)
        if decision.kind == "drop":
            self._record(exchange, 0, None, "drop")
            return _hang_up(request)
        if decision.kind == "rate_limit":
            seconds = math.ceil(decision.retry_after or 0)
            reply = problem(429, "Rate limit exceeded (injected)", path, {"Retry-After": str(seconds)},
                            {"retry_after": seconds})
            return self._answer(exchange, reply, decision.kind)
        if decision.kind == "error":
            return self._answer(exchange, problem(decision.status, "Injected failure", path), decision.kind)

        if not self._authorized(request):
            return self._answer(exchange, problem(401, "Missing or invalid bearer token", path), None)

        if exchange.openapi is not None:
            problems = self.validator.request_errors(exchange.openapi)
        else:
            problems = _page_route_problems(route, params, exchange.request_json)
        if problems:
            for text in problems:
                self._violation(exchange, f"request {method} {path}: {text}")
            return self._answer(exchange, problem(400, "; ".join(problems), path), None)

        try:
            reply = route.handler(self.state, Incoming(params, exchange.query, exchange.request_json))
        except ApiError as exc:
            reply = problem(exc.status, exc.detail, path)
        response = self._answer(exchange, reply, None)
        if decision.hold_after > 0:  # done and recorded; the answer is late (the client may be gone by then)
            await asyncio.sleep(decision.hold_after)
        return response

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and credentials.strip() == self.token()

    def _answer(self, exchange: _Exchange, reply: Reply, fault: str | None) -> web.Response:
        data = None if reply.body is None else json.dumps(reply.body).encode()
        content_type = "" if data is None else (PROBLEM_CONTENT_TYPE if reply.status >= 400 else JSON_CONTENT_TYPE)
        for text in self._response_errors(exchange, reply, data, content_type):
            self._violation(exchange, f"response {reply.status} to {exchange.method} {exchange.path}: {text}")
        self._record(exchange, reply.status, reply.body, fault)
        response = web.Response(status=reply.status, body=data, headers=dict(reply.headers))
        if data is not None:
            response.content_type = content_type
        return response

    def _response_errors(self, exchange: _Exchange, reply: Reply, data: bytes | None, content_type: str) -> list[str]:
        if exchange.openapi is not None:
            answer = OpenAPIResponse(reply.status, data, content_type, dict(reply.headers))
            return self.validator.response_errors(exchange.openapi, answer)
        if reply.status >= 400:
            return self.validator.schema_errors("ProblemDetails", reply.body)
        route = exchange.route
        if route is not None and route.response_schema is not None:
            return self.validator.schema_errors(route.response_schema, reply.body)
        return []

    def _violation(self, exchange: _Exchange, text: str) -> None:
        self.journal.violation(text, exchange.epoch)

    def _record(self, exchange: _Exchange, status: int, response_json: Any, fault: str | None) -> None:
        self.journal.record(Call(
            method=exchange.method, path=exchange.path, template=exchange.template, query=exchange.query,
            status=status, request_json=exchange.request_json, response_json=response_json,
            documented=exchange.documented, fault=fault, time=exchange.arrived,
        ), exchange.epoch)


def _hang_up(request: web.Request) -> web.Response:
    """Close the connection without an answer; the returned response is never written."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=503)


def _page_route_problems(route: Route, params: dict[str, str], body: Any) -> list[str]:
    """What the document would have caught on a page-only route: ids that are not integers, a malformed body."""
    problems = [f"path parameter {name} must be an integer, not {value!r}"
                for name, value in params.items() if not value.isdigit()]
    body_problem = route.check(body) if route.check is not None else None
    return [*problems, body_problem] if body_problem else problems


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _openapi_request(request: web.Request, raw: bytes) -> OpenAPIRequest:
    """The request for openapi-core, with the full path: the document's server is ``/api``."""
    return OpenAPIRequest(
        host_url=f"{request.scheme}://{request.host}",
        path=request.path,
        method=request.method.lower(),
        body=raw or None,
        content_type=request.headers.get("Content-Type", ""),
        parameters=RequestParameters(
            query=ImmutableMultiDict(list(request.query.items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(list(request.cookies.items())),
        ),
    )
