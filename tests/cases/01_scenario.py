# SPDX-License-Identifier: GPL-2.0
"""Self-test of the scenario loader (tests/scenario.py), without a VM:
header keys, matrix expansion, conditional keys, hooks, and that a
failing check() or run() fails the case."""

import os

import caselib
import scenario
from caselib import Fail, case, check

MATRIX_SH = """\
# SPDX-License-Identifier: GPL-2.0
# description: matrix, exclude, vars and conditions
# name: t/m-{ring}/{kernel}/nq{nq}
# kernels: 6.1 6.12 debug
# matrix: ring=split,packed nq=1,2
# exclude: kernel=debug ring=packed
# vars: to=7
# params: poll_queues=0 io_timeout={to}
# params[ring=packed nq=2]: poll_queues=1 io_timeout={to}
# disks: 64M,num_queues={nq} ; size=32M,packed=on
# env: 'ENGINE=--ioengine=libaio --x' A=1
# env[kernel=debug]: A=2 B={nq}
# quick: 6.12
# quick[nq=2]: no
# group: driver
# group[kernel=debug]: debug
# timeout: 100
# timeout[kernel=debug]: 400
# tier[kernel=debug nq=2]: check
# lib: faults
# This line is prose, not a key.
echo body
"""

HOOKS_SH = """\
# SPDX-License-Identifier: GPL-2.0
# description: hooks
# kernels: 6.12
# driver: none
vbp_result x 1
"""

HOOKS_PY = """\
def configure(ctx, kernel, var, spec):
    return {"env": {"C": "3"}, "smp": 4, "files": {"a": "/b"}}


def check(ctx, r, res, kernel, var):
    ctx.note("check saw x=%s" % res.get("x"))
    if res.get("x") != "1":
        raise AssertionError("x is %r" % res.get("x"))
"""


class _Result:
    ok = True

    def __init__(self, text):
        self.text = text

    def read(self, name, default=None):
        return self.text if name == "results.txt" else default


class _Ctx:
    """Records ctx.vm_ok() calls; the guest "wrote" results."""

    def __init__(self, results):
        self.calls = []
        self.notes = []
        self.results = results

    def note(self, msg):
        self.notes.append(msg)

    def kernel(self, name):
        return name

    def vm_ok(self, kernel, script, **kw):
        self.calls.append((kernel, script, kw))
        return _Result(self.results)


def _write(d, name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


@case("harness/scenario-loader", quick=True, group="harness")
def loader(ctx):
    root = os.path.join(ctx.dir, "tests")
    t = os.path.join(root, "t")
    os.makedirs(t, exist_ok=True)
    _write(t, "001-matrix.sh", MATRIX_SH)
    _write(t, "002-hooks.sh", HOOKS_SH)
    _write(t, "002-hooks.py", HOOKS_PY)
    scs = scenario.scenarios(root)
    check([s.stem for s in scs] == ["matrix", "hooks"],
          "found %s" % [s.path for s in scs])
    m, h = scs
    specs = [m.spec(k, v) for k, v in m.points()]
    names = [s.name for s in specs]
    want = ["t/m-%s/%s/nq%d" % (ring, k, nq)
            for k in caselib.MATRIX
            for ring in ("split", "packed") for nq in (1, 2)
            if not (k == "debug" and ring == "packed")]
    check(names == want, "names %s, want %s" % (names, want))
    by = {s.name: s for s in specs}
    s = by["t/m-packed/6.12/nq2"]
    check(s.params == "poll_queues=1 io_timeout=7", "params %r" % s.params)
    check(by["t/m-packed/6.12/nq1"].params == "poll_queues=0 io_timeout=7",
          "unconditional params %r" % by["t/m-packed/6.12/nq1"].params)
    d = s.disks
    check(len(d) == 2 and d[0].size == "64M" and d[0].num_queues == 2 and
          d[1].size == "32M" and d[1].packed is True, "disks %s" % d)
    check(s.env == {"ENGINE": "--ioengine=libaio --x", "A": "1",
                    "RING": "packed", "NQ": "2"}, "env %s" % s.env)
    g = by["t/m-split/debug/nq1"]
    check(g.env["A"] == "2" and g.env["B"] == "1", "debug env %s" % g.env)
    check((g.group, g.timeout, s.group, s.timeout) ==
          ("debug", 400, "driver", 100),
          "group/timeout %s" % [g.group, g.timeout, s.group, s.timeout])
    quick = sorted(x.name for x in specs if x.quick)
    check(quick == ["t/m-packed/6.12/nq1", "t/m-split/6.12/nq1"],
          "quick %s" % quick)
    # Tiers: debug-kernel cases are in the full tier unless a line says
    # "check"; the release kernels' are in make check.
    full = sorted(x.name for x in specs if x.full)
    check(full == ["t/m-split/debug/nq1"], "full tier %s" % full)
    bad = os.path.join(ctx.dir, "badtier")
    os.makedirs(os.path.join(bad, "t"), exist_ok=True)
    _write(os.path.join(bad, "t"), "001-x.sh",
           MATRIX_SH.replace("# tier[kernel=debug nq=2]: check",
                             "# tier: sometimes"))
    try:
        bs = scenario.scenarios(bad)[0]
        [bs.spec(k, v) for k, v in bs.points()]
    except scenario.ScenarioError as e:
        ctx.note("a bad tier is refused: %s" % e)
    else:
        raise Fail("tier: sometimes was accepted")
    with open(os.path.join(scenario.LIBDIR, "faults.sh")) as f:
        lib = f.read()
    check(s.script == lib + MATRIX_SH, "script is not lib + file")

    # Hooks: configure() adds to the header's arguments, check() sees
    # the guest's results and its failure fails the case.
    hs = h.spec("6.12", {})
    check(hs.name == "t/hooks/6.12" and hs.driver == "none",
          "hooks spec %s %s" % (hs.name, hs.driver))
    fn = h.fn("6.12", {})
    c = _Ctx("x=1\n")
    fn(c)
    kernel, script, kw = c.calls[0]
    check(kernel == "6.12" and script == HOOKS_SH, "boot %s" % kernel)
    check(kw["driver"] is None and kw["smp"] == 4 and
          kw["env"] == {"C": "3"} and
          kw["files"] == {"a": "/b"},
          "ctx.vm_ok arguments %s" % kw)
    check(c.notes == ["check saw x=1"], "notes %s" % c.notes)
    try:
        fn(_Ctx("x=2\n"))
    except AssertionError as e:
        ctx.note("a failing check() fails the case: %s" % e)
    else:
        raise Fail("a failing check() did not fail the case")

    # run() replaces the default boot; its failure fails the case.
    def bad_run(ctx, kernel, var, spec):
        raise Fail("run() says no")
    h.py.run = bad_run
    try:
        fn(_Ctx("x=1\n"))
    except Fail as e:
        check(str(e) == "run() says no", "run() failure %s" % e)
    else:
        raise Fail("a failing run() did not fail the case")

    # Two files giving the same case name are refused.
    _write(t, "003-matrix.sh", MATRIX_SH)
    saved = list(caselib.REGISTRY)
    try:
        scenario.load(root)
    except scenario.ScenarioError as e:
        check("already exists" in str(e), str(e))
    else:
        raise Fail("a duplicate case name was accepted")
    finally:
        caselib.REGISTRY[:] = saved
    os.unlink(os.path.join(t, "003-matrix.sh"))

    # A misspelt key or a condition on an unknown variable is an error,
    # not prose.
    for bad in ("# timout: 5\n", "# params[rnig=split]: x=1\n"):
        _write(t, "004-bad.sh", "# SPDX-License-Identifier: GPL-2.0\n"
               "# description: bad\n" + bad + "true\n")
        try:
            scenario.scenarios(root)
        except scenario.ScenarioError as e:
            ctx.note("refused: %s" % str(e).split(": ", 1)[1])
        else:
            raise Fail("header line %r was accepted" % bad.strip())
    ctx.note("matrix/exclude/conditions/hooks/duplicates as documented")
