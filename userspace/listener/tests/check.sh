#!/bin/bash
# fwd-listener --check (-t), run by `make test`: a valid configuration exits 0
# and says so, an invalid file or option exits 1 with the reason (the file's
# line), and a check starts nothing and writes nothing (not the kernel's
# listen_port either, even with --port).
set -u
bin=${1:-./fwd-listener}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0 checks=0

# expect NAME STATUS PATTERN CMD...: CMD exits STATUS and prints PATTERN (stdout or stderr).
expect() {
	local name=$1 status=$2 pattern=$3 out rc
	shift 3
	checks=$((checks + 1))
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne "$status" ] || ! grep -q -- "$pattern" <<<"$out"; then
		echo "FAIL: $name: exit $rc (want $status), output: $out"
		failed=$((failed + 1))
	fi
}

printf '# a comment\nallow 10.0.2.0/24 80,443\ndeny any *\nuser alice secret\n' > "$tmp/good.conf"
printf 'allow 10.0.2.0/24 80\nallow 10.0.2.0/33 80\n' > "$tmp/bad.conf"
mkdir "$tmp/proc"
echo 0 > "$tmp/proc/listen_port"

expect "valid file" 0 "configuration is valid (2 rule(s), 1 user(s))" \
	"$bin" -t -c "$tmp/good.conf" --proc-dir "$tmp/proc"
expect "valid options, no file" 0 "configuration is valid (1 rule(s), 0 user(s))" \
	"$bin" --check -c /dev/null -a '10.0.2.0/24 80' --proc-dir "$tmp/proc"
expect "invalid file: its line" 1 "line 2" "$bin" -t -c "$tmp/bad.conf" --proc-dir "$tmp/proc"
expect "invalid file: the verdict" 1 "configuration is not valid" \
	"$bin" -t -c "$tmp/bad.conf" --proc-dir "$tmp/proc"
expect "missing file" 1 "not valid" "$bin" -t -c "$tmp/none.conf" --proc-dir "$tmp/proc"
expect "invalid --allow" 1 "--allow 'bogus'" "$bin" -t -c /dev/null -a bogus --proc-dir "$tmp/proc"
expect "a password on the command line refused" 2 "in the process list" \
	"$bin" -t -c /dev/null -u alice:s3cret --proc-dir "$tmp/proc"
# SHA-512 of "s3cret" (openssl passwd -6 -salt saltsalt s3cret)
hash='$6$saltsalt$As4wrv0kZlfch1du9WeH7qhskyLriQWySXrZzynnvi46nFnNxjdpl6ksRegrrKexvhIa/Iny8S8uF3fVWTMuC1'
expect "a password hash on the command line taken" 0 "is valid (0 rule(s), 1 user(s))" \
	"$bin" -t -c /dev/null -u "alice:$hash" --proc-dir "$tmp/proc"
expect "the example configuration shipped" 0 "is valid" \
	"$bin" -t -c "$(dirname "$0")/../listener.conf.example" --proc-dir "$tmp/proc"
expect "a check with --port" 0 "is valid" \
	"$bin" -t -p 1080 -c "$tmp/good.conf" --proc-dir "$tmp/proc"
checks=$((checks + 1))
if [ "$(cat "$tmp/proc/listen_port")" != 0 ]; then
	echo "FAIL: a check wrote listen_port: $(cat "$tmp/proc/listen_port")"
	failed=$((failed + 1))
fi
echo "check.sh: $checks checks, $failed failed"
[ $failed -eq 0 ]
