#!/bin/bash
# The demo's script, run inside the VM: load forwarder and show what it offers.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '\n==> %s\n' "$*"; }

say "loading forwarder.ko into $(uname -r)"
insmod "$top/kmod/forwarder.ko"
dmesg | grep 'forwarder:' | tail -n 1
say "/proc/forwarder (a symlink to the namespace's own /proc/net/forwarder)"
ls -l /proc/forwarder
ls -l /proc/forwarder/
say "version: $(cat /proc/forwarder/version)"
say "every network namespace has its own directory"
ip netns add demo
ip netns exec demo ls /proc/forwarder/
ip netns del demo
say "unloading"
rmmod forwarder
[ ! -e /proc/forwarder ] && echo "/proc/forwarder is gone"
