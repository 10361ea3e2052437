#!/bin/bash
# make deb, and make check's static stage: build forwarder-dkms and
# forwarder-tools with dpkg-buildpackage in a copy of the tree, then check
# what they hold: the programs, unit, manuals and example in -tools; in -dkms
# the module sources under /usr/src/forwarder-VERSION and a dkms.conf with
# VERSION's version and the kernels it builds for; and that those sources
# build the module (against KDIR, when given).
#   scripts/deb.sh [OUTDIR [KDIR]]   packages to OUTDIR (default tests/out/deb)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/tests/out/deb}
kdir=${2:-}
version=$(cat "$top/VERSION")
rm -rf "$out" && mkdir -p "$out/src"
tar -C "$top" --exclude=./.git --exclude=./tests/out -cf - . | tar -C "$out/src" -xf -
# The package is made from a clean tree: no objects, no modpost output.
make -s -C "$out/src" clean ${kdir:+KDIR="$kdir"} > "$out/clean.log" 2>&1 ||
	{ cat "$out/clean.log"; echo "deb: make clean failed in the copy"; exit 1; }
(cd "$out/src" && dpkg-buildpackage -us -uc) > "$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log"; echo "deb: dpkg-buildpackage failed (log: $out/build.log)"; exit 1; }

failed=0
fail() { echo "deb: $*"; failed=1; }
for pkg in forwarder-dkms_${version}_all forwarder-tools_${version}_amd64; do
	[ -f "$out/$pkg.deb" ] || fail "$pkg.deb not built"
done
[ $failed -eq 0 ] || exit 1
tools=$out/forwarder-tools_${version}_amd64.deb
dkms=$out/forwarder-dkms_${version}_all.deb
mkdir -p "$out/x-tools" "$out/x-dkms"
dpkg-deb -x "$tools" "$out/x-tools" && dpkg-deb -x "$dkms" "$out/x-dkms" || exit 1

for f in usr/sbin/fwdctl usr/sbin/fwd-listener lib/systemd/system/fwd-listener.service \
	usr/share/man/man8/fwdctl.8.gz usr/share/man/man8/fwd-listener.8.gz \
	usr/share/man/man5/listener.conf.5.gz usr/share/doc/forwarder/listener.conf.example; do
	[ -f "$out/x-tools/$f" ] || fail "forwarder-tools lacks /$f"
done
[ "$("$out/x-tools/usr/sbin/fwdctl" -V)" = "fwdctl $version" ] || fail "packaged fwdctl -V is not $version"
[ "$("$out/x-tools/usr/sbin/fwd-listener" --version)" = "fwd-listener $version" ] ||
	fail "packaged fwd-listener --version is not $version"
dpkg-deb -f "$tools" Depends | grep -q libmnl || fail "forwarder-tools does not depend on libmnl"
# Installed, not started: the policy comes first.
dpkg-deb -e "$tools" "$out/x-tools/DEBIAN.ctl"
! grep -qs 'deb-systemd-invoke.*start' "$out/x-tools/DEBIAN.ctl/postinst" ||
	fail "forwarder-tools starts fwd-listener on install"

src=$out/x-dkms/usr/src/forwarder-$version
conf=$src/dkms.conf
[ -f "$conf" ] || fail "forwarder-dkms lacks /usr/src/forwarder-$version/dkms.conf"
grep -qx "PACKAGE_VERSION=\"$version\"" "$conf" || fail "dkms.conf's PACKAGE_VERSION is not $version"
grep -q '^BUILD_EXCLUSIVE_KERNEL=' "$conf" || fail "dkms.conf has no BUILD_EXCLUSIVE_KERNEL"
dpkg-deb -f "$dkms" Depends | grep -q dkms || fail "forwarder-dkms does not depend on dkms"
dpkg-deb -e "$dkms" "$out/x-dkms/DEBIAN.ctl"
grep -qs "^DKMS_NAME=forwarder$" "$out/x-dkms/DEBIAN.ctl/postinst" || fail "forwarder-dkms's postinst does not run dkms"
for f in Kbuild Makefile VERSION kmod/Kbuild kmod/main.c include/forwarder/netlink.h; do
	[ -f "$src/$f" ] || fail "forwarder-dkms lacks $f"
done
if [ -e "$src/tests" ] || [ -e "$src/userspace" ]; then fail "forwarder-dkms ships tests or userspace"; fi
built=$(find "$src" -name '*.mod.c' -o -name '*.o' -o -name '*.ko')
[ -z "$built" ] || fail "forwarder-dkms ships build output: $built"
# The packaged sources are all the module needs.
if [ -n "$kdir" ] && [ $failed -eq 0 ]; then
	cp -a "$src" "$out/dkms-build"
	make -s -j"$(nproc)" -C "$out/dkms-build" module KDIR="$kdir" KCFLAGS=-Werror > "$out/dkms-build.log" 2>&1 ||
		{ tail -n 20 "$out/dkms-build.log"; fail "the packaged sources do not build against $kdir"; }
	for m in kmod/forwarder.ko plugins/dfi/fwd_dfi.ko plugins/firewall/fwd_firewall.ko \
		plugins/synretx/fwd_synretx.ko; do
		[ -f "$out/dkms-build/$m" ] || fail "the packaged sources did not build $m"
	done
	[ "$(modinfo -F version "$out/dkms-build/kmod/forwarder.ko")" = "$version" ] ||
		fail "the packaged forwarder.ko's version is not $version"
fi
[ $failed -eq 0 ] && echo "deb: forwarder-dkms and forwarder-tools $version built and complete"
exit $failed
