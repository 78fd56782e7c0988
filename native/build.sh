#!/usr/bin/env bash
# Builds the lz4block Node-API addon (native/lz4block.c + lz4's lz4.c and lz4hc.c from native/lz4/) for the
# two kinds of Linux runner, into native/prebuilt/:
#   lz4block.linux-x64-gnu.node     gcc (Debian 12's, x86-64 baseline)
#   lz4block.linux-arm64-gnu.node   aarch64-linux-gnu-gcc (Debian 12's gcc-aarch64-linux-gnu, armv8-a)
# The binaries are committed (GitHub runs dist/, which has no compiler and no node_modules); the build is
# reproducible, so `--check` rebuilds both into a temporary folder and fails when a byte differs from the
# committed ones: they provably come from these sources. Same bytes need the same compilers and linkers:
# prebuilt/toolchain.txt records them. Where they differ (or are missing) the check cannot say anything:
# under CI=true that fails, otherwise it is skipped with a message. Node-API's headers come from the `node`
# dev dependency (node_modules/node/.../include/node); they only declare, so its version does not matter.
#
#   bash native/build.sh            build and write prebuilt/ (npm run build-native)
#   bash native/build.sh --check    rebuild elsewhere and compare (npm run check-native)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
check=
[ "${1:-}" = --check ] && check=1
log() { echo "native/build.sh: $*" >&2; }

# What `--check` cannot do here: fail under CI, skip otherwise.
cannot() {
  if [ "${CI:-}" = true ]; then
    log "CI=true but $*"
    exit 1
  fi
  log "skipping the check: $* (on Debian 12: sudo apt-get install gcc gcc-aarch64-linux-gnu)"
  exit 0
}

CC_X64=${CC_X64:-gcc}
CC_ARM64=${CC_ARM64:-aarch64-linux-gnu-gcc}
toolchain() {
  local cc
  for cc in "$CC_X64" "$CC_ARM64"; do
    "$cc" --version | head -1
    "$cc" -print-prog-name=ld | xargs -I{} sh -c '{} --version | head -1'
  done
}

for cc in "$CC_X64" "$CC_ARM64"; do
  command -v "$cc" >/dev/null || {
    [ -n "$check" ] && cannot "$cc is not installed"
    log "$cc is not installed (on Debian 12: sudo apt-get install gcc gcc-aarch64-linux-gnu)"
    exit 1
  }
done
headers=$(ls -d "$root"/node_modules/node/node_modules/node-linux-*/include/node 2>/dev/null | head -1)
[ -f "$headers/node_api.h" ] || {
  log "no Node-API headers in node_modules/node (run npm ci)"
  exit 1
}
if [ -n "$check" ] && [ "$(toolchain)" != "$(cat "$here/prebuilt/toolchain.txt")" ]; then
  cannot "the compilers here are not the ones that built native/prebuilt/ (toolchain.txt):
$(toolchain | sed 's/^/  here:  /')
$(sed 's/^/  there: /' "$here/prebuilt/toolchain.txt")"
fi

out=$here/prebuilt
[ -n "$check" ] && out=$(mktemp -d)
# No paths, no timestamps, no debug info; the build id is a hash of the contents.
common=(-std=c99 -O3 -fPIC -shared -fvisibility=hidden -ffunction-sections -fdata-sections
  -Wall -Wextra -Werror -ffile-prefix-map="$root"=. -I native/lz4 -I "${headers#"$root"/}"
  -Wl,--build-id=sha1 -Wl,-z,noexecstack -Wl,-z,relro -Wl,-z,now -Wl,--as-needed -Wl,--gc-sections -s)
srcs=(native/lz4block.c native/lz4/lz4.c native/lz4/lz4hc.c)
cd "$root"
"$CC_X64" "${common[@]}" -march=x86-64 -mtune=generic "${srcs[@]}" -o "$out/lz4block.linux-x64-gnu.node"
"$CC_ARM64" "${common[@]}" -march=armv8-a -mtune=generic "${srcs[@]}" -o "$out/lz4block.linux-arm64-gnu.node"

if [ -z "$check" ]; then
  toolchain >"$out/toolchain.txt"
  log "built native/prebuilt/lz4block.linux-{x64,arm64}-gnu.node"
  exit 0
fi
status=0
for arch in x64 arm64; do
  f=lz4block.linux-$arch-gnu.node
  if cmp -s "$out/$f" "$here/prebuilt/$f"; then
    log "$f: the same bytes as a fresh build"
  else
    log "$f differs from a fresh build of native/ (run npm run build-native and commit native/prebuilt/)"
    status=1
  fi
done
rm -rf "$out"
exit $status
