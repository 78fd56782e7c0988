#!/bin/sh
# Applies the machine-specific settings metal-hammer writes to /etc/metal/install.yaml.
set -eu
config=/etc/metal/install.yaml
[ -r "$config" ] || { echo "no $config" >&2; exit 1; }
hostname=$(sed -n 's/^hostname: *//p' "$config")
[ -n "$hostname" ] && echo "$hostname" > /etc/hostname
exit 0
