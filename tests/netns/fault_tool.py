#!/usr/bin/env python3
"""Allocation-failure sweeps, for the debug kernel's fault injection.

  fault_tool.py load KO [--stride K] [--check FILE]
      finit_module(KO) with the 1st, 2nd, ... allocation of this thread
      failed (/proc/thread-self/fail-nth), until a load takes no injected
      failure. Every failed load must fail with an errno and leave the
      module out (/sys/module/NAME gone); every load that succeeds is
      unloaded again (FILE, if given, must be readable while it is
      loaded).
  fault_tool.py write FILE CMD [--undo CMD] [--stride K]
      write(CMD) to FILE the same way: a write that took an injected
      failure must fail with ENOMEM and leave FILE's listing as it was;
      one that succeeds is undone with --undo.

--stride K tries every Kth allocation (from a random first one) instead of
all. Prints one summary line per sweep: how many allocations the call
makes, how many failures were injected, what came of them; exit 0 only if
every outcome was as required (a crash, KASAN report or leak is for the
kernel log and kmemleak to tell).
"""
import argparse
import ctypes
import errno
import os
import random
import sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_finit_module, SYS_delete_module = 313, 176  # x86_64
FAIL_NTH = "/proc/thread-self/fail-nth"
LOTS = 1 << 30


class Injector:
    """fail-nth of this thread: arm(n) fails its nth fault-injectable call from now."""

    def __init__(self):
        self.fd = os.open(FAIL_NTH, os.O_RDWR)

    def arm(self, n):
        os.pwrite(self.fd, b"%d" % n, 0)

    def left(self):
        """Calls still to go before the armed one (0: it was failed or never armed)."""
        return int(os.pread(self.fd, 32, 0))

    def disarm(self):
        self.arm(0)

    def _armed(self, n, call):
        """(call()'s result, calls still to go when it returned)."""
        self.arm(n)
        try:
            rc = call()
        finally:
            left = self.left()
            self.disarm()
        return rc, left

    def run(self, n, call):
        """call() with the nth allocation failed; (result or -errno, injected?)."""
        rc, left = self._armed(n, call)
        return rc, left == 0

    def count(self, call):
        """How many fault-injectable calls call() makes (none is failed)."""
        rc, left = self._armed(LOTS, call)
        return rc, LOTS - left


def syscall(nr, *args):
    rc = libc.syscall(nr, *args)
    return -ctypes.get_errno() if rc < 0 else rc


def module_name(ko):
    return os.path.basename(ko)[:-3].replace("-", "_")


def sweep(inj, call, after, stride):
    """call() with each nth allocation failed in turn; after(rc, injected) -> error or None."""
    problems, outcomes = [], {}
    # Warm up: the first calls fault in this process's pages, which must not
    # happen between arming and the call.
    rc, total = inj.count(call)
    err = after(rc, False)
    if err:
        return total, 0, outcomes, ["without injection: " + err]
    # A random first one, among the allocations there are.
    n = 1 + random.randrange(max(1, min(stride, total)))
    injected = 0
    while True:
        rc, hit = inj.run(n, call)
        err = after(rc, hit)
        if err:
            problems.append("allocation %d failed: %s" % (n, err))
        if not hit:
            break
        injected += 1
        key = "ok" if rc >= 0 else errno.errorcode.get(-rc, str(-rc))
        outcomes[key] = outcomes.get(key, 0) + 1
        n += stride
    return total, injected, outcomes, problems


def report(what, total, injected, outcomes, problems):
    seen = ", ".join("%s %d" % kv for kv in sorted(outcomes.items())) or "none"
    if not injected and not problems:
        problems = ["no failure was injected: is fail-nth counting this thread's allocations?"]
    print("fault: %s: %d allocations, %d failed one at a time: %s; %d problem(s)"
          % (what, total, injected, seen, len(problems)))
    for p in problems[:10]:
        print("fault: %s: %s" % (what, p), file=sys.stderr)
    return 1 if problems else 0


def cmd_load(args):
    inj = Injector()
    name = module_name(args.ko)
    fd = os.open(args.ko, os.O_RDONLY)

    def call():
        return syscall(SYS_finit_module, fd, b"", 0)

    def loaded():
        try:
            with open("/sys/module/%s/initstate" % name) as f:
                return f.read().strip()
        except OSError:
            return None

    def after(rc, hit):
        state = loaded()
        if rc < 0:
            if state:
                return "load failed (%s) but %s is %s" % (errno.errorcode.get(-rc), name, state)
            if not hit:
                return "load failed with no failure injected: %s" % os.strerror(-rc)
            return None
        problem = None
        if state != "live":
            problem = "load succeeded but %s is %s" % (name, state)
        elif args.check:
            try:
                with open(args.check) as f:
                    f.read()
            except OSError as e:
                problem = "loaded, but %s: %s" % (args.check, e.strerror)
        # Unloaded whatever the verdict, so the next load starts afresh.
        rc = syscall(SYS_delete_module, name.encode(), os.O_NONBLOCK)
        if rc < 0 and not problem:
            problem = "unload: %s" % os.strerror(-rc)
        return problem

    return report("load " + name, *sweep(inj, call, after, args.stride))


def cmd_write(args):
    inj = Injector()
    data, undo = args.cmd.encode(), args.undo.encode() if args.undo else None

    def read_listing():
        with open(args.file) as f:
            return f.read()

    # Opened once: only the write's own allocations are counted and failed.
    fd = os.open(args.file, os.O_WRONLY)

    def write(what):
        try:
            return os.write(fd, what)
        except OSError as e:
            return -e.errno

    before = read_listing()

    def call():
        return write(data)

    def after(rc, hit):
        if rc < 0:
            if not hit:
                return "failed with no failure injected: %s" % os.strerror(-rc)
            if rc != -errno.ENOMEM:
                return "failed with %s, not ENOMEM" % errno.errorcode.get(-rc)
            now = read_listing()
            if now != before:
                return "a failed write changed %s: %r" % (args.file, now)
            return None
        if undo is not None:
            # A failure injected into the undo would be the undo's own sweep.
            if write(undo) < 0:
                return "undo failed"
            if read_listing() != before:
                return "the undo left %s changed" % args.file
        return None

    return report("write %r to %s" % (args.cmd, os.path.basename(args.file)),
                  *sweep(inj, call, after, args.stride))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd_name", required=True)
    lo = sub.add_parser("load")
    lo.add_argument("ko")
    lo.add_argument("--check")
    wr = sub.add_parser("write")
    wr.add_argument("file")
    wr.add_argument("cmd")
    wr.add_argument("--undo")
    for s in (lo, wr):
        s.add_argument("--stride", type=int, default=1)
        s.add_argument("--seed", type=int)
    args = p.parse_args()
    random.seed(args.seed)
    return cmd_load(args) if args.cmd_name == "load" else cmd_write(args)


if __name__ == "__main__":
    sys.exit(main())
