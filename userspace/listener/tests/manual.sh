#!/bin/bash
# The manuals, run by `make test`: groff finds nothing wrong in the man pages,
# and every option `fwd-listener --help` lists is in fwd-listener(8) and in
# the README's copy of the manual, so neither can fall behind the program.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$here/fwd-listener}
failed=0
for page in "$here/fwd-listener.8" "$here/listener.conf.5" "$here/../ctl/fwdctl.8"; do
	out=$(LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$page" 2>&1)
	[ -z "$out" ] || { echo "FAIL: groff warns about $page:"; echo "$out"; failed=1; }
done
opts=$("$bin" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
[ -n "$opts" ] || { echo "FAIL: no options in fwd-listener --help"; exit 1; }
# An entry is the line after .TP in the page, a line opening with a backtick
# in the README's OPTIONS.
entries8=$(awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' "$here/fwd-listener.8")
entriesmd=$(sed -n '/^## OPTIONS/,/^## /p' "$here/README.md" | grep '^`')
n=0
for o in $opts; do
	n=$((n + 1))
	grep -qF -- "${o//-/\\-}" <<< "$entries8" ||
		{ echo "FAIL: fwd-listener.8 has no entry for $o"; failed=1; }
	grep -qF -- "\`$o" <<< "$entriesmd" ||
		{ echo "FAIL: README.md has no entry for $o"; failed=1; }
done
[ $failed -eq 0 ] && echo "manual.sh: 3 man pages clean, $n options documented in both manuals"
exit $failed
