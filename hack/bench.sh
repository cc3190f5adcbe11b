#!/usr/bin/env bash
# Benchmarks (not part of the tests' pass/fail): time to Ready, Kubernetes API requests per reconcile,
# Temps calls per sync and per idle resync, operator memory. Arguments go to benchmarks/reconcile.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash hack/setup.sh
exec .venv/bin/python -m benchmarks.reconcile "$@"
