# SPDX-License-Identifier: GPL-2.0
"""KUnit suites (tests/kunit/*_kunit.c) run on the debug test kernel.

Every KUnit case counts as a test of its own: the cases are read from the
suites' sources at registration ("kunit/<suite>/<case>"), the first of
them to run boots the debug kernel once, loads kunit.ko and every suite
module, and saves each suite's KTAP results (debugfs); each runner case
then passes, fails or skips on its KUnit case's "ok"/"not ok" line.  A
"kunit/<suite>" case checks the suite as a whole (suite verdict, every
case reported, none unknown).  Parameterized cases are one runner case
each; their parameters are listed in the notes.

"kunit/selftest/*" prove on real KTAP that a failing KUnit case fails the
run: tests/kunit/vbp_selftest_kunit.c fails one case on purpose when
loaded with fail=1.
"""

import glob
import os
import re
import threading

import build
from caselib import ROOT, Fail, Skip, case, check

KUNIT_DIR = os.path.join(ROOT, "tests", "kunit")
SELFTEST_MODULE = "vbp_selftest_kunit"
SELFTEST_SUITE = "vbp_selftest_kunit"


def _strip_comments(src):
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", src, flags=re.S)


def discover():
    """[(module, suite, [case names])] from tests/kunit/*_kunit.c."""
    out = []
    for path in sorted(glob.glob(os.path.join(KUNIT_DIR, "*_kunit.c"))):
        module = os.path.basename(path)[:-2]
        with open(path) as f:
            src = _strip_comments(f.read())
        suites = re.findall(r"\.name\s*=\s*\"([^\"]+)\"", src)
        cases = re.findall(r"KUNIT_CASE(?:_PARAM|_SLOW|_PARAM_ATTR|_ATTR)?"
                           r"\(\s*(\w+)", src)
        if len(suites) != 1:
            continue        # one suite per module, see tests/kunit/Kbuild
        out.append((module, suites[0], cases))
    return out


# ------------------------------------------------------------------ KTAP

KTAP_RESULT = re.compile(r"^(not ok|ok) (\d+) ?(?:- )?([^#]*?)\s*"
                         r"(?:#\s*(\w+)\s*(.*))?$")
DMESG_PREFIX = re.compile(r"^(<\d+>)?\[\s*\d+\.\d+\]\s?")


def parse_ktap(text):
    """Parse one suite's KTAP (KUnit's debugfs results, or dmesg lines).

    Returns {"suite": (name, ok), "cases": {name: case}} where a case is a
    dict: ok (bool), skip (reason or None), params [(ok, desc, skip)],
    log (diagnostic lines since the previous case).
    """
    suite = None
    cases = {}
    params = []
    log = []
    for raw in text.splitlines():
        line = DMESG_PREFIX.sub("", raw.rstrip())
        body = line.lstrip(" ")
        depth = (len(line) - len(body)) // 4
        m = KTAP_RESULT.match(body)
        if not m:
            if body.startswith("#") or depth >= 1:
                log.append(body)
            continue
        ok = m.group(1) == "ok"
        name = m.group(3).strip()
        skip = m.group(5) if (m.group(4) or "").upper() == "SKIP" else None
        if depth >= 2:
            params.append((ok, name, skip))
        elif depth == 1:
            cases[name] = {"ok": ok, "skip": skip, "params": params,
                           "log": log}
            params, log = [], []
        else:
            suite = (name, ok)
    return {"suite": suite, "cases": cases}


# ------------------------------------------------------------ the guest

_runs = {}
_runs_lock = threading.Lock()


def _module_files(k, names):
    """{file name in /in: host path} for kernel modules of k, in order."""
    import vm
    files = []
    for rel in vm.module_closure(k.moddir, names):
        files.append((vm._modname(rel) + ".ko", os.path.join(k.moddir, rel)))
    return files


def run_suites(ctx):
    """Boot the debug kernel once per process and run every suite; cases
    running at the same time wait for that one run."""
    with _runs_lock:
        return _run_suites(ctx)


def _run_suites(ctx):
    if "result" in _runs:
        return _runs["result"]
    _runs["result"] = None
    k = ctx.kernel("debug")
    kos = build.kunit_modules(k)
    if not kos:
        raise Fail("no KUnit modules were built for %s (CONFIG_KUNIT?)"
                   % k.release)
    deps = _module_files(k, ["kunit"])
    if not deps:
        raise Fail("kunit.ko not found in %s" % k.moddir)
    files = dict(deps)
    files.update({m + ".ko": p for m, p in kos.items()})
    script = []
    for name, _ in deps:
        # enable=1: run the suites even where CONFIG_KUNIT_DEFAULT_ENABLED
        # is off (for the debug kernel it is on)
        script.append("/usr/sbin/insmod /in/%s %s|| fail 'insmod %s'"
                      % (name, "enable=1 " if name == "kunit.ko" else "",
                         name))
    runs = [(m, s, "") for m, s, _ in discover() if m != SELFTEST_MODULE]
    if SELFTEST_MODULE in kos:
        runs += [(SELFTEST_MODULE, SELFTEST_SUITE, "fail=1"),
                 (SELFTEST_MODULE, SELFTEST_SUITE, "fail=0")]
    for module, suite, params in runs:
        tag = suite + ("-" + params.replace("=", "") if params else "")
        # A suite that does not load or report fails its own cases only
        # (its error file says why); rmmod failing is a bug, failing all.
        script += [
            "vbp_log 'kunit: %s %s'" % (module, params),
            "if /usr/sbin/insmod /in/%s.ko %s 2> /out/kunit-%s.err; then"
            % (module, params, tag),
            "\tcat /sys/kernel/debug/kunit/%s/results > /out/kunit-%s.ktap"
            " 2>> /out/kunit-%s.err" % (suite, tag, tag),
            "\t/usr/sbin/rmmod %s || fail 'rmmod %s'" % (module, module),
            "fi"]
    script.append("echo kunit-done")
    r = ctx.vm(k, "\n".join(script) + "\n", files=files, timeout=900)
    _runs["result"] = (k, r)
    return k, r


def suite_result(ctx, suite, tag=None):
    """Parsed KTAP of suite (tag: suite plus load parameters)."""
    got = run_suites(ctx)
    if got is None:
        raise Fail("the KUnit guest run already failed in an earlier case")
    k, r = got
    if not r.ok:
        raise Fail("KUnit guest run on %s failed:\n%s"
                   % (k.release, r.summary()))
    tag = tag or suite
    text = r.read("kunit-%s.ktap" % tag)
    if not text:
        raise Fail("no KTAP results for suite %s (debugfs): %s%s" % (
            suite, (r.read("kunit-%s.err" % tag) or "").strip(),
            "; kunit.ko says 'kunit: disabled'"
            if "kunit: disabled" in r.console else ""))
    return parse_ktap(text)


# ----------------------------------------------------------------- cases

def _case_fn(suite, name):
    def fn(ctx):
        res = suite_result(ctx, suite)
        c = res["cases"].get(name)
        if c is None:
            raise Fail("KUnit case %s.%s was not reported" % (suite, name))
        bad = [d for ok, d, _ in c["params"] if not ok]
        if c["params"]:
            ctx.note("%d parameters, %d failed" % (len(c["params"]),
                                                   len(bad)))
        if not c["ok"]:
            msg = ["KUnit case %s.%s failed" % (suite, name)]
            if bad:
                msg.append("failed parameters: " + "; ".join(bad[:20]))
            msg += [ln for ln in c["log"] if not ln.startswith("KTAP ")][-40:]
            raise Fail("\n".join(msg))
        if c["skip"] is not None:
            raise Skip("KUnit skipped it: %s" % c["skip"])
    return fn


def _suite_fn(suite, names):
    def fn(ctx):
        res = suite_result(ctx, suite)
        check(res["suite"] is not None, "no suite result line for " + suite)
        sname, ok = res["suite"]
        check(sname == suite, "KTAP suite is %r, expected %r"
              % (sname, suite))
        got = set(res["cases"])
        missing = [n for n in names if n not in got]
        unknown = sorted(got - set(names))
        check(not missing, "cases not reported: %s" % ", ".join(missing))
        check(not unknown, "cases reported but not registered here "
              "(20_kunit.py could not read them from the source): %s"
              % ", ".join(unknown))
        nparams = sum(len(c["params"]) for c in res["cases"].values())
        failed = [n for n, c in res["cases"].items() if not c["ok"]]
        ctx.note("%d cases (%d parameters), %d failed"
                 % (len(got), nparams, len(failed)))
        check(ok and not failed, "suite %s failed: %s"
              % (suite, ", ".join(failed)))
    return fn


for _module, _suite, _names in discover():
    if _module == SELFTEST_MODULE:
        continue
    case("kunit/%s" % _suite, group="kunit")(_suite_fn(_suite, _names))
    for _n in _names:
        case("kunit/%s/%s" % (_suite, _n), group="kunit")(
            _case_fn(_suite, _n))


@case("kunit/selftest/failing-case-fails", group="kunit")
def selftest_failing(ctx):
    res = suite_result(ctx, SELFTEST_SUITE, SELFTEST_SUITE + "-fail1")
    cases = res["cases"]
    check(res["suite"] == (SELFTEST_SUITE, False),
          "suite with a planted failure did not report not ok: %s"
          % (res["suite"],))
    check(cases.get("vbp_selftest_passes", {}).get("ok") is True,
          "the passing case was not ok: %s" % cases)
    bad = cases.get("vbp_selftest_fails_on_request")
    check(bad is not None and not bad["ok"],
          "the planted failure was not reported as not ok: %s" % cases)
    check(any("EXPECTATION FAILED" in ln for ln in bad["log"]),
          "the failure's diagnostic lines were not collected: %s"
          % bad["log"])
    bad_param = [d for ok, d, _ in cases["vbp_selftest_param"]["params"]
                 if not ok]
    check(bad_param == ["planted"], "parameter results wrong: %s"
          % cases["vbp_selftest_param"]["params"])
    # exactly what a runner case does with it
    try:
        _case_fn(SELFTEST_SUITE, "vbp_selftest_fails_on_request")(ctx)
    except Fail:
        pass
    else:
        raise Fail("a not-ok KUnit case did not fail its runner case")
    skipped = cases.get("vbp_selftest_skips")
    check(skipped is not None and skipped["ok"] and skipped["skip"],
          "a skipped case was not parsed as skipped: %s" % skipped)
    ctx.note("planted failure caught: " + next(
        ln for ln in bad["log"] if "EXPECTATION FAILED" in ln))


@case("kunit/selftest/passing-suite-passes", group="kunit")
def selftest_passing(ctx):
    res = suite_result(ctx, SELFTEST_SUITE, SELFTEST_SUITE + "-fail0")
    check(res["suite"] == (SELFTEST_SUITE, True),
          "suite without a planted failure not ok: %s" % (res["suite"],))
    check(all(c["ok"] for c in res["cases"].values()),
          "cases failed: %s" % res["cases"])
    check(len(res["cases"]) == 4, "expected 4 cases, got %s"
          % sorted(res["cases"]))
