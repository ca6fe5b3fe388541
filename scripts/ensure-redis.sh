#!/bin/sh
# Makes sure redis-server is available for the demo and the tests (they start a private,
# throwaway one). Skipped when REDIS_URL points at a running Redis. Installs it with apt-get
# where that is permitted (root on Debian/Ubuntu); otherwise says exactly what to do.
set -eu
if [ -n "${REDIS_URL:-}" ] || [ -n "${REDIS_CLUSTER_NODES:-}" ]; then exit 0; fi
if command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; then exit 0; fi

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
  if [ "$SUDO" != "none" ]; then
    echo "pipeline-health: redis-server not found; installing it with apt-get (Debian package redis-server)..." >&2
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
    # Debian's package may start a system service on 6379; we never use it (each run starts its own).
    command -v redis-server >/dev/null 2>&1 && { echo "pipeline-health: redis-server installed." >&2; exit 0; }
  fi
fi

cat >&2 <<'MSG'
pipeline-health needs redis-server, and it is not installed.
  Debian/Ubuntu:  sudo apt-get install -y redis-server
  macOS:          brew install redis
  Or point at a running Redis:  REDIS_URL=redis://localhost:6379 npm test
MSG
exit 1
