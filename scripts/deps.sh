#!/bin/bash
# Install the Debian 12 packages forwarder's build, demo and tests need.
# Idempotent and quiet when everything is there; never prompts.
set -euo pipefail
pkgs=(
	build-essential bc flex bison libelf-dev libssl-dev dwarves cpio xz-utils kmod file
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static sparse
	iproute2 iputils-ping nftables iperf3 socat netcat-openbsd curl ethtool python3 python3-scapy python3-yaml
	libmnl-dev pkg-config libcrypt-dev systemd procps
	dpkg-dev debhelper dh-dkms groff-base
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The second kernel forwarder is checked on: Debian 12's newest 6.12 (image and headers).
# (ls fails on a fresh machine, which pipefail would turn into a silent exit)
have612=$( (ls -d /lib/modules/6.12.*+deb12-amd64/kernel /lib/modules/6.12.*+deb12-amd64/build 2>/dev/null || true) | wc -l)
[ ${#missing[@]} -eq 0 ] && [ "$have612" -ge 2 ] && exit 0

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if [ "$have612" -lt 2 ]; then
	v=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
		sed -n 's/^linux-image-\([^ ]*\) .*/\1/p' | sort -V | tail -n 1)
	[ -n "$v" ] || { echo "deps: no linux-image-6.12.*+deb12-amd64 in the archive" >&2; exit 1; }
	missing+=("linux-image-$v" "linux-headers-$v")
fi
echo "deps: installing ${missing[*]}"
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
