#!/usr/bin/env python3
"""fwd-listener --stats, run by `make test`: the plain "name value" file and,
for a name ending in .prom, the Prometheus text format (a node_exporter
textfile): every sample has its HELP and TYPE, counters end in _total, the
values are the listener's (one client accepted, one closed early), and both
formats carry the same counters.
"""
import os
import re
import signal
import sys
import tempfile
import time

from hostlib import check, free_port, proc_dir, start_listener, summary


def run(binary, tmp, stats, port):
    """One listener, one client that connects and leaves (the start-up probe);
    the stats file at exit."""
    p = start_listener(binary, port, ["-c", "/dev/null", "-a", "127.0.0.1/32 *",
                                      "--proc-dir", tmp, "-s", stats])
    try:
        time.sleep(0.3)
        p.send_signal(signal.SIGTERM)
        check(stats + ": exit 0", p.wait(10) == 0)
    finally:
        if p.poll() is None:
            p.kill()
    with open(stats) as f:
        return f.read()


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./fwd-listener")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc_dir(tmp)
        plain = run(binary, tmp, os.path.join(tmp, "stats"), port)
        prom = run(binary, tmp, os.path.join(tmp, "stats.prom"), port + 1)

    values = {}
    for line in plain.splitlines():
        m = re.fullmatch(r"([a-z0-9_]+) (\d+)", line)
        check("plain line %r" % line, m is not None)
        if m:
            values[m.group(1)] = int(m.group(2))
    check("plain: accepted 1", values.get("accepted") == 1, repr(values))
    check("plain: closed_early 1", values.get("closed_early") == 1, repr(values))

    samples, helped, typed = {}, set(), {}
    for line in prom.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            typed[name] = kind
            continue
        m = re.fullmatch(r'(fwd_listener_[a-z0-9_]+)(\{reason="[a-z_]+"\})? (\d+)', line)
        check("prom sample %r" % line, m is not None)
        if not m:
            continue
        name = m.group(1)
        samples[name + (m.group(2) or "")] = int(m.group(3))
        check("prom %s: HELP before it" % name, name in helped)
        check("prom %s: TYPE before it" % name, name in typed)
        check("prom %s: counters end in _total, gauges do not" % name,
              (typed.get(name) == "counter") == name.endswith("_total"), typed.get(name))
    check("prom: accepted_total 1", samples.get("fwd_listener_accepted_total") == 1)
    check("prom: active is a gauge", typed.get("fwd_listener_active") == "gauge")
    # The same counters both ways: plain fallback_X is prom's reason="X".
    for name, v in values.items():
        if name.startswith("fallback_"):
            key = 'fwd_listener_fallbacks_by_reason_total{reason="%s"}' % name[9:]
        elif typed.get("fwd_listener_" + name) == "gauge":
            key = "fwd_listener_" + name
        else:
            key = "fwd_listener_%s_total" % name
        check("prom has %s as %s" % (name, key), key in samples, repr(sorted(samples)))
    check("as many samples as plain lines", len(samples) == len(values),
          "%d vs %d" % (len(samples), len(values)))
    return summary("stats.py")


if __name__ == "__main__":
    sys.exit(main())
