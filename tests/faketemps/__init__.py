"""A stateful fake Temps server for the operator's contract and cluster tests.

Temps (a self-hosted deployment platform) cannot run here, so this package stands in for it: a real HTTP server on
127.0.0.1 that keeps projects, environments, env vars, domains, deployments, external services and monitors in
memory, answers in the shapes of the Temps OpenAPI document, validates every request and response against that
document (``fake.violations``), records every call (``fake.calls``) and injects faults on demand (``fake.faults``).

    with FakeTemps(token="tk_test_token") as fake:
        httpx.get(f"{fake.url}/projects", headers={"Authorization": f"Bearer {fake.token}"})
        assert fake.violations == []
"""

from .calls import Call
from .fake import FakeTemps
from .faults import Faults, FaultSettings
from .store import ApiError

__all__ = ["ApiError", "Call", "FakeTemps", "FaultSettings", "Faults"]
