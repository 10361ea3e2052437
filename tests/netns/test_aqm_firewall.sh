#!/bin/bash
# The firewall plugin's rate-limit action puts matching sessions in a rate
# group (fwd_session_set_group): a TCP flow matching
# "rate-limit group 1 dir orig dport 5201" is shaped to the group's 10 Mbit/s
# within 5%, a flow to another port is not; the rule is listed with its group.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/aqm_lib.sh"
require_cmd iperf3 python3

FW_KO=$FWD_BUILD/plugins/firewall/fwd_firewall.ko
[ -f "$FW_KO" ] || skip "$FW_KO not built"

setup_topology || exit 1
load_forwarder || finish
insmod "$FW_KO" || { fail "insmod fwd_firewall"; finish; }
defer "rmmod fwd_firewall"

fw() { fwd_write firewall "$1"; }

expect_errno "rate-limit without a group" "Invalid argument" fw "add rate-limit dport 5201"
expect_errno "rate-limit group 0" "Invalid argument" fw "add rate-limit group 0 dport 5201"
expect_errno "rate-limit bad dir" "Invalid argument" fw "add rate-limit group 1 dir up dport 5201"
check "group 1: shape 10 Mbit/s" gcmd "add 1 rate 10mbit burst 64k mode shape"
check "rate-limit rule" fw "add rate-limit group 1 dir orig proto tcp dport 5201"
check "rule listed with its group" grep -q '^1 rate-limit group 1 dir orig proto tcp dport 5201 hits 0$' \
	$FWD_PROC/firewall

iperf_server 5201 || finish
iperf_server 5202 || finish
measure_capacity 5202
rate=10000000
bps=$(iperf_bps "$FWD_LOGDIR/fw-ratelimit.json" 10 -p 5201)
log "firewall rate-limit, 10 Mbit/s group: $bps bit/s ($(pct_of "$(goodput_of $rate)" "$bps"))"
rate_ok "flow in the group within 5% of $(goodput_of $rate)" "$(goodput_of $rate)" "$bps"
check "the group saw it" gfield_ge 1 conform_bytes $((rate / 8))
check "the rule counted hits" grep -Eq '^1 rate-limit .* hits [1-9]' $FWD_PROC/firewall
hits() { sed -n 's/^1 rate-limit .* hits \([0-9]*\)$/\1/p' $FWD_PROC/firewall; }
seen=$(hits)
bps=$(iperf_bps "$FWD_LOGDIR/fw-other.json" 2 -p 5202)
# Not limited: the rule never puts its sessions in the group (its hits, one
# per session it matched, stand still whatever the machine's speed); on the
# stock kernel, whose path carries several times the rate, the flow also runs
# faster than the group's rate.
expect_eq "a flow no rule matches is not put in the group (rule hits)" "$seen" "$(hits)"
if rate_judged $rate; then
	check "a flow no rule matches is not limited ($bps bit/s, unshaped $_aqm_capacity)" \
		test "$bps" -gt $((rate * 3 / 2))
fi
finish
