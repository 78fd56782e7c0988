#!/usr/bin/env bash
# Builds (once) the benchmark image and its rootfs tar: .cache/bench/rootfs.tar, about 1.3 GB.
# Everything lives under .cache/ (git-ignored); delete it to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
image=metal-image-bench/debian:12
out=.cache/bench
mkdir -p "$out"
bash scripts/base-image.sh debian:bookworm
# Cached after the first time (3-4 minutes); a changed Dockerfile rebuilds what changed.
DOCKER_BUILDKIT=0 docker build -q -t "$image" bench/rootfs >/dev/null
id=$(docker image inspect --format '{{.Id}}' "$image")
if [ ! -s "$out/rootfs.tar" ] || [ "$(cat "$out/image-id" 2>/dev/null)" != "$id" ]; then
  cid=$(docker create "$image" /x)
  docker export "$cid" > "$out/rootfs.tar.partial"
  docker rm -f "$cid" >/dev/null
  mv "$out/rootfs.tar.partial" "$out/rootfs.tar"
  rm -f "$out/rootfs-4g.tar"
  echo "$id" > "$out/image-id"
fi
# The 4 GB variant for the memory figure: the same entries three times, as one valid archive.
if [ ! -s "$out/rootfs-4g.tar" ]; then
  cp "$out/rootfs.tar" "$out/rootfs-4g.tar.partial"
  tar -A -f "$out/rootfs-4g.tar.partial" "$out/rootfs.tar"
  tar -A -f "$out/rootfs-4g.tar.partial" "$out/rootfs.tar"
  mv "$out/rootfs-4g.tar.partial" "$out/rootfs-4g.tar"
fi
ls -l "$out"/*.tar >&2
