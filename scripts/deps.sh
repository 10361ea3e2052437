#!/bin/bash
# Install the Debian 12 packages forwarder's build, demo and tests need.
# Idempotent and quiet when everything is there; never prompts.
set -euo pipefail
pkgs=(
	build-essential bc flex bison libelf-dev libssl-dev dwarves cpio xz-utils kmod file
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static sparse
	iproute2 iputils-ping nftables iperf3 socat netcat-openbsd curl ethtool python3 python3-scapy
	libmnl-dev pkg-config
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
