#!/bin/bash
# Rate groups, police mode: /proc/forwarder/groups refuses bad commands with
# EINVAL and changes nothing; a TCP flow bound to a 10 Mbit/s police group
# (iperf3, 10 s) gets 10 Mbit/s of IP bytes within 5%, what exceeds is
# counted and dropped; re-marking instead of dropping lets every packet
# through with its DSCP rewritten; deleting the group lets the sessions it
# policed pass unlimited;
# 64 kbit/s (burst 3000) and 200 Mbit/s groups hold their rates too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/aqm_lib.sh"
require_cmd iperf3 python3

setup_topology || exit 1
load_forwarder || finish

# ---- grammar ----------------------------------------------------------------
check "groups file empty" test -z "$(<$FWD_PROC/groups)"
expect_errno "unknown rate unit" "Invalid argument" gcmd "add 1 rate 10mbps7 burst 64k"
expect_errno "unknown size unit" "Invalid argument" gcmd "add 1 rate 10mbit burst 64q"
expect_errno "zero rate" "Invalid argument" gcmd "add 1 rate 0mbit burst 64k"
expect_errno "burst below one MTU" "Invalid argument" gcmd "add 1 rate 10mbit burst 1499"
expect_errno "id 0" "Invalid argument" gcmd "add 0 rate 10mbit burst 64k"
expect_errno "id 256" "Invalid argument" gcmd "add 256 rate 10mbit burst 64k"
expect_errno "unknown mode" "Invalid argument" gcmd "add 1 rate 10mbit burst 64k mode fast"
expect_errno "peakrate without pburst" "Invalid argument" gcmd "add 1 rate 10mbit burst 64k peakrate 20mbit"
expect_errno "change of an unknown id" "Invalid argument" gcmd "change 7 rate 1mbit"
expect_errno "del of an unknown id" "Invalid argument" gcmd "del 7"
expect_errno "bind to an unknown id" "Invalid argument" gcmd "bind 7 proto tcp"
expect_errno "unknown command" "Invalid argument" gcmd "flush"
check "groups file still empty" test -z "$(<$FWD_PROC/groups)"
expect_errno "unprivileged write" "Operation not permitted" \
	fwd setpriv --inh-caps=-all --bounding-set=-all bash -c 'echo del 1 > /proc/forwarder/groups'

check "add group 1" gcmd "add 1 rate 10mbit burst 64k mode police"
expect_errno "duplicate id" "Invalid argument" gcmd "add 1 rate 20mbit burst 64k"
expect_eq "rate read back in bit/s" 10000000 "$(gfield 1 rate | tr -d bit)"
expect_eq "burst read back in bytes" 65536 "$(gfield 1 burst)"
check "change keeps what is not given" gcmd "change 1 action drop"
expect_eq "rate unchanged" 10000000 "$(gfield 1 rate | tr -d bit)"
check "tc units: 1.5mbit" gcmd "add 2 rate 1.5mbit burst 10kb ebs 20k"
expect_eq "1.5mbit" 1500000 "$(gfield 2 rate | tr -d bit)"
check "tc units: 1mbps" gcmd "change 2 rate 1mbps"
expect_eq "1mbps = 8 Mbit/s" 8000000 "$(gfield 2 rate | tr -d bit)"
check "del 2" gcmd "del 2"
check "init_net has no group" test -z "$(cat /proc/forwarder/groups)"

# ---- a TCP flow through a 10 Mbit/s police group ------------------------------
iperf_server 5201 || finish
measure_capacity 5201
# A policer needs a burst of a few round trips of TCP's bursts (GSO packets of 64k).
check "burst 256k" gcmd "change 1 burst 256k"
check "bind iperf3 (client to server) to group 1" gcmd "bind 1 proto tcp dport 5201 dir orig"
rate=10000000
bps=$(iperf_bps "$FWD_LOGDIR/police-10m.json" 10)
log "police 10 Mbit/s: $bps bit/s goodput ($(pct_of "$(goodput_of $rate)" "$bps") of the IP rate's goodput)"
rate_ok "police 10 Mbit/s: goodput within 5% of $(goodput_of $rate)" "$(goodput_of $rate)" "$bps"
check "conform bytes counted" gfield_ge 1 conform_bytes $((rate / 8))
check "exceeding packets counted" gfield_ge 1 exceed_pkts 1
check "and dropped" gfield_ge 1 dropped 1
expect_eq "police queues nothing" 0 "$(gfield 1 queued)"

# ---- re-marking instead of dropping -------------------------------------------
# At 1 Mbit/s, a tenth of the slowest path CI measured (debug kernel), so the
# flow exceeds the rate on any machine these tests run on: every exceeding
# packet is re-marked, none dropped, and the flow goes faster than the rate.
check "action mark-dscp 10 at 1 Mbit/s" gcmd "change 1 rate 1mbit burst 64k action mark-dscp 10"
# (Each pair of counters from one read of the group's line.)
g=$(gline 1)
dropped=$(lfield "$g" dropped) exceed=$(lfield "$g" exceed_pkts) marked=$(lfield "$g" marked)
bps=$(iperf_bps "$FWD_LOGDIR/police-mark.json" 3)
g=$(gline 1)
exceed=$(($(lfield "$g" exceed_pkts) - exceed)) marked=$(($(lfield "$g" marked) - marked))
log "re-marked flow: $bps bit/s goodput, $exceed packets exceeded, $marked re-marked"
check "re-marked packets counted ($marked)" test "$marked" -ge 1
expect_eq "every exceeding packet re-marked" "$exceed" "$marked"
expect_eq "nothing more dropped" "$dropped" "$(lfield "$g" dropped)"
check "re-marked packets pass: above twice the rate ($bps bit/s)" test "$bps" -gt 2000000

# ---- the group gone: its sessions pass unlimited --------------------------------
# A session keeps its group's id; once the group is deleted its packets must
# pass unmetered. A UDP flow of 2 Mbit/s bound to group 1 (now 256 kbit/s)
# is policed, then group 1 is deleted while the flow runs: the same session
# then delivers what it sends. Judged against what the flow sends, not the
# path's speed (2 Mbit/s is far below any path measured here); the flow runs
# until it is stopped, so a slow machine cannot end it before the windows.
check "group 1 at 256 kbit/s, drop" gcmd "change 1 rate 256kbit burst 16k action drop"
check "unbind 1" gcmd "unbind 1"
check "bind UDP to group 1" gcmd "bind 1 proto udp dport 5201 dir orig"
exceed=$(gfield 1 exceed_pkts)
# Not through cli(): $! must be iperf3 itself (ip netns exec execs it) to stop it.
ip netns exec "$NS_CLI" iperf3 -c $SRV_IP4 -u -b 2M -l 1400 -t 120 > "$FWD_LOGDIR/police-del-udp.txt" 2>&1 &
flow=$!
check "UDP flow policed by group 1" wait_until 30 gfield_ge 1 exceed_pkts $((exceed + 10))
set -- $(ip_rx 1)
before=$(($1 * 8 * 1000000000 / $2))
t0=$(date +%s%N)
check "del 1 while the flow runs" gcmd "del 1"
log "del 1 took $((($(date +%s%N) - t0) / 1000000)) ms"
check "bind rules of the group went with it" test -z "$(<$FWD_PROC/groups)"
set -- $(ip_rx 1)
after=$(($1 * 8 * 1000000000 / $2))
check "the UDP flow still ran after the windows" kill -0 $flow
kill $flow 2>/dev/null
wait $flow 2>/dev/null	# iperf3 gone: the server takes the next client
log "UDP flow of 2 Mbit/s: $before bit/s of IP received before del 1, $after after"
check "policed before the delete ($before <= 1.5 x 256 kbit/s)" test "$before" -le 384000
# Unlimited: at least twice the rate the group held it to, from a flow
# sending eight times the rate (a loaded stock host delivered 1.48 and 1.99
# Mbit/s of it, a loaded debug kernel 0.79: the sender, not a group, is the
# limit then).
check "unlimited after it: above twice the rate ($after >= 512 kbit/s)" \
	test "$after" -ge 512000

# ---- 64 kbit/s and 200 Mbit/s -----------------------------------------------------
# The same kernel path as at 10 Mbit/s, with only the figure to judge: stock only.
if debug_kernel; then
	log "skipped on the debug kernel: police at 64 kbit/s and 200 Mbit/s (rates judged on stock only; the path ran above)"
else
	# tc's smallest sensible burst at 64 kbit/s (two packets, 375 ms); about
	# 200 ms of the rate at 200 Mbit/s, as 256k at 10 Mbit/s.
	rate_flow police 64kbit 64000 3000
	check "del 9" gcmd "del 9"
	rate_flow police 200mbit 200000000 5000000
	check "del 9" gcmd "del 9"
fi
finish
