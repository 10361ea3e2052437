#!/bin/bash
# make check's static stage: `make install DESTDIR=...` puts the modules, the
# programs, the man pages, the listener's unit and the example configuration
# in place, and `make uninstall DESTDIR=...` takes every file away again.
set -u
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
kdir=${1:-}
make -s install DESTDIR="$stage" ${kdir:+KDIR="$kdir"} > "$stage.log" 2>&1 ||
	{ cat "$stage.log"; echo "install-check: make install failed"; exit 1; }
rm -f "$stage.log"
failed=0
for f in usr/sbin/fwdctl usr/sbin/fwd-listener usr/share/man/man8/fwdctl.8 \
	usr/share/man/man8/fwd-listener.8 usr/share/man/man5/listener.conf.5 \
	lib/systemd/system/fwd-listener.service usr/share/doc/forwarder/listener.conf.example; do
	[ -f "$stage/$f" ] || { echo "install-check: $f not installed"; failed=1; }
done
for m in forwarder fwd_dfi fwd_firewall fwd_synretx; do
	find "$stage/lib/modules" -name "$m.ko" | grep -q . || { echo "install-check: $m.ko not installed"; failed=1; }
done
make -s uninstall DESTDIR="$stage" ${kdir:+KDIR="$kdir"} > /dev/null 2>&1 ||
	{ echo "install-check: make uninstall failed"; exit 1; }
left=$(find "$stage" -type f ! -path "*/lib/modules/*/modules.*")
[ -z "$left" ] || { echo "install-check: left after uninstall:"; echo "$left"; failed=1; }
[ $failed -eq 0 ] && echo "install-check: install and uninstall clean"
exit $failed
