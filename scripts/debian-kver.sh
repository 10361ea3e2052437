#!/bin/sh
# The kernel version Debian's linux-image-amd64 / linux-headers-amd64 metapackages point at.
v=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null | sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
[ -n "$v" ] || v=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
[ -n "$v" ] || { echo "debian-kver: linux-headers-amd64 is not installed" >&2; exit 1; }
echo "$v"
