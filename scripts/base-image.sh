#!/usr/bin/env bash
# Makes sure the base image the examples and tests build FROM (debian:bookworm) exists locally.
# Where no registry is reachable (these build machines), it is made with debootstrap and imported
# under the same name, so the Dockerfiles stay as they would be anywhere else.
set -euo pipefail
image=${1:-debian:bookworm}
suite=${image#*:}
docker image inspect "$image" >/dev/null 2>&1 && exit 0
if timeout 60 docker pull "$image" >/dev/null 2>&1; then exit 0; fi
echo "cannot pull $image: making it with debootstrap ($suite, minbase)" >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
command -v debootstrap >/dev/null || { $sudo apt-get update -qq && $sudo apt-get install -y -qq debootstrap; }
dir=$(mktemp -d)
trap '$sudo rm -rf "$dir"' EXIT
$sudo debootstrap --variant=minbase "$suite" "$dir/rootfs" http://deb.debian.org/debian >"$dir/log" 2>&1 \
  || { tail -20 "$dir/log" >&2; exit 1; }
$sudo tar -C "$dir/rootfs" -c . | docker import - "$image" >/dev/null
echo "imported $image" >&2
