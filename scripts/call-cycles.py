#!/usr/bin/env python3
"""No call cycle between the files of kmod/ (make check's static stage).

  scripts/call-cycles.py [KMOD_DIR]

Reads the object files of every module built under KMOD_DIR (default kmod/,
from kbuild's *.mod lists), takes the functions each one defines and calls
(nm: T and U symbols, across modules too), and prints every group of files
that call each other round in a circle, with the calls that close it.
Exit 0 when there is none, 1 when there is, 2 when nothing is built.
Static inline functions in headers and calls through pointers are not seen.
"""
import collections
import glob
import os
import subprocess
import sys


def main():
    kmod = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "kmod")
    objs = []
    for mod in sorted(glob.glob(os.path.join(kmod, "**", "*.mod"), recursive=True)):
        with open(mod) as f:
            objs += [o for o in f.read().split() if o not in objs]
    if not objs:
        print("call-cycles: no module built under %s (run make first)" % kmod)
        return 2
    defined, calls = {}, collections.defaultdict(set)
    for o in objs:
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] == "T":
                defined[f[2]] = o
            elif len(f) == 2 and f[0] == "U":
                calls[o].add(f[1])
    edges = {o: {defined[s] for s in calls[o] if defined.get(s, o) != o} for o in objs}

    # Tarjan's strongly connected components, iteratively.
    index, low, onstack, stack, sccs = {}, {}, set(), [], []
    for root in objs:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        onstack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    onstack.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in onstack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                scc = []
                while True:
                    w = stack.pop()
                    onstack.discard(w)
                    scc.append(w)
                    if w == v:
                        break
                if len(scc) > 1:
                    sccs.append(sorted(scc))

    rel = lambda o: os.path.relpath(o[:-2] + ".c", os.path.dirname(kmod))
    for scc in sccs:
        print("call cycle: %s" % " ".join(rel(o) for o in scc))
        for a in scc:
            for b in sorted(edges[a] & set(scc)):
                syms = sorted(s for s in calls[a] if defined.get(s) == b)
                print("  %s -> %s: %s" % (rel(a), rel(b), ", ".join(syms)))
    print("call-cycles: %d files, %d cycles" % (len(objs), len(sccs)))
    return 1 if sccs else 0


if __name__ == "__main__":
    sys.exit(main())
