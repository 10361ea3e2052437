#!/bin/bash
# doc-example.sh KDIR: build the plugin docs/plugin_api.md shows (the C
# block after "<!-- example: NAME.c -->"), exactly as written, against KDIR
# and the forwarder's Module.symvers (build the module first). Fails on any
# compiler or modpost warning, such as a symbol forwarder does not export.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:?usage: doc-example.sh KDIR}
doc=$top/docs/plugin_api.md
[ -f "$top/Module.symvers" ] || { echo "doc-example: no Module.symvers (run make module first)" >&2; exit 1; }
name=$(sed -n 's/^<!-- example: \(.*\)\.c -->$/\1/p' "$doc")
[ -n "$name" ] || { echo "doc-example: no example marker in $doc" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
awk -v m="<!-- example: $name.c -->" '
	$0 == m { found = 1; next }
	found && /^```c$/ { inside = 1; next }
	inside && /^```$/ { exit }
	inside { print }' "$doc" >"$dir/$name.c"
[ -s "$dir/$name.c" ] || { echo "doc-example: the $name.c block is empty" >&2; exit 1; }
printf 'obj-m += %s.o\nccflags-y += -I%s/include\n' "$name" "$top" >"$dir/Kbuild"
log=$dir/build.log
if ! make -s -C "$kdir" M="$dir" KBUILD_EXTRA_SYMBOLS="$top/Module.symvers" \
	KCFLAGS=-Werror modules >"$log" 2>&1 || grep -qiE 'warning|error' "$log"; then
	cat "$log"
	echo "doc-example: $name.c from docs/plugin_api.md does not build cleanly" >&2
	exit 1
fi
[ -f "$dir/$name.ko" ] || { echo "doc-example: no $name.ko" >&2; exit 1; }
echo "doc-example: $name.ko built from docs/plugin_api.md"
