#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""virtio-blk-poll test runner (make check).

Test cases are scenario files, tests/<suite>/NNN-<name>.sh (see
tests/scenario.py and Documentation/testing.rst), and the Python cases in
tests/cases/*.py, which register themselves with @case(name, quick=...,
group=...).  Each case runs in order; a case fails
by raising (Fail, an assertion, a harness or build error) and passes by
returning.  The run ends with the line "N passed, N failed".

    python3 tests/run.py                 everything
    python3 tests/run.py --quick         the fast subset
    python3 tests/run.py --full          make check and the full tier
    python3 tests/run.py --only PATTERN  cases whose name contains PATTERN
    python3 tests/run.py --list          list the cases
    python3 tests/run.py -j 2            run two cases at a time
    python3 tests/run.py --durations-from LOG   print a durations table

Cases run VMs under single-threaded TCG, one host CPU each, so by default
as many run at once as the host has CPUs (VBP_JOBS or -j overrides).
Cases of the "build" and "package" groups change the host (DKMS trees,
installed packages) and never run at the same time as each other.
The longest cases start first (expected times from tests/durations.txt,
guessed from the name for a case not listed there) so the workers finish
together.  When selected cases need the debug kernel and it is not
cached, it is built in the background from the start, in place of one
worker, and those cases start once it is there.  The run ends with the
total time and the ten slowest cases.
"""

import argparse
import datetime
import fnmatch
import glob
import importlib.util
import os
import re
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "vm"))
sys.path.insert(0, HERE)

import caselib  # noqa: E402
import debugkernel  # noqa: E402
import scenario  # noqa: E402
import vm  # noqa: E402

DURATIONS = os.path.join(HERE, "durations.txt")
HOST_GROUPS = ("build", "package")
# a failure's lines repeated at the end of a run: this many from each end
FAIL_LINES = 4
# One line of a case's outcome, as run() prints it.
OUTCOME = re.compile(r"^\[ *\d+/\d+\] (\S+) +(PASS|FAIL|SKIP) "
                     r"\((\d+(?:\.\d*)?)s\)")


def failure_lines(failures):
    """The end-of-run list of failures, [(name, error text)]: each name
    with its error's first and last FAIL_LINES lines, so the tail of a
    long log says why a case failed."""
    out = ["", "failures (the whole text is above, under the case):"]
    for name, err in failures:
        out.append("  " + name)
        lines = (err or "(no error text)").strip().splitlines()
        if len(lines) > 2 * FAIL_LINES + 1:
            lines = lines[:FAIL_LINES] + ["..."] + lines[-FAIL_LINES:]
        out += ["    | " + ln[:300] for ln in lines]
    return out


def load_cases():
    for path in sorted(glob.glob(os.path.join(HERE, "cases", "*.py"))):
        name = "cases_" + os.path.basename(path)[:-3]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    return scenario.load()


def read_durations(path=DURATIONS):
    """{case name: expected seconds} from the durations table."""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and not line.startswith("#"):
                    out[parts[1]] = float(parts[0])
    except OSError:
        pass
    return out


def durations_from(log):
    """Print a durations table from the output of a run."""
    with open(log, errors="replace") as f:
        found = {}
        for line in f:
            m = OUTCOME.match(line)
            if m:
                found[m.group(1)] = float(m.group(3))
    with open(DURATIONS) as f:
        header = [ln for ln in f if ln.startswith("#")]
    sys.stdout.write("".join(header))
    for name in sorted(found):
        print("%d %s" % (int(found[name] + 0.5), name))
    return 0 if found else 1


def needs_debug_kernel(c):
    """Does case c boot (or build against) the debug kernel?  By name:
    "debug" is one of its /-separated parts (debug/boot, .../debug/...)."""
    return "debug" in c.name.split("/")


def guess_duration(c):
    """Expected seconds of a case the durations table does not know."""
    parts = c.name.split("/")
    if c.group in HOST_GROUPS:
        return 60.0
    if "debug" in parts:
        return 90.0
    if "6.1" in parts or "6.12" in parts:
        return 40.0
    return 10.0


class Scheduler:
    """Hands cases to the workers: the longest expected first, at most one
    build/package case at a time, and debug-kernel cases only once the
    debug kernel is built (while it builds it takes one worker's place)."""

    def __init__(self, cases, jobs, durations, build_kernel):
        self.expect = {c.name: durations.get(c.name, guess_duration(c))
                       for c in cases}
        # sorted() is stable: equal times keep the registration order
        self.pending = sorted(cases, key=lambda c: -self.expect[c.name])
        self.cond = threading.Condition()
        # The kernel build (make -j<CPUs>, niced) takes one worker's place;
        # with a single worker it runs next to it.
        self.build_slot = 1 if build_kernel and jobs > 1 else 0
        self.slots = jobs - self.build_slot
        self.host_busy = False
        self.kernel_ready = not build_kernel
        self.kernel_note = None

    def build_kernel(self):
        """Thread body: build the debug kernel, then free its slot."""
        t0 = time.time()
        try:
            debugkernel.ensure_built()
            self.kernel_note = "debug kernel built in %.0fs" % (
                time.time() - t0)
        except vm.HarnessError as e:
            # the debug cases then fail with this error themselves
            self.kernel_note = "debug kernel build failed after %.0fs: %s" \
                % (time.time() - t0, e)
        print(self.kernel_note, flush=True)
        with self.cond:
            self.slots += self.build_slot
            self.kernel_ready = True
            self.cond.notify_all()

    def _eligible(self, c):
        if c.group in HOST_GROUPS and self.host_busy:
            return False
        return self.kernel_ready or not needs_debug_kernel(c)

    def take(self):
        """The next case to run (blocking), or None when all are taken."""
        with self.cond:
            while True:
                if not self.pending:
                    return None
                if self.slots > 0:
                    for i, c in enumerate(self.pending):
                        if self._eligible(c):
                            del self.pending[i]
                            self.slots -= 1
                            if c.group in HOST_GROUPS:
                                self.host_busy = True
                            return c
                self.cond.wait()

    def done(self, c):
        with self.cond:
            self.slots += 1
            if c.group in HOST_GROUPS:
                self.host_busy = False
            self.cond.notify_all()


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fast subset only")
    p.add_argument("--full", action="store_true",
                   help="also the full tier (make check-full): the cases "
                   "left out of make check to fit CI's time limit")
    p.add_argument("--only", action="append", default=[],
                   help="run cases whose name contains this (or matches "
                   "this glob); repeatable")
    p.add_argument("--list", action="store_true", help="list cases and exit")
    p.add_argument("--out", help="results directory")
    p.add_argument("--durations-from", metavar="LOG",
                   help="print a tests/durations.txt table made from the "
                   "output of a run, and exit")
    p.add_argument("-j", "--jobs", type=int,
                   default=int(os.environ.get("VBP_JOBS", 0)) or
                   os.cpu_count() or 1,
                   help="cases run at once (default: VBP_JOBS or the "
                   "number of CPUs)")
    a = p.parse_args()
    if a.jobs < 1:
        p.error("--jobs must be at least 1")
    if a.durations_from:
        return durations_from(a.durations_from)

    cases = load_cases()
    sel = []
    optin = []
    nfull = 0
    for c in cases:
        if a.quick and not c.quick:
            continue
        if a.only and not any(o in c.name or fnmatch.fnmatch(c.name, o)
                              for o in a.only):
            continue
        if c.optin and not a.only and not a.list:
            optin.append(c)
            continue
        if c.full and not a.full and not a.only:
            nfull += 1
            continue
        sel.append(c)
    if a.list:
        for c in sel:
            print("%-50s %s" % (c.name, "quick" if c.quick else
                                "opt-in: " + c.optin if c.optin else
                                "full" if c.full else ""))
        if nfull:
            print("(%d cases of the full tier not listed: --full)" % nfull)
        return 0
    if nfull:
        print("not run: %d cases of the full tier (make check-full, or "
              "--only names them)" % nfull)
    for c in optin:
        print("not run (opt-in, --only %s): %s" % (c.name, c.optin))
    if not sel:
        print("no test case matches", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    outroot = a.out or os.path.join(caselib.ROOT, "results",
                                    "check-" + stamp)
    os.makedirs(outroot, exist_ok=True)
    print("running %d test cases, %d at a time, results in %s (accel: %s)"
          % (len(sel), a.jobs, outroot, caselib.accel_name()), flush=True)
    print(vm.speed_note(), flush=True)

    passed = failed = skipped = 0
    failures = []
    t_all = time.time()
    out_lock = threading.Lock()
    done = [0]
    build_kernel = (any(needs_debug_kernel(c) for c in sel) and
                    not debugkernel.is_built())
    sched = Scheduler(sel, a.jobs, read_durations(), build_kernel)
    if build_kernel:
        print("debug kernel not cached: building it (%s) while other "
              "cases run" % debugkernel.cache_dir(), flush=True)
        threading.Thread(target=sched.build_kernel, daemon=True).start()

    def run_case(c):
        ctx = caselib.Context(c.name, outroot)
        t0 = time.time()
        err = None
        try:
            c.fn(ctx)
            status = "PASS"
        except caselib.Skip as e:
            status = "SKIP"
            ctx.note("skipped: %s" % e)
        except Exception as e:  # any failure of the case
            status = "FAIL"
            err = str(e) if isinstance(e, caselib.EXPECTED) else \
                traceback.format_exc()
        dt = time.time() - t0
        with out_lock:
            done[0] += 1
            print("[%3d/%d] %-52s %s (%.1fs)" % (done[0], len(sel), c.name,
                                                status, dt), flush=True)
            for n in ctx.notes:
                print("        " + n, flush=True)
            if err:
                print("\n".join("        | " + ln
                                 for ln in err.splitlines()), flush=True)
        return c.name, status, err, dt

    results = {}

    def worker():
        while True:
            c = sched.take()
            if c is None:
                return
            try:
                results[c.name] = run_case(c)
            except Exception:       # the harness itself broke: still count it
                results[c.name] = (c.name, "FAIL", traceback.format_exc(), 0.0)
            finally:
                sched.done(c)

    workers = [threading.Thread(target=worker) for _ in range(a.jobs)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    # report in registration order, as the cases are listed
    outcomes = [results[c.name] for c in sel if c.name in results]
    for name, status, err, _ in outcomes:
        if status == "PASS":
            passed += 1
        elif status == "SKIP":
            skipped += 1
        else:
            failed += 1
            failures.append((name, err))

    total = time.time() - t_all
    summed = sum(o[3] for o in outcomes)
    print("\nslowest cases:")
    for name, status, _, dt in sorted(outcomes, key=lambda o: -o[3])[:10]:
        print("  %7.1fs  %-52s %s" % (dt, name, status))
    if sched.kernel_note:
        print(sched.kernel_note)
    print("\nfinished in %.0fs (%dm%02ds; cases summed %.0fs, %d at a "
          "time); results in %s" % (total, total // 60, total % 60, summed,
                                     a.jobs, outroot))
    if failures:
        print("\n".join(failure_lines(failures)))
        print("failed: " + ", ".join(n for n, _ in failures))
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
