#!/bin/bash
# /proc/forwarder/forward, listen_port and the splice timeouts refuse bad
# writes with the right error and change nothing.
. "$(dirname "$0")/lib.sh"
load_forwarder || finish

w() { proc_write "$2" "$1"; }

for bad in " " "1" "1 2 3" "a b" "-1 2" "1 0x2" "99999999999 1"; do
	expect_errno "forward '$bad'" "Invalid argument" w "$bad" forward
done
# 0 and 1 are not sockets in the writing shell: EBADF is not a socket error, ENOTSOCK is.
expect_errno "forward of non-sockets" "Socket operation on non-socket" w "0 1" forward
expect_errno "forward of closed fds" "Bad file descriptor" w "77 78" forward
expect_errno "forward of the same fd twice" "Invalid argument" w "5 5" forward
# One process builds the sockets of every refusal below (start-ups are dear on the debug kernel).
# A writer stuck for good would outlive timeout: that is what the dup case caught.
refusals=$(timeout 60 python3 -S "$FWD_TOP/tests/netns/splice_refusals.py" 2>&1)
log "$refusals"
refused() { sed -n "s/^$1 //p" <<<"$refusals"; }
# refusal CASE ERRNO WHAT: a kernel without the feature (no TCP-MD5, no tls module) skips the case, saying so.
refusal() {
	case $(refused "$1") in
	"skip "*) log "$3: skipped on this kernel ($(refused "$1"))" ;;
	*) expect_eq "$3" "$2" "$(refused "$1")" ;;
	esac
}
expect_eq "forward of one socket through two fds (dup)" EINVAL "$(refused dup)"
refusal md5 ENOPROTOOPT "forward of a TCP-MD5 socket"
expect_eq "forward of a socket with urgent data pending" EPROTO "$(refused oob)"
refusal ulp ENOPROTOOPT "forward of a kTLS (TCP_ULP) socket"
# A UDP socket is refused.
expect_errno "forward of a UDP socket" "Invalid argument" \
	python3 -S -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); t=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
import os; os.write(os.open("/proc/forwarder/forward", os.O_WRONLY), b"%d %d" % (s.fileno(), t.fileno()))'
# Connected but never established TCP sockets are refused.
expect_errno "forward of unconnected TCP sockets" "Transport endpoint is not connected" \
	python3 -S -c 'import socket; s=socket.socket(); t=socket.socket()
import os; os.write(os.open("/proc/forwarder/forward", os.O_WRONLY), b"%d %d" % (s.fileno(), t.fileno()))'

expect_eq "listen_port default" 0 "$(cat /proc/forwarder/listen_port)"
check "listen_port accepts 8080" w 8080 listen_port
expect_eq "listen_port reads back" 8080 "$(cat /proc/forwarder/listen_port)"
expect_errno "listen_port 65536" "Numerical result out of range" w 65536 listen_port
for bad in -1 abc "80 81" 0x50; do
	expect_errno "listen_port '$bad'" "Invalid argument" w "$bad" listen_port
done
expect_eq "listen_port unchanged by bad writes" 8080 "$(cat /proc/forwarder/listen_port)"
# Every control file takes at most 255 bytes (proc_api.md), these as well.
pad() { printf '%s%*s' "$1" $(($2 - ${#1})) ''; }
for f in listen_port splice_timeout_established splice_timeout_closing; do
	expect_errno "$f: a write of 256 bytes" "Invalid argument" w "$(pad 8081 256)" $f
done
expect_errno "forward: a write of 256 bytes" "Invalid argument" w "$(pad "0 1" 256)" forward
expect_errno "forward: a write of 255 bytes reaches the sockets" "Socket operation on non-socket" \
	w "$(pad "0 1" 255)" forward
expect_eq "listen_port unchanged by the long write" 8080 "$(cat /proc/forwarder/listen_port)"
check "listen_port: a write of 255 bytes" w "$(pad 8081 255)" listen_port
expect_eq "listen_port reads back 8081" 8081 "$(cat /proc/forwarder/listen_port)"

expect_eq "established timeout default" 900 "$(cat /proc/forwarder/splice_timeout_established)"
expect_errno "timeout 0" "Numerical result out of range" w 0 splice_timeout_established
check "timeout 30 accepted" w 30 splice_timeout_established
expect_eq "timeout reads back" 30 "$(cat /proc/forwarder/splice_timeout_established)"
expect_errno "closing timeout garbage" "Invalid argument" w "5s" splice_timeout_closing
refused_n=$((6 + $(grep -c -E '^[a-z0-9]+ E' <<<"$refusals")))
expect_eq "refused hand-offs counted" "refused $refused_n" "$(grep refused /proc/forwarder/splice_stats)"
finish
