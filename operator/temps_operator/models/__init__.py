"""Pydantic models of the four kinds: the single source of truth for the CRDs and the reconcilers."""

from .base import Kind, KubeModel, PrinterColumn, cel
from .common import Condition, EnvVar, Resources
from .connection import TempsConnectionSpec, TempsConnectionStatus
from .environment import Domain, TempsEnvironmentSpec, TempsEnvironmentStatus
from .monitor import TempsMonitorSpec, TempsMonitorStatus
from .project import TempsProjectSpec, TempsProjectStatus
from .service import TempsServiceSpec, TempsServiceStatus

_READY = PrinterColumn("Ready", '.status.conditions[?(@.type=="Ready")].status',
                       description="Whether the resource is Ready")
_REASON = PrinterColumn("Reason", '.status.conditions[?(@.type=="Ready")].reason', priority=1,
                        description="Why it is (not) Ready")
_AGE = PrinterColumn("Age", ".metadata.creationTimestamp", type="date")
_MODE = PrinterColumn("Mode", ".status.mode", description="Direct or Temps")

PROJECT = Kind(
    kind="TempsProject", plural="tempsprojects", short_names=("tproj",),
    spec=TempsProjectSpec, status=TempsProjectStatus,
    description="An application: its source (git or image) and the defaults of its environments.",
    columns=(
        PrinterColumn("Ready", _READY.json_path, description=_READY.description),
        PrinterColumn("Image", ".spec.image", description="Container image"),
        PrinterColumn("Repository", ".spec.git.repository", description="Git repository"),
        PrinterColumn("Envs", ".status.environments", type="integer", description="Environments"),
        _MODE, _REASON, _AGE,
    ),
)
ENVIRONMENT = Kind(
    kind="TempsEnvironment", plural="tempsenvironments", short_names=("tenv",),
    spec=TempsEnvironmentSpec, status=TempsEnvironmentStatus,
    description="One running instance of a project: image or branch, replicas, resources, env vars, domains.",
    columns=(
        PrinterColumn("Project", ".spec.projectRef.name", description="The project"),
        _READY,
        PrinterColumn("Replicas", ".status.readyReplicas", type="integer", description="Ready replicas"),
        PrinterColumn("URL", ".status.url", description="Where the environment answers"),
        _MODE, _REASON, _AGE,
    ),
    validations=(
        cel("self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
            "metadata.name must be a DNS label of at most 63 characters starting with a letter: "
            "it names the environment's Deployment, Service and Ingress"),
    ),
)
SERVICE = Kind(
    kind="TempsService", plural="tempsservices", short_names=("tsvc",),
    spec=TempsServiceSpec, status=TempsServiceStatus,
    description="A backing service (postgres, redis, mongodb, s3) linked to projects.",
    columns=(
        PrinterColumn("Type", ".spec.type", description="Service type"),
        PrinterColumn("Version", ".spec.version", description="Engine version"),
        _READY,
        PrinterColumn("Endpoint", ".status.endpoint", description="host:port"),
        _REASON, _AGE,
    ),
)
MONITOR = Kind(
    kind="TempsMonitor", plural="tempsmonitors", short_names=("tmon",),
    spec=TempsMonitorSpec, status=TempsMonitorStatus,
    description="An uptime monitor on an environment.",
    columns=(
        PrinterColumn("Environment", ".spec.environmentRef.name", description="The environment watched"),
        _READY,
        PrinterColumn("Status", ".status.currentStatus", description="up, down or unknown"),
        PrinterColumn("Uptime", ".status.uptimePercentage", type="number", description="Uptime in percent"),
        _REASON, _AGE,
    ),
)
CONNECTION = Kind(
    kind="TempsConnection", plural="tempsconnections", short_names=("tconn",),
    spec=TempsConnectionSpec, status=TempsConnectionStatus, scope="Cluster",
    description="A Temps instance: its API URL and the Secret holding its token. Resources refer to it by name.",
    columns=(
        PrinterColumn("URL", ".spec.url", description="Temps API URL"),
        _READY, _REASON, _AGE,
    ),
)
KINDS: tuple[Kind, ...] = (PROJECT, ENVIRONMENT, SERVICE, MONITOR, CONNECTION)

__all__ = [
                       "CONNECTION",
                       "ENVIRONMENT",
                       "KINDS",
                       "MONITOR",
                       "PROJECT",
                       "SERVICE",
                       "Condition",
                       "Domain",
                       "EnvVar",
                       "Kind",
                       "KubeModel",
                       "PrinterColumn",
                       "Resources",
                       "TempsConnectionSpec",
                       "TempsConnectionStatus",
                       "TempsEnvironmentSpec",
                       "TempsEnvironmentStatus",
                       "TempsMonitorSpec",
                       "TempsMonitorStatus",
                       "TempsProjectSpec",
                       "TempsProjectStatus",
                       "TempsServiceSpec",
                       "TempsServiceStatus",
]
