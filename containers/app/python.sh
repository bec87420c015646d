#!/usr/bin/env bash
# Makes sure Python 3 with venv and pip is there for applications under test written in Python (scenarios with
# `python:`, such as scenarios/flask-app.yaml): Debian's python3, python3-venv and python3-pip packages, installed
# as root when missing. The apps' own packages come from PyPI, into a virtual environment otelbench makes.
set -euo pipefail
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
if command -v python3 >/dev/null 2>&1 && python3 -m venv "$probe/venv" >/dev/null 2>&1 && "$probe/venv/bin/python" -m pip --version >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "python.sh: python3 with venv is missing; install Debian's python3 python3-venv python3-pip packages (needs root)" >&2
  exit 1
fi
echo "python.sh: installing python3, python3-venv and python3-pip (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
