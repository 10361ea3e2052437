#!/bin/bash
# Boot a kernel in qemu (TCG), run one command inside, return its exit status.
#
#   tests/vm/run.sh [-k stock|6.12|debug|BZIMAGE] [-o OUTDIR] [-t SECONDS] [-m MEM] -- COMMAND...
#
# stock is Debian's default kernel (6.1), 6.12 the newest installed Debian 12
# 6.12 kernel (linux-image-6.12.*+deb12-amd64). The guest sees the host's root read-only over virtio-9p (so every host tool
# works inside), tmpfs where it writes, this tree read-only at its own path and
# OUTDIR read-write. COMMAND runs from the current directory; its output is
# streamed here and kept in OUTDIR/output.log, the console in OUTDIR/console.log,
# dmesg in OUTDIR/dmesg.txt. The run fails when the command fails, when the
# kernel reports any oops/WARN/KASAN/lockdep/RCU/kmemleak problem, and when the
# guest panics, hangs (hard timeout) or never boots. FWD_VM_CMDLINE adds
# kernel parameters (preempt=full: a task can lose its CPU inside a hook).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kernel=stock
out=
timeout_s=1800
mem=2G
while getopts "k:o:t:m:h" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	o) out=$OPTARG ;;
	t) timeout_s=$OPTARG ;;
	m) mem=$OPTARG ;;
	*) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "run.sh: no command given" >&2; exit 2; }

cache=${FORWARDER_CACHE:-$HOME/.cache/forwarder}
mkdir -p "$cache"
modules=()
# want_module MODDIR NAME: NAME's dependencies (from modules.dep), then NAME itself,
# each once; nothing for a module built into the kernel.
want_module() {
	local dir=$1 name=$2 path dep
	path=$(grep -m1 -E "(^|/)$name\.ko(\.[a-z]+)?:" "$dir/modules.dep" | cut -d: -f1)
	if [ -z "$path" ]; then
		grep -q -E "/$name\.ko" "$dir/modules.builtin" 2>/dev/null && return 0
		echo "run.sh: $name.ko not found under $dir" >&2
		return 1
	fi
	case " ${modules[*]} " in *" $dir/$path "*) return 0 ;; esac
	for dep in $(grep -m1 "^$path:" "$dir/modules.dep" | cut -d: -f2-); do
		dep=$(basename "$dep")
		want_module "$dir" "${dep%%.ko*}" || return 1
	done
	case " ${modules[*]} " in *" $dir/$path "*) return 0 ;; esac
	modules+=("$dir/$path")
}

case $kernel in
stock | 6.12)
	if [ "$kernel" = stock ]; then
		kver=$("$here/../../scripts/debian-kver.sh")
	else
		kver=$("$here/../../scripts/debian-kver.sh" "$kernel")
	fi
	bzimage=/boot/vmlinuz-$kver
	for m in virtio_pci 9pnet_virtio 9p; do
		want_module "/lib/modules/$kver" $m || exit 1
	done
	;;
debug)
	bzimage=$("$here/build-kernel.sh" debug)/arch/x86/boot/bzImage
	# ACPI for the second vCPU, not for interrupt routing: it ran qemu's
	# PCI routing methods into 30-second loop timeouts under KASAN and TCG.
	# slub_debug=A marks the session cache for failslab's cache filter
	# (test_fault_inject fails its allocations alone, in softirq).
	extra_cmdline="acpi=noirq slub_debug=A,fwd_session"
	;;
*)
	bzimage=$kernel
	;;
esac
[ -r "$bzimage" ] || { echo "run.sh: kernel image $bzimage not readable" >&2; exit 1; }

# The initramfs: static busybox, /init, and the modules a stock kernel needs for 9p.
busybox=/bin/busybox
file "$busybox" 2>/dev/null | grep -q 'statically linked' || busybox=/usr/lib/busybox-static/bin/busybox
[ -x "$busybox" ] || busybox=$(command -v busybox)
key=$( { cat "$here/init" "$busybox"; printf '%s\n' "${modules[@]}"; } | sha256sum | cut -c1-16)
initrd=$cache/initramfs-$key.cpio.gz
if [ ! -f "$initrd" ]; then
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules}
	cp "$busybox" "$stage/bin/busybox"
	cp "$here/init" "$stage/init"
	for f in "${modules[@]}"; do
		name=$(basename "$f")
		name=${name%%.ko*}
		case $f in
		*.ko.xz) xz -dc "$f" > "$stage/modules/$name.ko" ;;
		*.ko.zst) zstd -qdc "$f" > "$stage/modules/$name.ko" ;;
		*.ko.gz) gzip -dc "$f" > "$stage/modules/$name.ko" ;;
		*) cp "$f" "$stage/modules/$name.ko" ;;
		esac
		echo "$name" >> "$stage/modules.list"
	done
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$stage"
fi

[ -n "$out" ] || out=$top/tests/out/vm-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/{rc,output.log,console.log,dmesg.txt,splats.txt,kmemleak.txt}
cp "$here/guest.sh" "$out/guest.sh"
{
	printf 'FWD_PWD=%q\n' "$PWD"
	# An array, each word quoted: the guest runs COMMAND's words as given.
	printf 'FWD_CMD=('
	printf ' %q' "$@"
	printf ' )\n'
	# Settings the tests take from the environment travel with the command.
	for k in $(compgen -e); do
		case $k in
		FWD_PWD | FWD_CMD) ;;
		FWD_* | FORWARDER_*) printf 'export %s=%q\n' "$k" "${!k}" ;;
		esac
	done
} > "$out/env"

# Warnings and their stack traces reach the console (loglevel 5); a soft
# lockup panics, so a stuck CPU ends the run at once with its trace. The
# kernel log holds the whole boot (fault injection's reports fill the
# default buffer), so the judge in guest.sh reads every line of it.
cmdline="console=ttyS0 panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1 kunit.enable=1 loglevel=5 log_buf_len=64M fwd.out=$out fwd.src=$top${extra_cmdline:+ $extra_cmdline}${FWD_VM_CMDLINE:+ $FWD_VM_CMDLINE}"
qemu=(qemu-system-x86_64 -accel tcg -cpu max -smp "$(nproc)" -m "$mem"
	-nodefaults -nographic -no-reboot -monitor none
	-serial "file:$out/console.log"
	-kernel "$bzimage" -initrd "$initrd" -append "$cmdline"
	-fsdev local,id=r,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=r,mount_tag=hostroot
	-fsdev "local,id=s,path=$top,security_model=none,readonly=on,multidevs=remap"
	-device virtio-9p-pci,fsdev=s,mount_tag=src
	-fsdev "local,id=o,path=$out,security_model=none,multidevs=remap"
	-device virtio-9p-pci,fsdev=o,mount_tag=out)

# Two VMs on a 2-core machine only make both slow and flaky: one at a time.
exec 8>"$cache/.vm-lock"
flock 8

start=$(date +%s)
timeout --foreground "$timeout_s" "${qemu[@]}" &
qpid=$!
touch "$out/output.log"
tail --pid=$qpid -n +1 -f "$out/output.log" &
tpid=$!
qrc=0
wait $qpid || qrc=$?
wait $tpid 2>/dev/null || true
elapsed=$(( $(date +%s) - start ))

if [ -f "$out/rc" ]; then
	rc=$(cat "$out/rc")
	echo "vm: $kernel kernel, command exited $rc after ${elapsed}s (logs: $out)"
	exit "$rc"
fi
if [ $qrc -eq 124 ]; then
	echo "vm: FAILED: hard timeout after ${timeout_s}s, the guest hung (console: $out/console.log)" >&2
else
	echo "vm: FAILED: no result from the guest (panic, oops or boot failure; qemu exited $qrc); console: $out/console.log" >&2
fi
tail -n 40 "$out/console.log" >&2
exit 1
