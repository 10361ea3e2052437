#!/bin/bash
# fwd-listener -d, run by `make test`: the command's exit status is the
# daemon's start-up verdict (a pid file it cannot write fails the start, with
# the reason in its log), and the pid file is locked while the daemon runs:
# a second daemon given it refuses to start and leaves it alone.
set -u
bin=$(realpath "${1:-./fwd-listener}")
tmp=$(mktemp -d)
# Every daemon this script started logs under $tmp: none outlives it.
trap 'pkill -f -- "-l $tmp/" 2>/dev/null; rm -rf "$tmp"' EXIT
failed=0 checks=0
ok() { checks=$((checks + 1)); "$@" || { echo "FAIL: ${msg:-$*}"; failed=$((failed + 1)); }; }
mkdir "$tmp/proc"
echo 0 > "$tmp/proc/listen_port"
port=$((20000 + $$ % 20000))
# daemon LOG PIDFILE PORT: start a daemon on 127.0.0.1:PORT, relaying (no module here).
daemon() {
	"$bin" -d -l "$tmp/$1" -P "$2" -b 127.0.0.1 -p "$3" -c /dev/null -a '127.0.0.1/32 *' \
		--proc-dir "$tmp/proc" 2> "$tmp/$1.err"
}

daemon bad.log /nonexistent/dir/fwd.pid $port
msg="unwritable pid file: the start fails (exit $?)" ok test $? -eq 1
msg="unwritable pid file: the parent says so" ok grep -q "did not start" "$tmp/bad.log.err"
msg="unwritable pid file: the reason is in the log" ok grep -q "cannot write pid file" "$tmp/bad.log"

daemon first.log "$tmp/fwd.pid" $port
msg="first daemon starts (exit $?)" ok test $? -eq 0
first=$(cat "$tmp/fwd.pid" 2>/dev/null)
msg="first daemon's pid file names a live process" ok kill -0 "${first:-0}"
daemon second.log "$tmp/fwd.pid" $((port + 1))
msg="second daemon on the same pid file: refused (exit $?)" ok test $? -eq 1
msg="second daemon: the log says why" ok grep -q "is locked" "$tmp/second.log"
msg="the pid file still names the first daemon" ok test "$(cat "$tmp/fwd.pid")" = "$first"
kill "$first" 2>/dev/null
for _ in $(seq 100); do kill -0 "$first" 2>/dev/null || break; sleep 0.05; done
msg="the first daemon exits on SIGTERM and removes its pid file" ok test ! -e "$tmp/fwd.pid"
echo "daemon.sh: $checks checks, $failed failed"
[ $failed -eq 0 ]
