#!/bin/bash
# Unloading the module while every hook is busy. Two floods run throughout,
# one per vCPU: spoofed UDP from the client namespace through the forwarder
# (PRE_ROUTING there and in the server's namespace) and UDP from a socket in
# the forwarder's own namespace (LOCAL_OUT, where the splice hook reads its
# state for every packet that has a socket). Fresh tuples keep the session
# hook in its longest path, creating and evicting sessions.
#
# Unregistering a netfilter hook does not wait for a CPU already running it:
# a per-namespace table freed right after nf_unregister_net_hooks() is used by
# the hook still in flight (CI's stock run panicked on a NULL splice state in
# the splice hook; the session hook would use a freed table). The VM judges
# the kernel log: an oops fails the run. Every rmmod must succeed, and the
# floods must reach the hooks after every load.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/session_lib.sh"
require_cmd python3
# On the debug kernel one rmmod took 27 s, then 47 s, then 296 s, with or
# without pauses in the floods.
stock_only "floods stretch the debug kernel's RCU grace periods to minutes under TCG; test_splice_unload unloads under traffic there"
cycles=${FWD_UNLOAD_CYCLES:-40}
L=$FWD_LOGDIR

# udp_flood NS SRC DST STOPFILE: 8-byte datagrams over a raw socket, from SRC
# (an address, or "random" for 10.100-107.x.y) and random ports, to DST, until
# STOPFILE exists. Prints how many it sent.
udp_flood() {
	ip netns exec "$1" python3 -S - "$2" "$3" "$4" <<-'PY'
	import os, random, socket, struct, sys
	src, dst, stop = sys.argv[1:4]
	r = random.getrandbits
	def packet(saddr, sp, dp):
	    l4 = struct.pack("!HHHH", sp, dp, 16, 0) + b"unload!!"
	    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), r(16), 0, 64, 17, 0,
	                       socket.inet_aton(saddr), socket.inet_aton(dst)) + l4
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
	sent = 0
	while not os.path.exists(stop):
	    for _ in range(256):
	        saddr = src if src != "random" else "10.%d.%d.%d" % (100 + r(3), r(8), 1 + r(7))
	        try:
	            s.sendto(packet(saddr, 1024 + r(15), 9 + r(10)), (dst, 0))
	            sent += 1
	        except OSError:
	            pass
	print("sent", sent)
	PY
}

setup_topology || exit 1
fwd sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.f0.rp_filter=0
load_forwarder || finish
stop=$L/unload_traffic.stop
defer "touch $stop"
udp_flood "$NS_CLI" random $SRV_IP4 "$stop" > "$L/unload_traffic.cli" 2>&1 &
cli_flood=$!
udp_flood "$NS_FWD" $FWD_SRV_IP4 $SRV_IP4 "$stop" > "$L/unload_traffic.fwd" 2>&1 &
fwd_flood=$!

# The forwarder's namespace counts packets from both floods (forwarded and its own).
packets_past() { [ "$(fstat packets 2>/dev/null || echo 0)" -gt "$1" ]; }
failed=0
for ((i = 1; i <= cycles; i++)); do
	wait_until 30 packets_past 1000 ||
		{ fail "cycle $i: the floods did not reach the hooks"; failed=1; break; }
	seen=$(fstat packets) t0=${EPOCHREALTIME/./}
	rmmod forwarder || { fail "cycle $i: rmmod"; failed=1; break; }
	log "cycle $i: rmmod after $seen packets took $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"
	insmod "$FWD_KO" || { fail "cycle $i: insmod"; failed=1; break; }
done
[ $failed -eq 0 ] && log "ok: $cycles unloads with both floods in the hooks"
touch "$stop"
check "the client flood ran to the end" wait $cli_flood
check "the forwarder's flood ran to the end" wait $fwd_flood
log "client flood: $(cat "$L/unload_traffic.cli"); forwarder flood: $(cat "$L/unload_traffic.fwd")"
check "last rmmod: no reference left" rmmod forwarder
check "module gone" test ! -d /sys/module/forwarder
finish
