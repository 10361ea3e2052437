#!/bin/bash
# dfi plugin with real traffic: sessions classified by server port and by
# payload prefix (HTTP on a non-HTTP port, TLS, an SSH banner from the
# server, DNS, NTP, SSDP, memcached over UDP, and an unknown protocol), one
# count per session and class in /proc/forwarder/dfi; a large NTP response
# is flagged as a reflection shape, small SSDP and memcached ones are not.
. "$(dirname "$0")/lib.sh"
require_cmd python3

DFI_KO=$FWD_BUILD/plugins/dfi/fwd_dfi.ko
[ -f "$DFI_KO" ] || skip "$DFI_KO not built"

setup_topology || exit 1
load_forwarder || finish
insmod "$DFI_KO" || { fail "insmod fwd_dfi"; finish; }
defer "rmmod fwd_dfi"

dir=$(mktemp -d)
defer rm -rf "$dir"
cat >"$dir/srv.py" <<'PY'
import socket, threading
def tcp(port, banner=b""):
    l = socket.socket(socket.AF_INET6); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("::", port)); l.listen(8)
    while True:
        c, _ = l.accept()
        if banner: c.sendall(banner)
        while c.recv(4096): pass
        c.close()
def udp(port, size):
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.bind(("::", port))
    while True:
        d, a = u.recvfrom(4096); u.sendto(b"r" * size, a)
for p, b in ((8000, b""), (4433, b""), (2222, b"SSH-2.0-dfitest\r\n"), (5000, b"")):
    threading.Thread(target=tcp, args=(p, b), daemon=True).start()
for p, n in ((53, 40), (123, 600), (1900, 200), (11211, 100)):
    threading.Thread(target=udp, args=(p, n), daemon=True).start()
threading.Event().wait()
PY
cat >"$dir/cli.py" <<'PY'
import socket, sys, time
ip, proto, port, data = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].encode().decode("unicode_escape").encode("latin-1")
if proto == "tcp":
    s = socket.create_connection((ip, port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for _ in range(int(sys.argv[5]) if len(sys.argv) > 5 else 1):
        if data: s.sendall(data)
        time.sleep(0.2)
    s.close()
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
    s.sendto(data, (ip, port)); s.recvfrom(4096)
PY
srv python3 -S "$dir/srv.py" &
defer "kill $!"
wait_listener "$NS_SRV" t 5000 || finish
wait_listener "$NS_SRV" u 11211 || finish

c() { cli python3 -S "$dir/cli.py" $SRV_IP4 "$@" || fail "client $*"; }
c tcp 8000 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
c tcp 4433 '\x16\x03\x01\x00\x05hello'
c tcp 2222 ''
c tcp 5000 'zzzz' 5
c udp 53 '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00'
c udp 123 "\x1b$(printf '%047d' 0)"
c udp 1900 'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n'
c udp 11211 '\x00\x01\x00\x00\x00\x01\x00\x00stats\r\n'

dfi() { awk -v k="$1" '$1 == k { print $2 }' $FWD_PROC/dfi; }
for cls in http tls ssh unknown dns ntp ssdp memcached; do
	check "one $cls session" wait_eq 20 1 dfi $cls
done
expect_eq "one reflection shape (the 600-byte NTP response)" 1 "$(dfi reflection)"
check "plugins lists dfi" grep -q '^dfi -10 pre ' $FWD_PROC/plugins
check "dfi detached from decided sessions" \
	test "$(awk '$1 == "dfi" { print $7 }' $FWD_PROC/plugins)" -ge 1
expect_eq "init_net counts nothing" 0 "$(awk '$1 == "http" { print $2 }' /proc/forwarder/dfi)"
check "rmmod fwd_dfi" rmmod fwd_dfi
check "dfi file gone" fwd test ! -e /proc/forwarder/dfi
finish
