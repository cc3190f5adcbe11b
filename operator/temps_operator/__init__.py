"""Temps operator: Temps applications declared as Kubernetes custom resources."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("temps-operator")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

GROUP = "temps.sh"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"

