#!/usr/bin/env bash
# A one-node OpenStack Swift with its S3 API (the s3api middleware) on 127.0.0.1, for the S3 tests.
#
#   bash scripts/swift.sh start    install (Debian packages) if missing, configure, start; prints KEY=VALUE lines
#   bash scripts/swift.sh status   prints the KEY=VALUE lines if it is running, exits 1 otherwise
#   bash scripts/swift.sh stop     stops what `start` started
#   bash scripts/swift.sh logs     prints the last log lines (Swift's syslog lines and each server's stderr)
#
# Idempotent: `start` on a running server only prints the lines (a server started by another version of
# this script is restarted, so config changes take effect). Starting and stopping need root (or
# password-less sudo): the packages, and Swift reads /etc/swift/swift.conf from that fixed path; `status`,
# and `start` on a running server, work for any user. Everything else (config, rings, data, logs, pid
# files) lives in one state directory, METAL_IMAGE_SWIFT_DIR (default /var/lib/metal-image-swift), which
# must be on a file system with user xattrs (Swift keeps object metadata in them: ext4 and xfs have
# them, tmpfs often not). Servers: memcached, account, container, object and proxy, all on 127.0.0.1.
# First start on a machine without the packages: about 20-30 s; later starts: about 4 s.
set -euo pipefail

STATE=${METAL_IMAGE_SWIFT_DIR:-/var/lib/metal-image-swift}
# Fixed ports away from the usual ones (Swift's 6200-6202/8080, memcached's 11211), so they do not
# clash with a real Swift or memcached on the same machine.
PROXY_PORT=18080
ACCOUNT_PORT=16012
CONTAINER_PORT=16011
OBJECT_PORT=16010
MEMCACHED_PORT=16211
ACCESS_LOG_PORT=16514
ACCOUNT=test
USER_NAME=tester
REGION=us-east-1
# Debian's python has the swift modules; pyenv or a venv may put another python3 first on PATH.
PY=/usr/bin/python3
SERVERS=(log-sink memcached account container object proxy)

log() { echo "swift.sh: $*" >&2; }

# Whether pid file $1 names a live process whose command line contains $2 (so a recycled pid is not ours).
alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  running "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2"
}

running() {
  local st
  st=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

# The string that identifies each of our processes in its command line.
needle() {
  case $1 in
    memcached) echo "-p $MEMCACHED_PORT" ;;
    *) echo "$STATE/" ;;
  esac
}

all_alive() {
  local s
  for s in "${SERVERS[@]}"; do alive "$STATE/run/$s.pid" "$(needle "$s")" || return 1; done
}

print_env() {
  echo "S3_ENDPOINT=http://127.0.0.1:$PROXY_PORT"
  echo "S3_ACCESS_KEY_ID=$ACCOUNT:$USER_NAME"
  echo "S3_SECRET_ACCESS_KEY=$(cat "$STATE/secret")"
  echo "S3_REGION=$REGION"
  echo "S3_FORCE_PATH_STYLE=true"
}

# A signed S3 request (ListBuckets, signature V2: short and stdlib-only) proves the whole chain: proxy,
# memcache, tempauth, s3api and the account server. Exits 0 on HTTP 200.
s3_ready() {
  "$PY" - "http://127.0.0.1:$PROXY_PORT" "$ACCOUNT:$USER_NAME" "$(cat "$STATE/secret")" <<'EOF'
import base64, hashlib, hmac, sys, urllib.request
from email.utils import formatdate
endpoint, key, secret = sys.argv[1:4]
date = formatdate(usegmt=True)
sig = base64.b64encode(hmac.new(secret.encode(), f"GET\n\n\n{date}\n/".encode(), hashlib.sha1).digest()).decode()
req = urllib.request.Request(endpoint + "/", headers={"Date": date, "Authorization": f"AWS {key}:{sig}"})
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
}

stop() {
  local s pid i
  # Reverse order: the proxy first, so no request reaches a half-stopped backend.
  for ((i = ${#SERVERS[@]} - 1; i >= 0; i--)); do
    s=${SERVERS[$i]}
    if alive "$STATE/run/$s.pid" "$(needle "$s")"; then
      pid=$(cat "$STATE/run/$s.pid")
      kill -TERM "$pid" 2>/dev/null || true
      # Not kill -0: an exited child of ours stays a zombie until pid 1 reaps it, which can take seconds.
      for _ in $(seq 1 50); do running "$pid" || break; sleep 0.1; done
      if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$STATE/run/$s.pid"
  done
}

install_packages() {
  local pkgs=(swift swift-proxy swift-account swift-container swift-object memcached) missing=() p created=
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} (half a minute)"
  # The packages would start their own services (memcached, rsyslog, swift-*) with stock configs that
  # listen on all interfaces; policy-rc.d exiting 101 tells invoke-rc.d not to start anything.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}")
  # Try with the package lists as they are; refresh them only if that fails (old or missing lists).
  # Other configured repositories may be unreachable: update then warns, which is fine.
  # apt's chatter goes to a log, shown only when the install fails.
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
}

write_configs() {
  local etc=$STATE/etc common
  mkdir -p "$etc" "$STATE/srv/d1" "$STATE/run" "$STATE/log" "$STATE/cache" "$STATE/bin"
  # Swift reads swift.conf from this fixed path only. Keep one that is already there (a real Swift on this
  # machine, or ours from an earlier start): changing the hash prefix/suffix would orphan stored objects.
  if [ ! -s /etc/swift/swift.conf ] || ! grep -q '^swift_hash_path_suffix *= *[^ ]' /etc/swift/swift.conf; then
    mkdir -p /etc/swift
    cat >/etc/swift/swift.conf <<EOF
# Written by metal-image-action's scripts/swift.sh: Swift reads this fixed path.
[swift-hash]
swift_hash_path_prefix = metal-image-prefix
swift_hash_path_suffix = metal-image-suffix

[storage-policy:0]
name = Policy-0
default = yes
EOF
  fi
  [ -s "$STATE/secret" ] || head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$STATE/secret"
  # Loopback-only test credentials; readable so a non-root test process can run `status`.
  chmod 644 "$STATE/secret"

  # Settings every server shares: loopback, one process (workers = 0 runs the server in-process, so the
  # pid file names the server itself), no mount checks (a plain directory, not a mounted disk), logs to
  # our syslog sink's unix socket (Swift logs only to syslog; with a UDP target each server would also
  # hold a sending UDP socket, bound to 0.0.0.0 by the kernel - the proxy's access log still does).
  common="bind_ip = 127.0.0.1
workers = 0
user = root
swift_dir = $etc
devices = $STATE/srv
mount_check = false
log_address = $STATE/run/log.sock
log_level = INFO"

  cat >"$etc/account-server.conf" <<EOF
[DEFAULT]
bind_port = $ACCOUNT_PORT
log_name = account-server
$common

[pipeline:main]
pipeline = healthcheck account-server

[filter:healthcheck]
use = egg:swift#healthcheck

[app:account-server]
use = egg:swift#account
EOF

  cat >"$etc/container-server.conf" <<EOF
[DEFAULT]
bind_port = $CONTAINER_PORT
log_name = container-server
$common

[pipeline:main]
pipeline = healthcheck container-server

[filter:healthcheck]
use = egg:swift#healthcheck

[app:container-server]
use = egg:swift#container
EOF

  cat >"$etc/object-server.conf" <<EOF
[DEFAULT]
bind_port = $OBJECT_PORT
log_name = object-server
$common

[pipeline:main]
pipeline = healthcheck object-server

[filter:healthcheck]
use = egg:swift#healthcheck

[app:object-server]
use = egg:swift#object
# Headers an object keeps besides X-Object-Meta-*: S3's Cache-Control, Expires etc. need to be listed.
allowed_headers = Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires, X-Delete-At, X-Object-Manifest, X-Robots-Tag, X-Static-Large-Object
EOF

  cat >"$etc/proxy-server.conf" <<EOF
[DEFAULT]
bind_port = $PROXY_PORT
log_name = proxy-server
$common

[pipeline:main]
# s3api must come before the auth middleware (it turns S3 signatures into what tempauth checks), and
# the memcache filter ("cache") is required: s3api and tempauth fail with "Memcache required" without it.
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = $REGION
allow_multipart_uploads = true
# As on AWS; a multipart upload is an SLO manifest, so slo's max_manifest_segments must allow as many.
max_upload_part_num = 10000

[filter:tempauth]
use = egg:swift#tempauth
# The S3 access key is "<account>:<user>", the secret this password.
user_${ACCOUNT}_${USER_NAME} = $(cat "$STATE/secret") .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging
# The access log ignores log_address and would go to /dev/log, or UDP port 514 when that is missing.
access_log_udp_host = 127.0.0.1
access_log_udp_port = $ACCESS_LOG_PORT

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo
max_manifest_segments = 10000

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes

[filter:symlink]
use = egg:swift#symlink
EOF

  cat >"$STATE/bin/log-sink.py" <<'EOF'
# Swift logs only to syslog; this takes its datagrams (unix socket for the servers, UDP for the proxy's
# access log) and appends them to one file.
import os, select, socket, sys
path, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if os.path.exists(path):
    os.unlink(path)
unix = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
unix.bind(path)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", port))
with open(out, "ab", buffering=0) as f:
    while True:
        for s in select.select([unix, udp], [], [])[0]:
            f.write(s.recv(65535).rstrip(b"\0\n") + b"\n")
EOF
}

# One python process checks xattrs and builds the three rings (part power 8, 1 replica, 1 device):
# much faster than the dozen swift-ring-builder invocations it would take otherwise.
prepare_storage() {
  "$PY" - "$STATE" "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT" <<'EOF'
import os, sys
state, ports = sys.argv[1], dict(zip(("account", "container", "object"), map(int, sys.argv[2:5])))
dev = os.path.join(state, "srv", "d1")
try:
    os.setxattr(dev, "user.metal-image-swift.check", b"1")
    os.removexattr(dev, "user.metal-image-swift.check")
except OSError as e:
    sys.exit(f"swift.sh: {dev} has no user xattrs ({e}); Swift needs them: "
             "set METAL_IMAGE_SWIFT_DIR to a directory on ext4 or xfs")
from swift.common.ring import RingBuilder
stamp_path = os.path.join(state, "etc", "rings.stamp")
stamp = f"8 1 1 {ports}"
etc = os.path.join(state, "etc")
if all(os.path.exists(os.path.join(etc, f"{n}.ring.gz")) for n in ports) and \
        os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
    sys.exit(0)
for name, port in ports.items():
    b = RingBuilder(8, 1, 1)
    b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port,
               "device": "d1", "weight": 100, "meta": ""})
    b.rebalance()
    b.save(os.path.join(etc, f"{name}.builder"))
    b.get_ring().save(os.path.join(etc, f"{name}.ring.gz"))
with open(stamp_path, "w") as f:
    f.write(stamp)
EOF
}

# Starts one process in its own session (a Swift parent signals its whole process group on shutdown),
# detached from our stdin/stdout and from the lock's fd 9.
launch() {
  local name=$1
  shift
  setsid "$@" </dev/null >"$STATE/log/$name.out" 2>&1 9>&- &
  echo $! >"$STATE/run/$name.pid"
}

start() {
  install_packages
  write_configs
  prepare_storage
  local port
  for port in $PROXY_PORT $ACCOUNT_PORT $CONTAINER_PORT $OBJECT_PORT $MEMCACHED_PORT; do
    # Something not ours on a port would answer in place of our server (bash connects via /dev/tcp).
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      log "port $port on 127.0.0.1 is taken by another process; stop it first"
      exit 1
    fi
  done
  : >"$STATE/log/swift.log"
  rm -f "$STATE/run/log.sock"
  launch log-sink "$PY" "$STATE/bin/log-sink.py" "$STATE/run/log.sock" "$ACCESS_LOG_PORT" "$STATE/log/swift.log"
  # Swift falls back to UDP syslog when the socket is not there yet when it starts.
  for _ in $(seq 1 50); do [ -S "$STATE/run/log.sock" ] && break; sleep 0.1; done
  # No UDP port (-U 0), 64 MiB is plenty for auth tokens and container info.
  launch memcached /usr/bin/memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 64 -u root
  launch account /usr/bin/swift-account-server "$STATE/etc/account-server.conf"
  launch container /usr/bin/swift-container-server "$STATE/etc/container-server.conf"
  launch object /usr/bin/swift-object-server "$STATE/etc/object-server.conf"
  launch proxy /usr/bin/swift-proxy-server "$STATE/etc/proxy-server.conf"
  local s
  for _ in $(seq 1 120); do
    if s3_ready; then
      echo "$script_sum" >"$STATE/run/script.sha256"
      return 0
    fi
    for s in "${SERVERS[@]}"; do
      if ! alive "$STATE/run/$s.pid" "$(needle "$s")"; then
        log "$s exited while starting:"
        tail -n 30 "$STATE/log/$s.out" >&2 || true
        stop
        exit 1
      fi
    done
    sleep 0.5
  done
  log "the S3 API did not answer within 60 s; last log lines:"
  tail -n 30 "$STATE/log/swift.log" >&2 || true
  stop
  exit 1
}

cmd=${1:-start}
script_sum=$(sha256sum "$0" | cut -d' ' -f1)
# A running server started by this version of the script (another version restarts it, so that config
# changes take effect).
current() { all_alive && [ "$(cat "$STATE/run/script.sha256" 2>/dev/null)" = "$script_sum" ] && s3_ready; }

if [ "$(id -u)" -ne 0 ]; then
  # Reading the state needs no root: a developer who started it with sudo can run the tests as themself.
  if [ "$cmd" = start ] || [ "$cmd" = status ]; then
    if current; then
      print_env
      exit 0
    fi
    if [ "$cmd" = status ]; then
      echo "swift.sh: not running" >&2
      exit 1
    fi
  fi
  # Installing, /etc/swift and starting need root; re-run through sudo only if it asks for no password.
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n env METAL_IMAGE_SWIFT_DIR="${METAL_IMAGE_SWIFT_DIR:-}" bash "$0" "$@"
  fi
  echo "swift.sh: needs root: run sudo bash scripts/swift.sh $cmd" >&2
  exit 1
fi

mkdir -p "$STATE"
# One start/stop at a time (parallel test processes may all call start); released when this script exits.
exec 9>"$STATE/lock"
flock 9
case $cmd in
  start)
    if current; then
      print_env
      exit 0
    fi
    # Half running (a server died, or the machine was rebooted with stale pid files): start afresh.
    stop
    t0=$SECONDS
    start
    log "started in $((SECONDS - t0)) s; logs in $STATE/log"
    print_env
    ;;
  status)
    if all_alive && s3_ready; then print_env; else
      echo "swift.sh: not running" >&2
      exit 1
    fi
    ;;
  stop) stop ;;
  restart)
    stop
    start
    print_env
    ;;
  logs)
    tail -n 40 "$STATE/log/swift.log" "$STATE"/log/*.out 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 start|stop|status|restart|logs" >&2
    exit 2
    ;;
esac
