#!/bin/bash
# Hand-off while bytes are moving: the listener does not wait for quiet
# sockets. Its greeting is still unacked, the client's first bytes are
# unread, or the server is already streaming, or another thread is still
# reading, or what waits unread is more than the other socket's send buffer
# holds; the kernel must move what is unread, let each socket finish what it
# owes, and lose nothing.
. "$(dirname "$0")/lib.sh"
require_cmd socat python3
tool=$FWD_TOP/tests/netns/splice_tool.py
bytes=$(scaled 20000000)

setup_topology || exit 1
load_forwarder || finish

# 1. The client streams right after the (possibly unacked) greeting.
srv socat -t 30 TCP-LISTEN:9000,fork,reuseaddr EXEC:cat &
defer "kill $!"
fwd python3 -S "$tool" handoff --port 8080 --server $SRV_IP4:9000 --count 3 --no-wait \
	> "$FWD_LOGDIR/splice_busy.echo" 2>&1 &
defer "kill $!"
wait_listener "$NS_SRV" t 9000 && wait_listener "$NS_FWD" t 8080 || finish
for i in 1 2 3; do
	check "echo $i: client streams at once, $((bytes / 1000000)) MB each way intact" \
		cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8080 --bytes $bytes --seed $i
done
wait_eq 30 3 grep -c 'handoff ok' "$FWD_LOGDIR/splice_busy.echo" ||
	fail "not every echo connection was spliced: $(cat "$FWD_LOGDIR/splice_busy.echo")"

# 2. The server speaks first and streams (20 MB, a tenth on the debug kernel) before the hand-off is done.
head -c $bytes /dev/urandom > "$FWD_LOGDIR/splice_busy.data"
sum=$(sha256sum < "$FWD_LOGDIR/splice_busy.data" | cut -d' ' -f1)
srv socat TCP-LISTEN:9001,fork,reuseaddr OPEN:"$FWD_LOGDIR/splice_busy.data",rdonly &
defer "kill $!"
fwd python3 -S "$tool" handoff --port 8081 --server $SRV_IP4:9001 --count 3 --no-wait --no-greeting \
	> "$FWD_LOGDIR/splice_busy.download" 2>&1 &
defer "kill $!"
wait_listener "$NS_SRV" t 9001 && wait_listener "$NS_FWD" t 8081 || finish
for i in 1 2 3; do
	check "download $i: server streams first, $((bytes / 1000000)) MB intact" \
		cli python3 -S "$tool" download --connect $FWD_CLI_IP4:8081 --sha256 "$sum" --bytes $bytes
done
wait_eq 30 3 grep -c 'handoff ok' "$FWD_LOGDIR/splice_busy.download" ||
	fail "not every download was spliced: $(cat "$FWD_LOGDIR/splice_busy.download")"

# 3. Another thread of the listener keeps reading the client socket while the
# hand-off runs: what it read and what reached the server are, together, the
# client's stream, nothing lost, nothing twice (and no kernel warning). The
# client sends half its bytes at once and the rest once the hand-off has
# answered: on the debug kernel a 400 KB upload was over before the hand-off
# began (CI 2026-12-02: ENOTCONN, a half-closed connection, rightly refused).
small=$(scaled 4000000)
half=$((small / 2))
head -c "$small" "$FWD_LOGDIR/splice_busy.data" > "$FWD_LOGDIR/splice_busy.small"
small_sum=$(sha256sum < "$FWD_LOGDIR/splice_busy.small" | cut -d' ' -f1)
srv socat -u TCP-LISTEN:9002,fork,reuseaddr SYSTEM:"cat > $FWD_LOGDIR/splice_busy.sink.\$\$" &
defer "kill $!"
fwd python3 -S "$tool" handoff --port 8082 --server $SRV_IP4:9002 --count 3 --no-wait --no-greeting \
	--reader "$FWD_LOGDIR/splice_busy.read" > "$FWD_LOGDIR/splice_busy.reader" 2>&1 &
defer "kill $!"
wait_listener "$NS_SRV" t 9002 && wait_listener "$NS_FWD" t 8082 || finish
# _upload I: the small file, its second half once hand-off I has answered (60 s at most).
_upload() {
	cli sh -c "{ head -c $half '$FWD_LOGDIR/splice_busy.small'
		n=0; while [ \$(grep -c handoff '$FWD_LOGDIR/splice_busy.reader') -le $1 ] && [ \$n -lt 1200 ]; do
			sleep 0.05; n=\$((n + 1)); done
		tail -c +$((half + 1)) '$FWD_LOGDIR/splice_busy.small'; } | socat -u STDIN TCP:$FWD_CLI_IP4:8082"
}
for i in 0 1 2; do
	rm -f "$FWD_LOGDIR"/splice_busy.sink.*
	check "upload $i while another thread reads" _upload $i
	_sunk() { [ "$(cat "$FWD_LOGDIR"/splice_busy.read.$i "$FWD_LOGDIR"/splice_busy.sink.* 2>/dev/null | wc -c)" -ge "$small" ]; }
	wait_until 60 _sunk
	got=$(cat "$FWD_LOGDIR/splice_busy.read.$i" "$FWD_LOGDIR"/splice_busy.sink.* 2>/dev/null | sha256sum | cut -d' ' -f1)
	log "upload $i: the reader took $(wc -c < "$FWD_LOGDIR/splice_busy.read.$i") bytes"
	expect_eq "upload $i: reader's bytes then the server's are the stream" "$small_sum" "$got"
done
wait_eq 30 3 grep -c 'handoff ok' "$FWD_LOGDIR/splice_busy.reader" ||
	fail "not every upload was spliced: $(cat "$FWD_LOGDIR/splice_busy.reader")"

# 4. A full receive queue and a server socket with the smallest send buffer:
# the drain makes room there, where it used to answer EAGAIN for as long as
# the client kept its bytes waiting (the hand-off timed out).
_drained() { awk '$1 == "drained_bytes" { print $2 }' $FWD_PROC/splice_stats; }
drained=$(_drained)
fwd python3 -S "$tool" handoff --port 8083 --server $SRV_IP4:9000 --unread 32768 --sndbuf 4096 \
	> "$FWD_LOGDIR/splice_busy.full" 2>&1 &
defer "kill $!"
wait_listener "$NS_FWD" t 8083 || finish
check "echo: 32 KB unread, a 4 KB send buffer on the server socket, $((bytes / 1000000)) MB intact" \
	cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8083 --bytes $bytes --seed 7
check "handed off with 32 KB unread" grep -q "handoff ok" "$FWD_LOGDIR/splice_busy.full"
check "32 KB or more drained into the small buffer ($(($(_drained) - drained)) bytes)" \
	test $(($(_drained) - drained)) -ge 32768

stats=$(<$FWD_PROC/splice_stats)
log "$stats"
expect_eq "ten splices installed" "installed 10" "$(grep installed <<<"$stats")"
finish
