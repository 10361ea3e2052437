#!/bin/bash
# Build (once) the test kernel from Debian's linux-source-6.1 and print its build directory.
#
#   tests/vm/build-kernel.sh [debug|plain]
#
# The build lives outside the clone, in $FORWARDER_CACHE (default ~/.cache/forwarder), keyed by a
# hash of the config fragments, the kernel source package and this script, so only the first run
# pays for it. The default flavour is "debug" (KASAN, lockdep, kmemleak, KUnit).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
flavour=${1:-debug}
cache=${FORWARDER_CACHE:-$HOME/.cache/forwarder}
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)
[ -n "$tarball" ] || { echo "build-kernel: /usr/src/linux-source-6.1.tar.xz missing (apt-get install linux-source-6.1)" >&2; exit 1; }

fragments=("$here/kernel.config")
[ "$flavour" = debug ] && fragments+=("$here/debug.config")

key=$( { cat "${fragments[@]}" "$0"; stat -c '%s %Y' "$tarball"; echo "$flavour"; } | sha256sum | cut -c1-16)
dir=$cache/kernel-$flavour-$key
mkdir -p "$cache"

exec 9>"$cache/.lock-$flavour"
flock 9

if [ -f "$dir/.done" ]; then
	echo "$dir/build"
	exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
log=$dir/build.log
echo "build-kernel: building the $flavour test kernel in $dir (first run only; log: $log)" >&2
start=$(date +%s)
tar -C "$dir" -xJf "$tarball"
mv "$dir"/linux-source-6.1 "$dir/src"
{
	make -C "$dir/src" O="$dir/build" ARCH=x86_64 allnoconfig
	"$dir/src/scripts/kconfig/merge_config.sh" -m -O "$dir/build" "$dir/build/.config" "${fragments[@]}"
	make -C "$dir/src" O="$dir/build" ARCH=x86_64 olddefconfig
} >"$log" 2>&1

# merge_config silently drops symbols whose dependencies are unmet: insist on every one we asked for.
missing=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=y) ;; *) continue ;; esac
	sym=${line%%=*}
	if ! grep -qx "$sym=y" "$dir/build/.config"; then
		echo "build-kernel: $sym=y requested but not set" >&2
		missing=1
	fi
done < <(cat "${fragments[@]}")
[ $missing -eq 0 ] || { echo "build-kernel: fix the fragments (see $dir/build/.config)" >&2; exit 1; }

if ! make -C "$dir/src" O="$dir/build" ARCH=x86_64 -j"$(nproc)" bzImage modules >>"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "build-kernel: kernel build failed (log: $log)" >&2
	exit 1
fi
touch "$dir/.done"
echo "build-kernel: done in $(( $(date +%s) - start )) s" >&2
echo "$dir/build"
