#!/bin/bash
# Runs inside the VM (with the host's root as its root): the command the host
# asked for, then the kernel's own verdict. Exit status 0 only when the command
# succeeded and the kernel reported nothing: no oops, WARN, KASAN, lockdep, RCU
# or kmemleak report.
out=$(sed -n 's/.*\<fwd.out=\([^ ]*\).*/\1/p' /proc/cmdline)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8 FWD_IN_VM=1
# shellcheck source=/dev/null
. "$out/env"
cd "$FWD_PWD" || exit 125

ip link set lo up
kmemleak=/sys/kernel/debug/kmemleak
[ -w $kmemleak ] && echo clear > $kmemleak

# Under TCG, patching netfilter's static keys (on the first hook of a kind
# registered, the last one unregistered) while packets flow has hung both
# vCPUs at the patched NF_HOOK site (soft lockups on the stock kernel; the
# debug kernel has no jump labels). Empty chains on every inet hook of the
# VM's own namespace keep the keys on: loading forwarder patches no text.
nft -f /dev/stdin <<'EOF' || echo "vm: could not pin netfilter's hook keys (nft)"
table inet fwd_vm_pin {
	chain pin_pre { type filter hook prerouting priority 0; }
	chain pin_in { type filter hook input priority 0; }
	chain pin_fwd { type filter hook forward priority 0; }
	chain pin_out { type filter hook output priority 0; }
	chain pin_post { type filter hook postrouting priority 0; }
}
EOF

echo "vm: kernel $(uname -r), $(nproc) cpus"
"${FWD_CMD[@]}" 2>&1 | tee "$out/output.log"
rc=${PIPESTATUS[0]}

verdict=0
if [ -w $kmemleak ]; then
	# kmemleak ignores objects younger than 5 s: let the last frees settle, then scan twice
	# (the second scan confirms that what the first one saw is still unreferenced).
	sleep 6
	echo scan > $kmemleak
	echo scan > $kmemleak
	# A debugfs file's size is 0 whatever it holds: its text is what tells.
	# One leak is the kernel's, not ours: 6.1's sysfs_slab_add() drops a
	# new cache's kobject with kobject_del() and no kobject_put() when
	# sysfs_create_group() fails, leaking the kobject's name; only a failure
	# injected there (test_fault_inject) takes that path. Any other is judged.
	leaks=$(awk 'function judge() { if (b !~ /kobject_set_name_vargs\+.*sysfs_slab_add\+/) printf "%s", b; b = "" }
		/^unreferenced object/ { judge() }
		{ b = b $0 "\n" }
		END { judge() }' $kmemleak)
	if [ -n "$leaks" ]; then
		echo "vm: kmemleak reports leaks:"
		echo "$leaks"
		echo "$leaks" > "$out/kmemleak.txt"
		verdict=1
	fi
fi
dmesg > "$out/dmesg.txt"
# A log that no longer starts at the boot lost lines to the ring buffer: a
# report may be among them, or cut from its first line (then misjudged).
wrapped=
head -n 1 "$out/dmesg.txt" | grep -q '\] Linux version ' ||
	wrapped="the kernel log lost its start (ring buffer wrapped: raise log_buf_len in tests/vm/run.sh)"
# An allocation the fault-injection test failed on purpose may be reported
# with its stack (warn_alloc: "page allocation failure", "vmalloc error";
# a slab cache's creation; a percpu area whose pages or chunk could not be
# had, which happens only when the failed allocation needed new percpu
# pages, so from run to run): that report's Call Trace is no problem;
# everything else is judged.
awk '/: (page allocation failure|vmalloc error): |^\[[ 0-9.]*\] kmem_cache_create[_a-z]*\(.*\) failed with error -[0-9]+$|^\[[ 0-9.]*\] percpu: allocation failed, size=[0-9]+ align=[0-9]+ atomic=0, / { excused = 1 }
	/Call Trace:/ && excused { excused = 0; next }
	{ print }' "$out/dmesg.txt" |
	grep -E 'BUG:|WARNING:|KASAN|UBSAN|INFO: (possible|suspicious|task)|RCU used illegally|Call Trace:|general protection' \
		> "$out/splats.txt"
[ -n "$wrapped" ] && echo "$wrapped" >> "$out/splats.txt"
if [ -s "$out/splats.txt" ]; then
	echo "vm: the kernel reported problems (full log: $out/dmesg.txt):"
	cat "$out/splats.txt"
	verdict=1
fi
[ $rc -ne 0 ] && exit $rc
exit $verdict
