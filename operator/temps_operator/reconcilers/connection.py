"""TempsConnection: Ready when its token Secret resolves and Temps answers an authenticated read."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..kube import TEMPS_CONNECTION, Manifest, ResourceType
from ..status import Outcome, Verdict
from .base import Reconciler


@dataclass
class ConnectionReconciler(Reconciler):
    rtype: ResourceType = field(init=False, default=TEMPS_CONNECTION)

    def observe(self, body: Manifest) -> Outcome:
        name = body["metadata"]["name"]
        client = self.connections.client(name)
        self.connections.runner.run(client.probe())
        return Outcome(Verdict("ready", "Connected", f"Temps at {body['spec']['url']} answers"))
