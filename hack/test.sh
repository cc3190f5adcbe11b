#!/usr/bin/env bash
# The test command: set up, lint, type-check, then the unit and cluster tests against the local control plane
# (or the cluster of $KUBECONFIG when it is set). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash hack/setup.sh
.venv/bin/ruff check operator tests benchmarks
.venv/bin/mypy
.venv/bin/temps-operator crds --output-dir "$(mktemp -d)" >/dev/null   # the CLI itself runs
exec .venv/bin/pytest "$@"
