#!/usr/bin/env bash
# A container registry (Debian's docker-registry package: CNCF distribution 2.8) on 127.0.0.1, for tests
# that push images (buildx's image/registry exporters, `docker push`). No TLS and no auth: Docker and
# BuildKit treat 127.0.0.0/8 registries as insecure (plain HTTP) without any daemon configuration.
#
#   bash scripts/registry.sh start    install the package if missing, configure, start; prints KEY=VALUE lines
#   bash scripts/registry.sh status   prints the KEY=VALUE lines if it is running, exits 1 otherwise
#   bash scripts/registry.sh stop     stops what `start` started
#   bash scripts/registry.sh logs     prints the last log lines
#
# Idempotent: `start` on a running registry only prints the lines (one started by another version of this
# script is restarted, so config changes take effect). The package's own service is never used: it is kept
# from starting while installing (policy-rc.d) and its boot-time start is disabled, as its stock config
# listens on all interfaces. Config, data, log and pid file live in one state directory,
# METAL_IMAGE_REGISTRY_DIR (default /var/lib/metal-image-registry). Starting and stopping need root (or
# password-less sudo); `status`, and `start` on a running registry, work for any user.
# First start on a machine without the package: about 10 s; later starts: under 1 s.
set -euo pipefail

STATE=${METAL_IMAGE_REGISTRY_DIR:-/var/lib/metal-image-registry}
# A fixed port away from the usual 5000 (the package's default, and macOS's AirPlay receiver).
PORT=15000
BIN=/usr/bin/docker-registry

log() { echo "registry.sh: $*" >&2; }

running() {
  local st
  st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# Whether the pid file names a live registry serving our config (so a recycled pid is not taken for ours).
alive() {
  local pid
  [ -s "$STATE/registry.pid" ] || return 1
  pid=$(cat "$STATE/registry.pid")
  running "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$STATE/config.yml"
}

# The registry API's base endpoint answers 200 with the distribution header (not just any HTTP server).
ready() {
  curl -fsS --max-time 3 -o /dev/null -D - "http://127.0.0.1:$PORT/v2/" 2>/dev/null |
    grep -qi '^docker-distribution-api-version: *registry/2.0'
}

print_env() {
  echo "REGISTRY_HOST=127.0.0.1:$PORT"
  echo "REGISTRY_URL=http://127.0.0.1:$PORT"
}

stop() {
  local pid
  if alive; then
    pid=$(cat "$STATE/registry.pid")
    kill -TERM "$pid" 2>/dev/null || true
    # Not kill -0: an exited child of ours stays a zombie until pid 1 reaps it.
    for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
    if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$STATE/registry.pid"
}

install_packages() {
  local missing=() created=
  dpkg-query -W -f '${Status}' docker-registry 2>/dev/null | grep -q 'ok installed' || missing+=(docker-registry)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    # The package would start its service with the stock config (all interfaces); policy-rc.d exiting 101
    # tells invoke-rc.d and deb-systemd-invoke not to start anything.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
      chmod +x /usr/sbin/policy-rc.d
      created=1
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}")
    # Try with the package lists as they are; refresh them only if that fails (old or missing lists).
    local out
    out=$(mktemp)
    if ! "${apt[@]}" >"$out" 2>&1; then
      apt-get update -qq >>"$out" 2>&1 || true
      "${apt[@]}" >>"$out" 2>&1 || { tail -30 "$out" >&2; rm -f "$out"; exit 1; }
    fi
    rm -f "$out"
    if [ -n "$created" ]; then
      rm -f /usr/sbin/policy-rc.d
      trap - EXIT
    fi
  fi
  # No start at boot either (systemd unit, or the SysV script where there is one). Both commands work on
  # the unit files and links alone, also where systemd is not running.
  if command -v systemctl >/dev/null && systemctl is-enabled -q docker-registry.service 2>/dev/null; then
    systemctl disable -q docker-registry.service 2>/dev/null || true
  fi
  if [ -e /etc/init.d/docker-registry ] && ls /etc/rc[2-5].d/S*docker-registry >/dev/null 2>&1; then
    update-rc.d docker-registry disable >/dev/null 2>&1 || true
  fi
}

write_config() {
  mkdir -p "$STATE/data"
  cat >"$STATE/config.yml" <<EOF
# Written by metal-image-action's scripts/registry.sh.
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $STATE/data
  cache:
    blobdescriptor: inmemory
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
EOF
}

start() {
  install_packages
  write_config
  # Something not ours on the port would answer in place of the registry (bash connects via /dev/tcp).
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    log "port $PORT on 127.0.0.1 is taken by another process; stop it first"
    exit 1
  fi
  # A clean environment: distribution reads REGISTRY_* variables as config overrides (REGISTRY_HTTP_ADDR...).
  setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$BIN" serve "$STATE/config.yml" \
    </dev/null >"$STATE/registry.log" 2>&1 9>&- &
  echo $! >"$STATE/registry.pid"
  for _ in $(seq 1 100); do
    if ready; then
      echo "$script_sum" >"$STATE/script.sha256"
      return 0
    fi
    if ! alive; then
      log "the registry exited while starting:"
      tail -n 20 "$STATE/registry.log" >&2 || true
      stop
      exit 1
    fi
    sleep 0.1
  done
  log "the registry did not answer within 10 s; last log lines:"
  tail -n 20 "$STATE/registry.log" >&2 || true
  stop
  exit 1
}

cmd=${1:-start}
script_sum=$(sha256sum "$0" | cut -d' ' -f1)
# A running registry started by this version of the script (another version restarts it).
current() { alive && [ "$(cat "$STATE/script.sha256" 2>/dev/null)" = "$script_sum" ] && ready; }

if [ "$(id -u)" -ne 0 ]; then
  if [ "$cmd" = start ] || [ "$cmd" = status ]; then
    if current; then
      print_env
      exit 0
    fi
    if [ "$cmd" = status ]; then
      log "not running"
      exit 1
    fi
  fi
  # Installing and starting need root; re-run through sudo only if it asks for no password.
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n env METAL_IMAGE_REGISTRY_DIR="${METAL_IMAGE_REGISTRY_DIR:-}" bash "$0" "$@"
  fi
  log "needs root: run sudo bash scripts/registry.sh $cmd"
  exit 1
fi

mkdir -p "$STATE"
# One start/stop at a time; released when this script exits.
exec 9>"$STATE/lock"
flock 9
case $cmd in
  start)
    if current; then
      print_env
      exit 0
    fi
    stop
    t0=$SECONDS
    start
    log "started in $((SECONDS - t0)) s; data and log in $STATE"
    print_env
    ;;
  status)
    if alive && ready; then print_env; else
      log "not running"
      exit 1
    fi
    ;;
  stop) stop ;;
  restart)
    stop
    start
    print_env
    ;;
  logs) tail -n 40 "$STATE/registry.log" 2>/dev/null || true ;;
  *)
    echo "usage: $0 start|stop|status|restart|logs" >&2
    exit 2
    ;;
esac
