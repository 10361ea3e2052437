#!/bin/bash
# firewall plugin with real traffic: rules written through
# /proc/forwarder/firewall (bad ones refused with a reason, rate-limit without
# a group refused; rate-limit itself in test_aqm_firewall), first match wins: a session to an intercepted port
# never connects, a session dfi classifies as SSH is taken over and cut once
# classified, an accepted one flows; hits and counters in the file.
. "$(dirname "$0")/lib.sh"
require_cmd python3

DFI_KO=$FWD_BUILD/plugins/dfi/fwd_dfi.ko
FW_KO=$FWD_BUILD/plugins/firewall/fwd_firewall.ko
[ -f "$FW_KO" ] && [ -f "$DFI_KO" ] || skip "plugins not built"

setup_topology || exit 1
load_forwarder || finish
insmod "$DFI_KO" || { fail "insmod fwd_dfi"; finish; }
defer "rmmod fwd_dfi"
insmod "$FW_KO" || { fail "insmod fwd_firewall"; finish; }
defer "rmmod fwd_firewall"

fw() { fwd_write firewall "$1"; }

expect_errno "rate-limit without a group" "Invalid argument" fw "add rate-limit dport 80"
expect_errno "unknown action" "Invalid argument" fw "add drop dport 80"
expect_errno "port out of range" "Invalid argument" fw "add accept dport 99999"
expect_errno "bad address" "Invalid argument" fw "add accept src 10.0.0.300"
expect_errno "bad prefix" "Invalid argument" fw "add accept src 10.0.0.0/33"
expect_errno "unknown class" "Invalid argument" fw "add accept class gopher"
expect_errno "unknown command" "Invalid argument" fw "remove 1"
expect_eq "nothing added by refused writes" 0 "$(grep -c hits $FWD_PROC/firewall)"

check "add intercept tcp dport 5002" fw "add intercept proto tcp dport 5002"
check "add intercept class ssh" fw "add intercept class ssh"
check "add accept dst 10.0.2.0/24" fw "add accept dst 10.0.2.0/24"
check "rules listed in order" grep -q '^3 accept dst 10.0.2.0/24 hits 0$' $FWD_PROC/firewall

dir=$(mktemp -d)
defer rm -rf "$dir"
cat >"$dir/srv.py" <<'PY'
import socket, sys, threading
def serve(port, banner):
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("0.0.0.0", port)); l.listen(8)
    while True:
        c, _ = l.accept()
        if banner: c.sendall(banner)
        with open(sys.argv[1] + "/got%d" % port, "ab") as f:
            while True:
                d = c.recv(4096)
                if not d: break
                f.write(d); f.flush()
        c.close()
for p, b in ((5001, b""), (5002, b""), (2222, b"SSH-2.0-fwtest\r\n")):
    threading.Thread(target=serve, args=(p, b), daemon=True).start()
threading.Event().wait()
PY
cat >"$dir/cli.py" <<'PY'
import socket, sys, time
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
except OSError:
    sys.exit(3)
s.settimeout(1)
if sys.argv[2] == "2222":
    s.recv(100)	# the banner first: it is what classifies the session
for _ in range(5):
    try:
        s.sendall(b"hello\n")
    except OSError:
        break
    time.sleep(0.2)
s.close()
PY
touch "$dir/got5001" "$dir/got5002" "$dir/got2222"
srv python3 -S "$dir/srv.py" "$dir" &
defer "kill $!"
wait_listener "$NS_SRV" t 2222 || finish

cli python3 -S "$dir/cli.py" $SRV_IP4 5001
check "accepted session: data delivered" wait_until 5 grep -q hello "$dir/got5001"
cli python3 -S "$dir/cli.py" $SRV_IP4 5002
expect_eq "intercepted port: connect fails" 3 "$?"
cli python3 -S "$dir/cli.py" $SRV_IP4 2222
sleep 0.5
check "SSH session cut once classified: no data reached the server" test ! -s "$dir/got2222"

expect_eq "two sessions intercepted" 2 \
	"$(awk '$1 == "intercepted_sessions" { print $2 }' $FWD_PROC/firewall)"
check "packets dropped" test "$(awk '$1 == "dropped_packets" { print $2 }' $FWD_PROC/firewall)" -ge 2
check "rule 1 hit once" grep -q '^1 intercept proto tcp dport 5002 hits 1$' $FWD_PROC/firewall
check "rule 2 hit once" grep -q '^2 intercept class ssh hits 1$' $FWD_PROC/firewall
check "rule 3 hit" grep -Eq '^3 accept dst 10.0.2.0/24 hits [1-9]' $FWD_PROC/firewall
check "took_over counted" test "$(awk '$1 == "firewall" { print $6 }' $FWD_PROC/plugins)" = 2
check "flush" fw flush
expect_eq "no rules after flush" 0 "$(grep -c hits $FWD_PROC/firewall)"
finish
