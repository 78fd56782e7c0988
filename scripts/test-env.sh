#!/usr/bin/env bash
# Installs and starts what the tests need, when it is missing: a Docker engine (Debian's docker.io,
# whose 20.10 client also gives BuildKit's tar exporter without the buildx plugin), lz4, debootstrap, rpm, unzip,
# and the debian:bookworm base image. The local OpenStack Swift (scripts/swift.sh) is installed and started
# by the tests that need it (__tests__/helpers/swift.ts), and by `npm run bench`.
# Idempotent: on a ready machine it changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo

missing=()
command -v lz4 >/dev/null || missing+=(lz4)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v md5sum >/dev/null || missing+=(coreutils)
# rpm and rpmbuild make a real rpm database for the rpm -qa tests.
command -v rpmbuild >/dev/null || missing+=(rpm)
command -v unzip >/dev/null || missing+=(unzip)
if ! docker info >/dev/null 2>&1 && ! command -v dockerd >/dev/null; then missing+=(docker.io); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  # Keep package scripts from starting services: we start dockerd ourselves, on the default socket only.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "starting dockerd" >&2
  $sudo sh -c 'nohup dockerd >/var/log/metal-image-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/metal-image-dockerd.log >&2; echo "dockerd did not start" >&2; exit 1; }
fi

bash scripts/base-image.sh debian:bookworm
