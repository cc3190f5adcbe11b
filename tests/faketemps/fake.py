"""FakeTemps: the object tests hold. It starts the server and exposes state, calls, violations and faults."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from .calls import Call, Journal
from .dispatch import Dispatcher
from .faults import Faults
from .routes import ROUTES, Router
from .server import BackgroundServer
from .state import State
from .store import JSON
from .validation import API_PREFIX, DOCUMENT, contract_validator


class FakeTemps:
    """A stateful Temps API on ``http://127.0.0.1:<free port>/api`` that accepts ``Authorization: Bearer <token>``.

    Deployments complete ``deploy_seconds`` after they start (0: at once). State helpers return deep copies;
    the ``edit_*``/``set_*`` helpers change objects the way the dashboard or the platform would, behind the API's back.
    """

    def __init__(self, token: str = "tk_test_token", *, deploy_seconds: float = 0.0,
                 document: Path = DOCUMENT) -> None:
        self._token = token
        self._token_lock = threading.Lock()
        self._state = State(deploy_seconds)
        self._journal = Journal()
        self.faults = Faults()
        self._validator = contract_validator(document)
        dispatcher = Dispatcher(self._state, self.faults, self._journal, self._validator, Router(ROUTES),
                                lambda: self.token)
        self._server = BackgroundServer(dispatcher.handle)

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> FakeTemps:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> FakeTemps:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL including ``/api``; append client paths to it: ``f"{fake.url}/projects"``."""
        if self._server.port is None:
            raise RuntimeError("FakeTemps is not running; call start() first")
        return f"http://127.0.0.1:{self._server.port}{API_PREFIX}"

    @property
    def token(self) -> str:
        with self._token_lock:
            return self._token

    @token.setter
    def token(self, value: str) -> None:
        """Rotate the accepted token: from now on the old one gets 401."""
        with self._token_lock:
            self._token = value

    @property
    def deploy_seconds(self) -> float:
        return self._state.deploy_seconds

    @deploy_seconds.setter
    def deploy_seconds(self, value: float) -> None:
        with self._state.lock:
            self._state.deploy_seconds = value

    def reset(self) -> None:
        """Clear state, calls, violations and faults; the server keeps running on the same port and token.

        A request still sleeping in an injected latency is abandoned (connection closed, nothing recorded).
        """
        self._journal.clear()  # first: requests still in flight see the new epoch and leave no trace
        self.faults.clear()
        self._state.reset()

    # --- what happened -----------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        return self._journal.calls

    def mutating_calls(self) -> list[Call]:
        """POST/PUT/PATCH/DELETE calls that no injected fault answered (so they reached the fake's logic)."""
        return [c for c in self._journal.calls if c.mutating]

    @property
    def max_in_flight(self) -> int:
        """The most requests answered at once since the last reset: what bounds a client's concurrency."""
        return self._journal.max_in_flight

    @property
    def violations(self) -> list[str]:
        """Requests and responses that broke the OpenAPI document, and calls to routes the fake does not have."""
        return self._journal.violations

    # --- state, as the API returns it (id -> body) --------------------------------------------------------------

    @property
    def projects(self) -> dict[int, JSON]:
        return self._state.snapshot("projects")

    @property
    def environments(self) -> dict[int, JSON]:
        return self._state.snapshot("environments")

    @property
    def env_vars(self) -> dict[int, JSON]:
        return self._state.snapshot("env_vars")

    @property
    def domains(self) -> dict[int, JSON]:
        return self._state.snapshot("domains")

    @property
    def deployments(self) -> dict[int, JSON]:
        return self._state.snapshot("deployments")

    @property
    def services(self) -> dict[int, JSON]:
        return self._state.snapshot("services")

    @property
    def links(self) -> dict[int, JSON]:
        return self._state.snapshot("links")

    @property
    def monitors(self) -> dict[int, JSON]:
        return self._state.snapshot("monitors")

    # --- state Temps keeps without returning it ------------------------------------------------------------------

    def project_request(self, project_id: int) -> JSON:
        """The last CreateProjectRequest accepted for the project (git_url, build/install commands, output_dir...)."""
        return dict(self._state.extra("projects", project_id)["request"])

    def environment_image(self, env_id: int) -> str | None:
        """The image the environment runs: that of its last completed image deployment."""
        image: str | None = self._state.extra("environments", env_id)["image"]
        return image

    def deployment_image(self, deployment_id: int) -> str | None:
        image: str | None = self._state.extra("deployments", deployment_id)["image"]
        return image

    def domain_is_primary(self, domain_id: int) -> bool:
        return bool(self._state.extra("domains", domain_id)["is_primary"])

    def service_parameters(self, service_id: int) -> dict[str, str]:
        parameters: dict[str, str] = self._state.extra("services", service_id)["parameters"]
        return parameters

    def service_slug(self, service_id: int) -> str:
        return str(self._state.extra("services", service_id)["slug"])

    # --- changes behind the API's back -------------------------------------------------------------------------

    def edit_project(self, project_id: int, **fields: Any) -> JSON:
        """Set ProjectResponse fields (``deployment_config`` is merged key by key), as a dashboard edit would."""
        return self._state.edit_project(project_id, **fields)

    def edit_environment_settings(self, project_id: int, env_id: int, **fields: Any) -> JSON:
        """Set DeploymentConfig values (``cpu_limit=`` or ``cpuLimit=``) and ``branch``; ``None`` clears a value."""
        return self._state.edit_environment_settings(project_id, env_id, **fields)

    def set_deployment_status(self, deployment_id: int, status: str) -> JSON:
        """Any status string; the deployment stops progressing on its own. ``completed`` makes it current."""
        return self._state.set_deployment_status(deployment_id, status)

    def set_monitor_status(self, monitor_id: int, current_status: str, uptime_percentage: float,
                           avg_response_time_ms: float | None) -> JSON:
        return self._state.set_monitor_status(monitor_id, current_status, uptime_percentage, avg_response_time_ms)
