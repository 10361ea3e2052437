#!/bin/bash
# Plugin and core module loaded and unloaded in every order while iperf3
# pushes TCP through the forwarder: a plugin cannot load without the core
# (unknown symbols) and pins it while loaded (rmmod forwarder refused);
# load/unload cycles of the plugin, and of the core with and without traffic,
# leave the transfer running and /proc/forwarder/plugins consistent. The
# debug kernel's checkers (KASAN, lockdep, kmemleak) judge the rest.
. "$(dirname "$0")/lib.sh"
require_cmd iperf3

SYNRETX_KO=$FWD_BUILD/plugins/synretx/fwd_synretx.ko
DFI_KO=$FWD_BUILD/plugins/dfi/fwd_dfi.ko
[ -f "$SYNRETX_KO" ] && [ -f "$DFI_KO" ] || skip "plugins not built"
plugin_loaded() { [ -d /sys/module/fwd_synretx ]; }
dfi_loaded() { [ -d /sys/module/fwd_dfi ]; }
defer "plugin_loaded && rmmod fwd_synretx"
defer "dfi_loaded && rmmod fwd_dfi"

setup_topology || exit 1

# The plugin needs the core's symbols.
expect_errno "plugin without forwarder.ko" "Unknown symbol" insmod "$SYNRETX_KO"
check "not loaded" bash -c '! [ -d /sys/module/fwd_synretx ]'

srv iperf3 -s -D -p 5202 --logfile /dev/null 2>/dev/null
wait_listener "$NS_SRV" t 5202 || finish
cli iperf3 -c $SRV_IP4 -p 5202 -t 24 -P 2 >/tmp/plugin_lc.$$ 2>&1 &
iperf_pid=$!
defer "kill $iperf_pid; rm -f /tmp/plugin_lc.$$"
# And a new UDP session every few ms: dfi gives each a context, alive at unload.
cli bash -c "while :; do echo x >/dev/udp/$SRV_IP4/\$((RANDOM % 1000 + 2000)); sleep 0.01; done" \
	2>/dev/null &
defer "kill $!"
sleep 1

for i in 1 2 3; do
	load_forwarder || break
	check "cycle $i: plugin loads under traffic" insmod "$SYNRETX_KO"
	check "cycle $i: dfi loads under traffic" insmod "$DFI_KO"
	check "cycle $i: plugin listed" grep -q '^synretx ' $FWD_PROC/plugins
	expect_errno "cycle $i: forwarder pinned by the plugin" "in use" rmmod forwarder
	sleep 0.5
	# dfi (holding contexts of live sessions) first, then last, then between.
	[ $i = 1 ] && { check "cycle $i: dfi unloads first" rmmod fwd_dfi; }
	check "cycle $i: plugin unloads under traffic" rmmod fwd_synretx
	check "cycle $i: plugin reloads" insmod "$SYNRETX_KO"
	sleep 0.5
	[ $i = 3 ] && { check "cycle $i: dfi unloads between" rmmod fwd_dfi; }
	check "cycle $i: plugin unloads again" rmmod fwd_synretx
	[ $i = 2 ] && { check "cycle $i: dfi unloads last" rmmod fwd_dfi; }
	check "cycle $i: plugin gone from the list" fwd bash -c '! grep -q "^synretx " /proc/forwarder/plugins'
	check "cycle $i: forwarder unloads under traffic" rmmod forwarder
	sleep 0.5
done

# Quick back-to-back cycles (fewer on the debug kernel, where each insmod is slow).
fast=10
debug_kernel && fast=3
for i in $(seq 1 $fast); do
	insmod "$FWD_KO" && insmod "$DFI_KO" && insmod "$SYNRETX_KO" &&
		rmmod fwd_dfi && rmmod fwd_synretx && rmmod forwarder ||
		{ fail "fast cycle $i"; break; }
done

load_forwarder
insmod "$SYNRETX_KO" || fail "final plugin load"
check "iperf3 finished without error" wait "$iperf_pid"
check "iperf3 moved data" grep -q 'sender' /tmp/plugin_lc.$$
check "final plugin unload" rmmod fwd_synretx
insmod "$DFI_KO" || fail "final dfi load"
_dfi_called() { [ "$(awk '$1 == "dfi" { print $5 }' $FWD_PROC/plugins)" -gt 0 ]; }
check "dfi called for the new UDP sessions" wait_until 30 _dfi_called
check "final dfi unload" rmmod fwd_dfi
finish
