#!/bin/bash
# Helpers shared by the session manager's netns tests (source after lib.sh).

# fstat NAME: a counter from the forwarder namespace's /proc/forwarder/stats.
fstat() { fwd awk -v k="$1" '$1 == k { print $2 }' /proc/forwarder/stats; }

# fset NAME VALUE: write a tunable in the forwarder namespace.
fset() { fwd bash -c "echo $2 > /proc/forwarder/$1"; }

# sessions_match ERE: some line of the forwarder's session table matches.
sessions_match() { fwd grep -Eq -- "$1" /proc/forwarder/sessions; }

# sessions_count ERE: how many lines match.
sessions_count() { fwd grep -Ec -- "$1" /proc/forwarder/sessions; }

stat_ge() { [ "$(fstat "$1")" -ge "$2" ]; }

# A TCP connection client -> server:PORT that the test drives: data written to
# fd 5 goes to the server, which appends what it receives to $RECV; closing fd
# 5 closes the connection normally (FIN both ways).
#   open_conn IP PORT   (sets RECV and CONN_FIFO)
open_conn() {
	local ip=$1 port=$2 dir
	dir=$(mktemp -d)
	defer rm -rf "$dir"
	RECV=$dir/recv
	CONN_FIFO=$dir/fifo
	mkfifo "$CONN_FIFO"
	: > "$RECV"
	local v=4
	if [[ $ip == *:* ]]; then v=6 ip="[$ip]"; fi
	srv socat -u "TCP$v-LISTEN:$port,reuseaddr" "OPEN:$RECV,append" &
	defer kill $! 2>/dev/null
	wait_listener "$NS_SRV" t "$port" || return 1
	cli socat -u "PIPE:$CONN_FIFO" "TCP$v:$ip:$port" &
	CONN_PID=$!
	defer kill $CONN_PID 2>/dev/null
	exec 5>"$CONN_FIFO"
}

received() { grep -q "$1" "$RECV"; }
