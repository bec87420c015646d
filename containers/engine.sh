#!/usr/bin/env bash
# engine.sh makes sure a Docker engine answers on this machine: it installs Debian's docker.io when no engine
# is installed and starts dockerd in the background when none is running. It changes nothing when `docker info`
# already answers. Needs root for the install and start steps.
set -euo pipefail

timeout_s=${OTELBENCH_ENGINE_TIMEOUT:-90}
log=${OTELBENCH_DOCKERD_LOG:-/var/log/otelbench-dockerd.log}

answers() { timeout 10 docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && answers; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "engine.sh: no Docker engine is installed and this is not root: install docker.io (or Docker Engine) and start it" >&2
    exit 1
  fi
  echo "engine.sh: installing Debian's docker.io" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

if ! command -v docker >/dev/null 2>&1; then
  echo "engine.sh: dockerd is installed but the docker client is not" >&2
  exit 1
fi

if ! answers; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "engine.sh: the Docker engine does not answer and this is not root: start it (systemctl start docker)" >&2
    exit 1
  fi
  echo "engine.sh: starting dockerd (log: $log)" >&2
  # setsid detaches dockerd from this shell's process group so that make and CI do not wait for it.
  setsid nohup dockerd >"$log" 2>&1 </dev/null &
  for _ in $(seq "$timeout_s"); do
    answers && break
    sleep 1
  done
fi

if ! answers; then
  echo "engine.sh: dockerd did not answer within ${timeout_s}s; last lines of $log:" >&2
  tail -n 20 "$log" >&2 || true
  exit 1
fi
