#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""virtio-blk-poll test runner (make check).

Test cases live in tests/cases/*.py and register themselves with
@case(name, quick=..., group=...).  Each case runs in order; a case fails
by raising (Fail, an assertion, a harness or build error) and passes by
returning.  The run ends with the line "N passed, N failed".

    python3 tests/run.py                 everything
    python3 tests/run.py --quick         the fast subset
    python3 tests/run.py --only PATTERN  cases whose name contains PATTERN
    python3 tests/run.py --list          list the cases
    python3 tests/run.py -j 2            run two cases at a time

Cases run VMs under single-threaded TCG, one host CPU each, so by default
as many run at once as the host has CPUs (VBP_JOBS or -j overrides).
Cases of the "build" and "package" groups change the host (DKMS trees,
installed packages) and never run at the same time as each other.
"""

import argparse
import datetime
import fnmatch
import glob
import importlib.util
import os
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "vm"))
sys.path.insert(0, HERE)

import caselib  # noqa: E402


def load_cases():
    for path in sorted(glob.glob(os.path.join(HERE, "cases", "*.py"))):
        name = "cases_" + os.path.basename(path)[:-3]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    return caselib.REGISTRY


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fast subset only")
    p.add_argument("--only", action="append", default=[],
                   help="run cases whose name contains this (or matches "
                   "this glob); repeatable")
    p.add_argument("--list", action="store_true", help="list cases and exit")
    p.add_argument("--out", help="results directory")
    p.add_argument("-j", "--jobs", type=int,
                   default=int(os.environ.get("VBP_JOBS", 0)) or
                   os.cpu_count() or 1,
                   help="cases run at once (default: VBP_JOBS or the "
                   "number of CPUs)")
    a = p.parse_args()
    if a.jobs < 1:
        p.error("--jobs must be at least 1")

    cases = load_cases()
    sel = []
    for c in cases:
        if a.quick and not c.quick:
            continue
        if a.only and not any(o in c.name or fnmatch.fnmatch(c.name, o)
                              for o in a.only):
            continue
        sel.append(c)
    if a.list:
        for c in sel:
            print("%-50s %s" % (c.name, "quick" if c.quick else ""))
        return 0
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

    passed = failed = skipped = 0
    failures = []
    t_all = time.time()
    host_lock = threading.Lock()     # build/package cases: one at a time
    out_lock = threading.Lock()
    done = [0]

    def run_case(c):
        ctx = caselib.Context(c.name, outroot)
        t0 = time.time()
        err = None
        lock = host_lock if c.group in ("build", "package") else None
        try:
            if lock:
                lock.acquire()
            try:
                c.fn(ctx)
                status = "PASS"
            finally:
                if lock:
                    lock.release()
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
        return c.name, status, err

    if a.jobs == 1:
        outcomes = [run_case(c) for c in sel]
    else:
        with ThreadPoolExecutor(max_workers=a.jobs) as pool:
            outcomes = list(pool.map(run_case, sel))
    for name, status, err in outcomes:
        if status == "PASS":
            passed += 1
        elif status == "SKIP":
            skipped += 1
        else:
            failed += 1
            failures.append((name, err))

    print("\nfinished in %.0fs; results in %s" % (time.time() - t_all,
                                                   outroot))
    if failures:
        print("failed: " + ", ".join(n for n, _ in failures))
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
