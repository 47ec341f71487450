# SPDX-License-Identifier: GPL-2.0
"""One scenario per file (after blktests).

A scenario is tests/<suite>/NNN-<name>.sh: a guest script (POSIX sh,
sourced after tests/vm/guest/lib.sh) that starts with its header: after
the SPDX line, "# key: value" lines, up to the first other line (an
unknown key is an error).  An optional tests/<suite>/NNN-<name>.py
beside it holds host-side Python.  Files are discovered: nothing
registers them.  NNN only orders the files.

Header keys (values but allow-log may use {v}: {kernel}, a matrix or a
vars variable):

    description  one line, required
    name         case name pattern; default "<suite>/<name>/{kernel}"
                 followed by "/{v}" for each matrix variable v; a
                 pattern without {kernel} gets "/{kernel}" appended
    kernels      kernels to run on (default: caselib.MATRIX)
    matrix       "v=a,b w=c,d": one case per combination
    exclude      "kernel=debug v=b": drop the combinations matching all
                 of its conditions (repeatable, one combination a line)
    vars         "k=v ...": constants for {k} and the .py (var dict)
    driver       ours (default), stock or none
    params       module parameters of the driver load
    modules      our modules put in /in without loading them
    test-modules harness modules of tests/modules put in /in
    disks        ";"-separated vm.Disk.parse specs, "64M,..." short for
                 "size=64M,..."
    smp, mem, timeout   VM size and time limit (seconds)
    env          "K=V ..." (shell words) exported to the guest; lines add
    allow-log    regex of bad kernel log lines the case provokes
    lib          helper files tests/lib/<lib>.sh put before the script
    quick        yes, no, or the kernels on which the case is quick
    tier         check (run by make check) or full (only make check-full);
                 default: full on the debug kernel, check otherwise, so a
                 debug-kernel case is in make check only with
                 "# tier[kernel=debug]: check"
    group        run.py group (default: the suite)

A key may carry a condition, "# key[kernel=debug ring=packed]: value":
the line applies only to cases matching every condition and, coming
later, overrides the plain line (env lines add to the environment).
Each matrix variable is also exported to the guest in upper case.

Host-side functions of the .py, each optional:

    configure(ctx, kernel, var, spec) -> dict of extra ctx.vm() keyword
        arguments (files and env add to the header's, others replace)
    check(ctx, r, res, kernel, var): after a passed run; r the
        vm.Result, res = caselib.results(r); raise caselib.Fail or use
        caselib.check() (imported under another name, e.g. "from
        caselib import check as expect"); ctx.note() for the summary
    run(ctx, kernel, var, spec): replaces the default spec.run() +
        check() (boots more than once, expects a failed boot, ...)

spec is a Spec: the resolved header of one case (spec.script, driver,
params, disks, env, ...), spec.vm_kwargs(ctx, **extra) and spec.run(ctx,
ok=True, **extra) (one boot; ok: the run must pass).
"""

import glob
import importlib.util
import itertools
import os
import re
import shlex

import caselib
import vm

HERE = os.path.dirname(os.path.abspath(__file__))
LIBDIR = os.path.join(HERE, "lib")
FILE_RE = re.compile(r"^(\d{3})-([a-z0-9][a-z0-9-]*)\.sh$")
LINE_RE = re.compile(r"^#\s*([a-z-]+)(?:\[([^\]]*)\])?:\s*(.*?)\s*$")
KEYS = ("description", "name", "kernels", "matrix", "exclude", "vars",
        "driver", "params", "modules", "test-modules", "disks", "smp",
        "mem", "timeout", "env", "allow-log", "lib", "quick", "tier", "group")
# Keys fixed per file: they decide which cases exist.
STATIC = ("description", "name", "kernels", "matrix", "exclude", "vars")


class ScenarioError(vm.HarnessError):
    """A malformed scenario file."""


def parse_header(path):
    """[(key, conditions dict, value), ...] of the file's header."""
    out = []
    with open(path) as f:
        lines = f.read().splitlines()
    for n, ln in enumerate(lines, 1):
        if n == 1 and "SPDX-License-Identifier" in ln:
            continue
        m = LINE_RE.match(ln)
        if not m:
            break           # the header ends, prose or script follow
        key, cond, value = m.groups()
        if key not in KEYS:
            raise ScenarioError("%s:%d: unknown key %r" % (path, n, key))
        if cond is not None and key in STATIC:
            raise ScenarioError("%s:%d: %s cannot be conditional"
                                % (path, n, key))
        out.append((key, _conds(cond or "", path, n), value))
    return out


def _conds(text, path, n):
    conds = {}
    for w in text.split():
        k, eq, v = w.partition("=")
        if not eq:
            raise ScenarioError("%s:%d: condition %r is not key=value"
                                % (path, n, w))
        conds[k] = v
    return conds


def _matches(conds, point):
    return all(point.get(k) == v for k, v in conds.items())


class Scenario:
    """One file: its header and the cases it expands to."""

    def __init__(self, path):
        self.path = path
        self.suite = os.path.basename(os.path.dirname(path))
        m = FILE_RE.match(os.path.basename(path))
        self.stem = m.group(2)
        self.header = parse_header(path)
        static = {k: v for k, c, v in self.header if k in STATIC}
        if not static.get("description"):
            raise ScenarioError("%s: no description" % path)
        self.kernels = (static.get("kernels", "").split() or
                        list(caselib.MATRIX))
        self.matrix = []
        for w in static.get("matrix", "").split():
            k, _, vals = w.partition("=")
            self.matrix.append((k, vals.split(",")))
        self.excludes = [_conds(v, path, 0)
                         for k, c, v in self.header if k == "exclude"]
        self.consts = dict(w.split("=", 1)
                           for w in static.get("vars", "").split())
        known = {"kernel"} | set(self.consts) | {k for k, _ in self.matrix}
        for conds in self.excludes + [c for _, c, _ in self.header]:
            if set(conds) - known:
                raise ScenarioError("%s: condition on unknown %s" % (
                    path, ", ".join(sorted(set(conds) - known))))
        pat = static.get("name") or "/".join(
            [self.suite, self.stem, "{kernel}"] +
            ["{%s}" % k for k, _ in self.matrix])
        if "{kernel}" not in pat:
            pat += "/{kernel}"
        self.pattern = pat
        self.py = None
        pyfile = path[:-3] + ".py"
        if os.path.exists(pyfile):
            name = "scenario_%s_%s" % (self.suite,
                                       os.path.basename(path)[:-3])
            spec = importlib.util.spec_from_file_location(
                name.replace("-", "_"), pyfile)
            self.py = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self.py)
        with open(path) as f:
            self.body = f.read()

    def points(self):
        """Every (kernel, var) of the matrix, in file order."""
        names = [k for k, _ in self.matrix]
        for kernel in self.kernels:
            for combo in itertools.product(*[v for _, v in self.matrix]):
                var = dict(self.consts)
                var.update(zip(names, combo))
                point = dict(var, kernel=kernel)
                if any(_matches(x, point) for x in self.excludes):
                    continue
                yield kernel, var

    def spec(self, kernel, var):
        return Spec(self, kernel, var)

    def fn(self, kernel, var):
        def run_case(ctx):
            spec = self.spec(kernel, var)
            hook = getattr(self.py, "run", None)
            if hook:
                return hook(ctx, kernel, dict(var), spec)
            r = spec.run(ctx)
            check = getattr(self.py, "check", None)
            if check:
                check(ctx, r, caselib.results(r), kernel, dict(var))
        return run_case


class Spec:
    """The resolved header of one case of a Scenario."""

    def __init__(self, sc, kernel, var):
        self.scenario = sc
        self.kernel = kernel
        self.var = dict(var)
        self.matrix_vars = [k for k, _ in sc.matrix]
        point = dict(var, kernel=kernel)
        vals = {}
        env = {}
        for key, conds, value in sc.header:
            if key in STATIC or not _matches(conds, point):
                continue
            if key != "allow-log":
                value = self._fmt(value, point)
            if key == "env":
                for w in shlex.split(value):
                    k, _, v = w.partition("=")
                    env[k] = v
            else:
                vals[key] = value
        self.name = self._fmt(sc.pattern, point)
        self.driver = vals.get("driver", "ours")
        if self.driver not in ("ours", "stock", "none"):
            raise ScenarioError("%s: driver %r" % (sc.path, self.driver))
        self.params = vals.get("params", "")
        self.modules = vals.get("modules", "").split()
        self.test_modules = vals.get("test-modules", "").split()
        self.disk_specs = [s.strip() for s in vals.get("disks", "").split(";")
                           if s.strip()]
        self.smp = int(vals.get("smp", 2))
        self.mem = vals.get("mem", "1G")
        self.timeout = int(vals.get("timeout", 300))
        self.allow_log = vals.get("allow-log") or None
        for k in self.matrix_vars:
            env.setdefault(k.upper(), var[k])
        self.env = env
        q = vals.get("quick", "no").split()
        self.quick = q == ["yes"] or kernel in q
        self.group = vals.get("group", sc.suite)
        tier = vals.get("tier", "full" if kernel == "debug" else "check")
        if tier not in ("check", "full"):
            raise ScenarioError("%s: tier %r (check or full)"
                                % (sc.path, tier))
        self.full = tier == "full"
        libs = vals.get("lib", "").split()
        text = []
        for lib in libs:
            p = os.path.join(LIBDIR, lib + ".sh")
            if not os.path.exists(p):
                raise ScenarioError("%s: no tests/lib/%s.sh" % (sc.path, lib))
            with open(p) as f:
                text.append(f.read())
        self.script = "".join(text) + sc.body

    def _fmt(self, s, point):
        try:
            return s.format(**point)
        except (KeyError, IndexError, ValueError) as e:
            raise ScenarioError("%s: %r: %s" % (self.scenario.path, s, e))

    @property
    def disks(self):
        """Fresh vm.Disk objects of the header's disks ("64M,..." is
        short for "size=64M,...")."""
        out = []
        for s in self.disk_specs:
            if "=" not in s.split(",")[0]:
                s = "size=" + s
            out.append(vm.Disk.parse(s))
        return out

    def vm_kwargs(self, ctx, **extra):
        """ctx.vm() keyword arguments: the header's, then configure()'s,
        then extra (files and env add, the others replace)."""
        kw = {"driver": None if self.driver == "none" else self.driver,
              "params": self.params, "disks": self.disks, "smp": self.smp,
              "mem": self.mem, "timeout": self.timeout,
              "env": dict(self.env), "files": {}}
        if self.allow_log:
            kw["allow_log"] = self.allow_log
        if self.modules or self.test_modules:
            kw["files"] = caselib.module_files(
                ctx.kernel(self.kernel), self.modules, self.test_modules)
        conf = getattr(self.scenario.py, "configure", None)
        for more in ((conf(ctx, self.kernel, dict(self.var), self)
                      if conf else None) or {}, extra):
            more = dict(more)
            kw["files"].update(more.pop("files", None) or {})
            kw["env"].update(more.pop("env", None) or {})
            kw.update(more)
        return kw

    def run(self, ctx, ok=True, script=None, **extra):
        """Boot once with the header's settings (plus extra); ok: the run
        must pass (ctx.vm_ok), else the Result is returned unchecked."""
        kw = self.vm_kwargs(ctx, **extra)
        boot = ctx.vm_ok if ok else ctx.vm
        return boot(self.kernel, script or self.script, **kw)


def scenarios(root=HERE):
    """Every tests/<suite>/NNN-*.sh, by suite, then number."""
    out = []
    for path in sorted(glob.glob(os.path.join(root, "*", "[0-9]*.sh"))):
        if os.path.dirname(path) == LIBDIR:
            continue
        if FILE_RE.match(os.path.basename(path)):
            out.append(Scenario(path))
    return out


def load(root=HERE):
    """Register every scenario's cases with caselib (names must be
    unique); returns caselib.REGISTRY."""
    seen = {c.name for c in caselib.REGISTRY}
    for sc in scenarios(root):
        for kernel, var in sc.points():
            spec = sc.spec(kernel, var)
            if spec.name in seen:
                raise ScenarioError("%s: case %s already exists"
                                    % (sc.path, spec.name))
            seen.add(spec.name)
            caselib.case(spec.name, quick=spec.quick, group=spec.group,
                         full=spec.full)(sc.fn(kernel, var))
    return caselib.REGISTRY
