#!/usr/bin/env bash
# Installs everything minikube_py needs on a fresh Debian/Ubuntu machine (run as root):
# system packages, a virtualenv in .venv with the project and its test extra, a running dockerd.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3 python3-venv python3-pip docker.io iptables nftables busybox-static iproute2)

missing_packages() {
    local pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
    done
}

install_system_packages() {
    local missing
    missing=$(missing_packages)
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "setup: missing system packages: $missing (run this script as root)" >&2
        exit 1
    fi
    echo "setup: installing $missing"
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

pick_python() {
    # Any python3 >= 3.11 will do; prefer the one on PATH (pyenv, Debian 12's 3.11, ...).
    local py
    for py in python3 python3.13 python3.12 python3.11; do
        if command -v "$py" >/dev/null &&
            "$py" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$py"
            return 0
        fi
    done
    echo "setup: Python >= 3.11 with the venv module is required" >&2
    exit 1
}

install_python_packages() {
    if [ ! -x .venv/bin/python ]; then
        "$(pick_python)" -m venv .venv
    fi
    # Reinstall only when the project's requirements changed since the last install.
    local stamp=.venv/.minikube-py-installed
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
        touch "$stamp"
    fi
}

start_dockerd() {
    docker info >/dev/null 2>&1 && return 0
    echo "setup: starting dockerd"
    nohup dockerd >/var/log/minikube-py-dockerd.log 2>&1 &
    local _
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "setup: dockerd did not start; see /var/log/minikube-py-dockerd.log" >&2
    exit 1
}

install_system_packages
install_python_packages
if [ "$(id -u)" = 0 ]; then
    start_dockerd
fi
