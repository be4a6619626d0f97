#!/usr/bin/env bash
# README command two: set up this machine, check style and types, run the whole test suite.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check minikube_py tests bench
.venv/bin/ruff format --check minikube_py tests bench
.venv/bin/mypy minikube_py
exec .venv/bin/pytest -q -p no:cacheprovider "$@"
