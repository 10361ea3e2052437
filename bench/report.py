#!/usr/bin/env python3
"""Turn the raw benchmark output into bench/results/latest.md and PNG plots.

Each figure is the median of its runs with the spread (min-max), next to its
baseline from the same VM boot, as a ratio, with the target to beat."""
import statistics
import sys
from pathlib import Path


THROUGHPUT = ("route", "splice", "haproxy", "socat")


def runs(path):
    """{figure: [numbers]} from lines "name [streams] run1 run2 ..."."""
    out = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if f[0] in THROUGHPUT and len(f) > 2:
            key, vals = f[0] + " " + f[1], f[2:]
        else:
            key, vals = f[0], f[1:]
        nums = [float(x) for x in vals if _num(x)]
        if nums:
            out[key] = nums
    return out


def _num(x):
    try:
        float(x)
        return True
    except ValueError:
        return False


def med(v):
    return statistics.median(v) if v else None


def spread(v):
    return "%g-%g" % (min(v), max(v)) if v else "-"


def main():
    raw, outdir = Path(sys.argv[1]), Path(sys.argv[2])
    sp = runs(raw / "splice.txt")
    se = runs(raw / "session.txt")
    rows = []

    def row(fig, ours, base, unit, target, base_name):
        o, b = med(ours or []), med(base or [])
        ratio = "%.2f" % (o / b) if o and b else "-"
        rows.append((fig, "%s %s (%s)" % (o if o is not None else "-", unit, spread(ours or [])),
                     "%s: %s %s (%s)" % (base_name, b if b is not None else "-", unit, spread(base or [])),
                     ratio, target))

    for n in ("1", "8"):
        row("splice throughput, %s stream(s)" % n, sp.get("splice " + n), sp.get("route " + n),
            "Mbit/s", ">= 0.9", "routing")
        row("splice vs HAProxy splice-auto, %s stream(s)" % n, sp.get("splice " + n),
            sp.get("haproxy " + n), "Mbit/s", ">= 2", "haproxy")
        row("splice vs socat, %s stream(s)" % n, sp.get("splice " + n), sp.get("socat " + n),
            "Mbit/s", "-", "socat")
    row("forwarded packets/s with forwarder.ko", se.get("forwarder"), se.get("none"), "pkt/s",
        ">= nf_conntrack's ratio", "nothing loaded")
    row("forwarded packets/s with nf_conntrack", se.get("nf_conntrack"), se.get("none"), "pkt/s",
        "-", "nothing loaded")
    size = se.get("session_size")
    rows.append(("bytes per session (no metadata)", "%g" % size[0] if size else "-", "-", "-", "<= 256"))

    md = ["# Benchmark results", "",
          "Medians of 3 runs (spread in parentheses), each against its baseline from the same VM boot",
          "(qemu TCG: absolute numbers mean little, ratios are the figures).", "",
          "| figure | ours | baseline | ratio | target |", "| --- | --- | --- | --- | --- |"]
    md += ["| %s |" % " | ".join(r) for r in rows]
    aqm = raw / "aqm.txt"
    if aqm.exists():
        md += ["", "## Rate groups (bench/aqm_bench.sh)", ""]
        md += [l for l in aqm.read_text().splitlines() if l.startswith("|") or not l]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        names = [k for k in THROUGHPUT if "%s 1" % k in sp]
        if names:
            fig, ax = plt.subplots(figsize=(7, 4))
            w = 0.35
            for j, n in enumerate(("1", "8")):
                ax.bar([i + j * w for i in range(len(names))],
                       [med(sp.get("%s %s" % (k, n), [])) or 0 for k in names],
                       w, label="%s stream(s)" % n)
            ax.set_xticks([i + w / 2 for i in range(len(names))])
            ax.set_xticklabels(names)
            ax.set_ylabel("Mbit/s (median)")
            ax.set_title("Throughput client -> server through the forwarder namespace")
            ax.legend()
            fig.tight_layout()
            fig.savefig(outdir / "throughput.png")
            md += ["", "![throughput](throughput.png)"]
    except ImportError:
        md += ["", "(python3-matplotlib not installed: no plots)"]
    (outdir / "latest.md").write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
