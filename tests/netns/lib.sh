#!/bin/bash
# Shared helpers for the netns tests. Source it, then call setup_topology.
#
# Topology (namespace names carry the PID so tests can never collide):
#
#   $NS_CLI  c0 ---- f0  $NS_FWD  f1 ---- s0  $NS_SRV
#   10.0.1.2/24  10.0.1.1   10.0.2.1  10.0.2.2/24
#   fd00:1::2/64 fd00:1::1  fd00:2::1 fd00:2::2/64
#
# The client and server route everything through the forwarder namespace,
# which routes between them. Tests exit 0 (pass), 1 (fail) or 4 (skip,
# with "SKIP: reason" as the last line of output).
#
# Python helpers run with -S (no site): they need the standard library only,
# and site's start-up costs seconds per process on the debug kernel.

KSFT_SKIP=4
FWD_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Where the built modules and programs are (a separate tree for the debug kernel).
FWD_BUILD=${FWD_BUILD:-$FWD_TOP}
FWD_KO=$FWD_BUILD/kmod/forwarder.ko
# Where tests keep helper logs worth reading after a failure.
FWD_LOGDIR=${FWD_LOGDIR:-$(mktemp -d)}
[ -d "$FWD_LOGDIR" ] || mkdir -p "$FWD_LOGDIR"

CLI_IP4=10.0.1.2 FWD_CLI_IP4=10.0.1.1 FWD_SRV_IP4=10.0.2.1 SRV_IP4=10.0.2.2
CLI_IP6=fd00:1::2 FWD_CLI_IP6=fd00:1::1 FWD_SRV_IP6=fd00:2::1 SRV_IP6=fd00:2::2

NS_CLI= NS_FWD= NS_SRV=
_fwd_namespaces=()
_fwd_cleanups=()
_fwd_failures=0

# Each line says when in the test it was written (bash's clock: no process).
_fwd_t0=${EPOCHREALTIME/./}
_elapsed() {	# sets _at: seconds since the test began, in tenths
	local us=$((${EPOCHREALTIME/./} - _fwd_t0))
	_at=$((us / 1000000)).$((us / 100000 % 10))
}
log() { _elapsed; echo "# [${_at}s] $*"; }

fail() {
	_elapsed
	echo "FAIL: $* [${_at}s]" >&2
	_fwd_failures=$((_fwd_failures + 1))
}

skip() {
	echo "SKIP: $*"
	exit $KSFT_SKIP
}

# check DESCRIPTION CMD...: run CMD, record a failure if it fails.
check() {
	local what=$1
	shift
	if "$@"; then
		log "ok: $what"
	else
		fail "$what"
	fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" == "$3" ]; then
		log "ok: $1 ($3)"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# expect_errno DESCRIPTION ERRNO_TEXT CMD...: CMD must fail and say ERRNO_TEXT (e.g. "Invalid argument").
expect_errno() {
	local what=$1 want=$2 msg
	shift 2
	if msg=$("$@" 2>&1); then
		fail "$what: succeeded, expected '$want'"
	elif [[ $msg == *"$want"* ]]; then
		log "ok: $what refused ($want)"
	else
		fail "$what: expected '$want', got '$msg'"
	fi
}

# Run at exit, last registered first.
defer() { _fwd_cleanups+=("$*"); }

finish() {
	[ $_fwd_failures -eq 0 ] && exit 0
	echo "$_fwd_failures check(s) failed" >&2
	exit 1
}

# ns_pid NS [COMM]: the PID of a process (named COMM) in namespace NS, found
# without starting one: its /proc/PID/net shows that namespace's files.
ns_pid() {
	local p comm
	for p in /proc/[0-9]*; do
		[[ $p/ns/net -ef /run/netns/$1 ]] || continue
		[ -n "${2:-}" ] && { read -r comm < "$p/comm" && [ "$comm" = "$2" ] || continue; }
		echo "${p#/proc/}"
		return 0
	done 2>/dev/null
	return 1
}

# Kills what still runs in the test's namespaces, then deletes them with one
# ip process (on the debug kernel each process start costs about 0.4 s).
_fwd_cleanup() {
	local i ns p pids=() batch=
	for ((i = ${#_fwd_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_fwd_cleanups[i]}" >/dev/null 2>&1 || true
	done
	[ ${#_fwd_namespaces[@]} -eq 0 ] && return
	for p in /proc/[0-9]*; do
		for ns in "${_fwd_namespaces[@]}"; do
			[[ $p/ns/net -ef /run/netns/$ns ]] && pids+=("${p#/proc/}")
		done
	done 2>/dev/null
	[ ${#pids[@]} -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null
	for ns in "${_fwd_namespaces[@]}"; do batch+="netns del $ns"$'\n'; done
	ip -force -batch - <<< "$batch" 2>/dev/null
}
trap _fwd_cleanup EXIT

# new_ns VAR: create a namespace and store its name in VAR.
new_ns() {
	local name
	name="fwd-${1,,}-$$-$RANDOM"
	ip netns add "$name" || return 1
	_fwd_namespaces+=("$name")
	printf -v "$1" '%s' "$name"
}

cli() { ip netns exec "$NS_CLI" "$@"; }
fwd() { ip netns exec "$NS_FWD" "$@"; }
srv() { ip netns exec "$NS_SRV" "$@"; }
# The unprivileged user permission checks run as: uid and gid 65534, no groups.
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# _setup_end NS DEV IP4 IP6 GW4 GW6: a client or server end, routed via the forwarder.
_setup_end() {
	ip -n "$1" -batch - <<-EOF
		link set lo up
		addr add $3/24 dev $2
		addr add $4/64 dev $2 nodad
		link set $2 up
		route add default via $5
		route add ::/0 via $6
	EOF
}

# One ip process per namespace (ip -batch): every process start costs a
# good part of a second on the debug kernel under TCG.
setup_topology() {
	new_ns NS_CLI && new_ns NS_FWD && new_ns NS_SRV || return 1
	ip -batch - <<-EOF || skip "no veth support"
		link add c0 netns $NS_CLI type veth peer name f0 netns $NS_FWD
		link add s0 netns $NS_SRV type veth peer name f1 netns $NS_FWD
	EOF
	_setup_end "$NS_CLI" c0 $CLI_IP4 $CLI_IP6 $FWD_CLI_IP4 $FWD_CLI_IP6 || return 1
	ip -n "$NS_FWD" -batch - <<-EOF || return 1
		link set lo up
		addr add $FWD_CLI_IP4/24 dev f0
		addr add $FWD_CLI_IP6/64 dev f0 nodad
		addr add $FWD_SRV_IP4/24 dev f1
		addr add $FWD_SRV_IP6/64 dev f1 nodad
		link set f0 up
		link set f1 up
	EOF
	_setup_end "$NS_SRV" s0 $SRV_IP4 $SRV_IP6 $FWD_SRV_IP4 $FWD_SRV_IP6 || return 1
	fwd sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	_fwd_anchor
}

# FWD_PROC: the forwarder namespace's /proc/forwarder, read from here without
# a process per read (ip netns exec costs two process starts and a mount;
# bash reads it with none). A process that stays in the namespace lends it
# its /proc/PID/net; the cleanup kills it with the rest.
FWD_PROC=
_fwd_anchor() {
	local pid
	ip netns exec "$NS_FWD" sleep infinity </dev/null >/dev/null 2>&1 &
	pid=$!
	disown $pid	# killed at cleanup without a "Killed" notice
	# ip enters the namespace, then becomes sleep: until then its /proc/PID/net is ours.
	_in_fwd_ns() { [[ /proc/$pid/ns/net -ef /run/netns/$NS_FWD ]]; }
	wait_until 30 _in_fwd_ns || { fail "no process in the forwarder namespace"; return 1; }
	FWD_PROC=/proc/$pid/net/forwarder
}

# nap SECONDS: sleep without a process. Starting one costs about a second on
# the debug kernel under TCG (sleep 0.05 took 1 s there), and a poll loop of
# them kept a vCPU busy away from the work it waited for. read -t on a pipe
# nobody writes to (we hold its write end, so it never sees EOF) waits instead.
exec {_nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$_nap_fd" _ || true; }

# wait_until SECONDS CMD...: poll CMD until it succeeds; fail after SECONDS.
# The pause between polls grows from 50 ms to 400 ms: a long wait leaves the
# CPU to what it waits for instead of to the commands that check it.
wait_until() {
	local deadline=$((SECONDS + $1)) pause=50
	shift
	until "$@"; do
		[ $SECONDS -ge $deadline ] && return 1
		nap "0.$(printf '%03d' $pause)"
		[ $pause -lt 400 ] && pause=$((pause * 2))
	done
	return 0
}

# count_matching FILE STRING: how many lines of FILE contain STRING, without a
# process (grep -c costs a second a poll on the debug kernel).
count_matching() {
	local line n=0
	while IFS= read -r line; do
		[[ $line == *"$2"* ]] && n=$((n + 1))
	done < "$1"
	echo $n
}

# wait_eq SECONDS VALUE CMD...: poll (re-running CMD) until CMD prints VALUE.
wait_eq() {
	local secs=$1
	shift
	wait_until "$secs" _prints "$@"
}
_prints() {
	local want=$1
	shift
	[ "$("$@" 2>/dev/null)" = "$want" ]
}

_listening() { [ -n "$(ip netns exec "$1" ss -H -l "-$2" -n "sport = :$3" 2>/dev/null)" ]; }

# wait_listener NS t|u PORT: wait until something listens on PORT in NS
# (a generous limit: Python takes seconds to start on the debug kernel).
wait_listener() {
	wait_until 60 _listening "$@" || { fail "nothing listening on $2 port $3 in $1"; return 1; }
}

# The debug kernel (KASAN, kmemleak) runs everything several times slower under TCG.
debug_kernel() { [ -e /sys/kernel/debug/kmemleak ]; }

# stock_only REASON: skip on the debug kernel. For tests of userspace alone:
# the kernel paths they reach are run there by other tests.
stock_only() { ! debug_kernel || skip "stock kernel only: $*"; }

# scaled BYTES: BYTES on the stock kernel, a tenth on the debug kernel, where
# the checkers need the same code paths, not the same volume.
scaled() { if debug_kernel; then echo $(($1 / 10)); else echo "$1"; fi; }

fwd_loaded() { [ -d /sys/module/forwarder ]; }

load_forwarder() {
	fwd_loaded && return 0
	insmod "$FWD_KO" "$@" || { fail "insmod $FWD_KO"; return 1; }
	defer unload_forwarder
}

unload_forwarder() {
	fwd_loaded || return 0
	rmmod forwarder
}

# proc_write FILE VALUE: one write(2) of VALUE to /proc/forwarder/FILE (bash's
# printf flushes its buffer once); on failure the shell prints the errno text
# (strerror) and the status is non-zero.
proc_write() {
	printf '%s' "$2" > "/proc/forwarder/$1"
}

# fwd_write FILE VALUE: proc_write in the forwarder namespace.
fwd_write() {
	fwd bash -c 'printf "%s" "$2" > "/proc/forwarder/$1"' fwd_write "$1" "$2"
}

# splice_state PORT: what a failed splice test needs to be understood, into its log:
# the splice counters, the pair on the listener's PORT, and both ends' sockets.
splice_state() {
	log "splice_stats: $(tr '\n' ' ' < "$FWD_PROC/splice_stats")"
	log "pair: $(grep "local $FWD_CLI_IP4:$1 " "$FWD_PROC/show")"
	log "client sockets: $(cli ss -tin | tr '\n' ' ')"
	log "server sockets: $(srv ss -tin | tr '\n' ' ')"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "$c is not installed"
	done
}
