#!/bin/bash
# Everything that runs inside one VM boot: the KUnit suites (when the kernel
# has KUnit), then the netns tests. One line per test; exit 0 only if none failed.
here=$(cd "$(dirname "$0")" && pwd)
export FWD_LOGDIR=${FWD_LOGDIR:-$here/out/logs}
# make check's time budget for this boot (FWD_DEADLINE_S seconds from now),
# as a time of this guest's clock for tests/netns/run.sh.
[ -n "${FWD_DEADLINE_S:-}" ] && export FWD_DEADLINE=$(($(date +%s) + FWD_DEADLINE_S))
rc=0
if [ -d /sys/kernel/debug/kunit ]; then
	"$here/kunit/run.sh" || rc=1
else
	echo "# kunit: skipped on this kernel (no CONFIG_KUNIT; the debug kernel runs them)"
fi
"$here/netns/run.sh" "$@" || rc=1
exit $rc
