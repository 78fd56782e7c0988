#!/bin/sh
# What metal-hammer runs chrooted in the freshly extracted image, after writing /etc/metal/install.yaml:
# apply the machine's settings, and tell metal-hammer in /etc/metal/boot-info.yaml which kernel, initrd
# and command line to kexec into (what metal-stack's os-installer writes).
set -eu
config=/etc/metal/install.yaml
[ -r "$config" ] || { echo "no $config" >&2; exit 1; }
value() { sed -n "s/^$1: *//p" "$config" | head -n 1 | tr -d '"'; }

hostname=$(value hostname)
[ -n "$hostname" ] && echo "$hostname" > /etc/hostname

# The console user, as metal-stack's installer makes it: metal, group sudo, install.yaml's password.
password=$(value password)
if [ -n "$password" ]; then
  id metal >/dev/null 2>&1 || useradd --create-home --uid 1000 --gid sudo --shell /bin/bash metal
  printf 'metal:%s\n' "$password" | chpasswd
fi

# Exactly one kernel, found by its System.map as os-installer does.
set -- /boot/System.map-*
if [ $# -ne 1 ] || [ ! -e "$1" ]; then
  echo "expected exactly one /boot/System.map-*, found: $*" >&2
  exit 1
fi
version=${1#/boot/System.map-}
kernel=/boot/vmlinuz-$version
initrd=/boot/initrd.img-$version
for f in "$kernel" "$initrd"; do
  [ -f "$f" ] || { echo "missing $f" >&2; exit 1; }
done

console=$(value console)
root_uuid=$(value root_uuid)
cat > /etc/metal/boot-info.yaml <<INFO
---
kernel: $kernel
initrd: $initrd
cmdline: console=${console:-ttyS0} root=UUID=$root_uuid init=/sbin/init net.ifnames=0 biosdevname=0 nvme_core.io_timeout=300
bootloader_id: metal-debian
INFO
echo "boot-info.yaml: $kernel, $initrd"
