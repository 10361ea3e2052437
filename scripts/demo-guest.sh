#!/bin/bash
# The demo, inside the VM: a client fetches a large file from a server through
# the forwarder namespace. fwd-listener answers the proxy protocol (HTTP
# CONNECT, then SOCKS5) and hands both sockets to the kernel; the kernel moves
# every byte after that. Prints the checksums, the spliced pairs and the
# listener's counters (relay_bytes: payload bytes the listener itself moved).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# The test library gives the client — forwarder — server namespaces.
# shellcheck source=../tests/netns/lib.sh
. "$top/tests/netns/lib.sh"
say() { printf '\n==> %s\n' "$*"; }
size=${FWD_DEMO_BYTES:-200000000}
port=1080
www=$(mktemp -d)
stats=$www/listener.stats

say "kernel $(uname -r): loading forwarder.ko"
load_forwarder || exit 1
dmesg | grep 'forwarder:' | tail -n 1

say "namespaces: client ($CLI_IP4) -- forwarder ($FWD_CLI_IP4 | $FWD_SRV_IP4) -- server ($SRV_IP4)"
setup_topology || exit 1

say "server: $((size / 1000000)) MB of random data over HTTP on $SRV_IP4:80"
head -c "$size" /dev/urandom > "$www/big.bin"
want=$(sha256sum < "$www/big.bin" | cut -d' ' -f1)
echo "sha256 $want"
srv python3 -m http.server --bind "$SRV_IP4" --directory "$www" 80 > "$www/http.log" 2>&1 &
defer "kill $!"
wait_listener "$NS_SRV" t 80 || exit 1

say "forwarder: fwd-listener -p $port -a '10.0.2.0/24 80'"
ip netns exec "$NS_FWD" "$top/userspace/listener/fwd-listener" -p $port -a '10.0.2.0/24 80' \
	-s "$stats" > "$www/listener.log" 2>&1 &
listener=$!
defer "kill $listener"
wait_listener "$NS_FWD" t $port || exit 1
echo "/proc/forwarder/listen_port: $(fwd cat /proc/forwarder/listen_port)"

fetch() {
	local how=$1
	shift
	say "client: curl $* http://$SRV_IP4/big.bin"
	local start end got
	start=$(date +%s.%N)
	got=$(cli curl -sS --max-time 600 "$@" "http://$SRV_IP4/big.bin" | sha256sum | cut -d' ' -f1)
	end=$(date +%s.%N)
	echo "sha256 $got"
	if [ "$got" = "$want" ]; then
		echo "$how: checksums match ($(echo "$size / ($end - $start) / 1000000" | bc) MB/s in this emulated VM)"
	else
		echo "$how: CHECKSUM MISMATCH"
		return 1
	fi
}
rc=0
fetch "HTTP CONNECT" -p -x "http://$FWD_CLI_IP4:$port" || rc=1
fetch "SOCKS5" --socks5 "$FWD_CLI_IP4:$port" || rc=1

say "/proc/forwarder/show: the spliced pairs and their byte counters"
fwd cat /proc/forwarder/show
say "/proc/forwarder/splice_stats"
fwd cat /proc/forwarder/splice_stats
kill -USR1 $listener
wait_until 5 test -s "$stats"
say "listener access log: one line per connection (handed_off: the kernel carries it on)"
grep -o 'access .*' "$www/listener.log"
say "listener counters (relay_bytes = payload bytes the listener moved itself)"
grep -E '^(accepted|handed_off|fallbacks|early_bytes|relay_bytes) ' "$stats"
relayed=$(awk '$1 == "relay_bytes" {print $2}' "$stats")
handed=$(awk '$1 == "handed_off" {print $2}' "$stats")
if [ "${handed:-0}" -ge 2 ] && [ "${relayed:-1}" -eq 0 ]; then
	echo "both transfers were spliced in the kernel: the listener moved no payload byte after the hand-off"
else
	echo "not every transfer was spliced (handed_off ${handed:-?}, relay_bytes ${relayed:-?})"
	rc=1
fi
exit $rc
