#!/bin/bash
# Print a directory holding the kernel's scripts/checkpatch.pl (and the files it
# reads), extracted once from Debian's linux-source-6.1 into the cache.
set -euo pipefail
cache=${FORWARDER_CACHE:-$HOME/.cache/forwarder}
dir=$cache/linux-scripts
if [ ! -f "$dir/.done" ]; then
	tarball=/usr/src/linux-source-6.1.tar.xz
	[ -f $tarball ] || { echo "kernel-scripts: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }
	rm -rf "$dir" && mkdir -p "$dir"
	tar -C "$dir" --strip-components=1 -xJf $tarball \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch "$dir/.done"
fi
echo "$dir"
