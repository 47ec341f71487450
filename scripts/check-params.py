#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the documentation states the module parameters as built.

Usage: scripts/check-params.py [--root DIR] MODULE.ko...

For each module (virtio_blk.ko, cpuidle_haltpoll_io.ko) it reads the
parameters with "modinfo -F parm": every description must end in the
machine-readable form the sources generate,

    <text> (range: <min>..<max>, default: <default>)     integers
    <text> (default: Y)  or  (default: N)                 bools

(<max> may be a word for a limit known only at run time, e.g. nr_cpus).
Then it compares names, ranges and defaults with

  - Documentation/admin-guide.rst, section "Module parameters",
    subsection "<module>" (both modules);
  - Documentation/cpuidle.rst, section "Module parameters"
    (cpuidle_haltpoll_io);
  - debian/virtio-blk-poll.conf, block "# --- <module> ---".

In the rst files a parameter reads, as in the kernel's
Documentation/virt/guest-halt-polling.rst:

    <n>) <name>:

    <text>

    Default: <default>

    Range: <min>..<max>[ <remark>]          (integers only)

with <n> counting from 1.  In the modprobe file:

    # <name>: <text>
    # <more text>
    # (range: <min>..<max>, default: <default>)    or (default: Y|N)
    #options <module> <name>=<example>

Every parameter must be documented in each place, nothing documented that
the module does not have.  Each mismatch is reported as FILE:LINE: text;
the exit status is 1 if there is any, 2 on a usage error.
"""

import argparse
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = TOP

TRAILER = re.compile(r"\((?:range: (\w+)\.\.(\w+), )?default: ([^()]+)\)$")
ENTRY = re.compile(r"^(\d+)\) (\w+):$")
DEFAULT = re.compile(r"^Default: (\S+)$")
RANGE = re.compile(r"^Range: (\w+)\.\.(\w+)(?:$|[ ;,])")
CONF_MODULE = re.compile(r"^# --- (\w+) -+$")
CONF_HEAD = re.compile(r"^# (\w+): ")
CONF_OPTIONS = re.compile(r"^#options (\w+) (.*)$")

# Where each module's parameters are documented in rst: (file, section
# titles from the top, underline characters included for precision).
RST_PLACES = {
    "virtio_blk": [("Documentation/admin-guide.rst",
                    ["Module parameters", "virtio_blk"])],
    "cpuidle_haltpoll_io": [("Documentation/admin-guide.rst",
                             ["Module parameters", "cpuidle_haltpoll_io"]),
                            ("Documentation/cpuidle.rst",
                             ["Module parameters"])],
}
CONF = "debian/virtio-blk-poll.conf"


class Param:
    def __init__(self, name, kind, lo, hi, default):
        self.name, self.kind = name, kind
        self.lo, self.hi, self.default = lo, hi, default

    def describe(self):
        if self.kind == "bool":
            return "default %s" % self.default
        return "range %s..%s, default %s" % (self.lo, self.hi, self.default)


class Report:
    def __init__(self):
        self.errors = []

    def err(self, where, msg):
        self.errors.append("%s: %s" % (where, msg))


def modinfo(ko, field):
    r = subprocess.run(["modinfo", "-F", field, ko], capture_output=True,
                       text=True)
    if r.returncode != 0:
        sys.exit("check-params: modinfo %s: %s" % (ko, r.stderr.strip()))
    return [ln for ln in r.stdout.splitlines() if ln.strip()]


def module_params(ko, rep):
    """(module name, {name: Param}) from the .ko's modinfo."""
    mod = modinfo(ko, "name")[0]
    types = {}
    for ln in modinfo(ko, "parmtype"):
        name, _, t = ln.partition(":")
        types[name] = t
    params = {}
    for ln in modinfo(ko, "parm"):
        name, _, desc = ln.partition(":")
        # modinfo appends the type to the description: " (bool)"
        t = " (%s)" % types.get(name, "")
        if desc.endswith(t):
            desc = desc[:-len(t)]
        m = TRAILER.search(desc)
        if not m:
            rep.err("%s %s" % (os.path.basename(ko), name),
                    "description does not end in \"(range: <min>..<max>, "
                    "default: <default>)\" or \"(default: Y|N)\": %r"
                    % desc)
            params[name] = Param(name, None, None, None, None)
            continue
        lo, hi, default = m.groups()
        kind = "bool" if lo is None else "int"
        if types.get(name, kind) == "bool" and kind != "bool":
            rep.err("%s %s" % (os.path.basename(ko), name),
                    "a bool with a range in its description")
        params[name] = Param(name, kind, lo, hi, default.strip())
    return mod, params


def rst_section(path, titles):
    """Lines (number, text) of the section reached by the titles, each a
    subsection of the one before, up to the next heading of the same or a
    higher level; None if absent."""
    with open(path) as f:
        lines = f.read().splitlines()
    heads = []          # (index, title, underline char)
    for i in range(len(lines) - 1):
        u = lines[i + 1]
        if (lines[i].strip() and u and len(set(u)) == 1 and u[0] in "=-~^"
                and len(u) >= len(lines[i].rstrip()) and
                not (i > 0 and lines[i - 1] == u)):
            heads.append((i, lines[i].strip(), u[0]))
    # the level of an underline character is its order of appearance
    order = []
    for _, _, c in heads:
        if c not in order:
            order.append(c)
    start, end, level = 0, len(lines), -1
    for title in titles:
        found = None
        for i, t, c in heads:
            if start <= i < end and t == title and order.index(c) > level:
                found = (i, order.index(c))
                break
        if not found:
            return None
        start, level = found[0] + 2, found[1]
        for i, _, c in heads:
            if i >= start and order.index(c) <= level:
                end = min(end, i)
                break
    return [(n + 1, lines[n]) for n in range(start, end)]


def rst_params(path, titles, rep):
    """{name: (line, Param-like dict)} documented in a section."""
    rel = os.path.relpath(path, ROOT)
    sec = rst_section(path, titles)
    if sec is None:
        rep.err(rel, "no section %s" % " / ".join(repr(t) for t in titles))
        return {}
    docs = {}
    cur = None
    want = 1
    for n, text in sec:
        m = ENTRY.match(text)
        if m:
            if int(m.group(1)) != want:
                rep.err("%s:%d" % (rel, n), "entry %s) should be %d)"
                        % (m.group(1), want))
            want = int(m.group(1)) + 1
            cur = {"line": n, "default": None, "range": None}
            if m.group(2) in docs:
                rep.err("%s:%d" % (rel, n), "%s documented twice"
                        % m.group(2))
            docs[m.group(2)] = cur
            continue
        if cur is None:
            continue
        m = DEFAULT.match(text)
        if m:
            cur["default"] = (n, m.group(1))
        m = RANGE.match(text)
        if m:
            cur["range"] = (n, m.group(1), m.group(2))
    return docs


def check_rst(mod, params, path, titles, rep):
    rel = os.path.relpath(path, ROOT)
    docs = rst_params(path, titles, rep)
    where = "%s %s" % (rel, " / ".join(titles))
    for name, p in params.items():
        d = docs.get(name)
        if d is None:
            rep.err(where, "%s.%s is not documented" % (mod, name))
            continue
        at = "%s:%d" % (rel, d["line"])
        if p.kind is None:
            continue
        if d["default"] is None:
            rep.err(at, "%s.%s: no \"Default: %s\" line"
                    % (mod, name, p.default))
        elif d["default"][1] != p.default:
            rep.err("%s:%d" % (rel, d["default"][0]),
                    "%s.%s: documented default %s, the module's is %s"
                    % (mod, name, d["default"][1], p.default))
        if p.kind == "bool":
            if d["range"]:
                rep.err("%s:%d" % (rel, d["range"][0]),
                        "%s.%s: a bool has no Range line" % (mod, name))
        elif d["range"] is None:
            rep.err(at, "%s.%s: no \"Range: %s..%s\" line"
                    % (mod, name, p.lo, p.hi))
        elif d["range"][1:] != (p.lo, p.hi):
            rep.err("%s:%d" % (rel, d["range"][0]),
                    "%s.%s: documented range %s..%s, the module's is %s..%s"
                    % (mod, name, d["range"][1], d["range"][2], p.lo, p.hi))
    for name, d in docs.items():
        if name not in params:
            rep.err("%s:%d" % (rel, d["line"]),
                    "%s.%s is documented but the module has no such "
                    "parameter" % (mod, name))


def conf_blocks(path):
    """{module: [(line, text)]} of the "# --- <module> ---" blocks."""
    blocks = {}
    cur = None
    with open(path) as f:
        for n, text in enumerate(f.read().splitlines(), 1):
            m = CONF_MODULE.match(text)
            if m:
                cur = blocks.setdefault(m.group(1), [])
                continue
            if cur is not None:
                cur.append((n, text))
    return blocks


def check_conf(mod, params, path, rep):
    rel = os.path.relpath(path, ROOT)
    block = conf_blocks(path).get(mod)
    if block is None:
        rep.err(rel, "no \"# --- %s ---\" block" % mod)
        return
    docs = {}
    cur = None
    for n, text in block:
        m = CONF_HEAD.match(text)
        if m:
            cur = {"name": m.group(1), "line": n, "trailer": None,
                   "options": False}
            docs[m.group(1)] = cur
            continue
        m = CONF_OPTIONS.match(text)
        if m:
            if m.group(1) != mod:
                rep.err("%s:%d" % (rel, n), "options for %s in the %s block"
                        % (m.group(1), mod))
            for kv in m.group(2).split():
                name = kv.partition("=")[0]
                if name not in params:
                    rep.err("%s:%d" % (rel, n), "%s has no parameter %s"
                            % (mod, name))
                elif cur is not None and name == cur["name"]:
                    cur["options"] = True
            continue
        if cur is not None and text.startswith("# "):
            t = TRAILER.search(text)
            if t and text[2:].startswith("("):
                cur["trailer"] = (n, t.groups())
        elif text.strip() in ("", "#"):
            cur = None
    for name, p in params.items():
        d = docs.get(name)
        if d is None:
            rep.err(rel, "%s.%s is not documented" % (mod, name))
            continue
        at = "%s:%d" % (rel, d["line"])
        if not d["options"]:
            rep.err(at, "%s.%s: no \"#options %s %s=...\" line"
                    % (mod, name, mod, name))
        if p.kind is None:
            continue
        if d["trailer"] is None:
            rep.err(at, "%s.%s: no \"# (%s)\" line" % (
                mod, name, ("default: %s" % p.default) if p.kind == "bool"
                else "range: %s..%s, default: %s" % (p.lo, p.hi, p.default)))
        else:
            ln, (lo, hi, default) = d["trailer"]
            if (lo, hi, default.strip()) != (p.lo, p.hi, p.default):
                rep.err("%s:%d" % (rel, ln),
                        "%s.%s: documented %s, the module says %s"
                        % (mod, name, Param(name, "bool" if lo is None
                                            else "int", lo, hi,
                                            default.strip()).describe(),
                           p.describe()))
    for name, d in docs.items():
        if name not in params:
            rep.err("%s:%d" % (rel, d["line"]),
                    "%s.%s is documented but the module has no such "
                    "parameter" % (mod, name))


def main():
    ap = argparse.ArgumentParser(
        description="Compare module parameters with their documentation.")
    ap.add_argument("--root", default=TOP,
                    help="source tree with Documentation/ and debian/")
    ap.add_argument("modules", nargs="+", metavar="MODULE.ko")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    global ROOT     # file names in the report are relative to it
    ROOT = root
    rep = Report()
    seen = []
    for ko in args.modules:
        mod, params = module_params(ko, rep)
        seen.append("%s (%d parameters)" % (mod, len(params)))
        if mod not in RST_PLACES:
            rep.err(ko, "no documentation place known for module %s" % mod)
            continue
        for rst, titles in RST_PLACES[mod]:
            check_rst(mod, params, os.path.join(root, rst), titles, rep)
        check_conf(mod, params, os.path.join(root, CONF), rep)
    for e in rep.errors:
        print(e)
    if rep.errors:
        print("check-params: %d mismatches" % len(rep.errors),
              file=sys.stderr)
        return 1
    print("check-params: %s: documentation matches" % ", ".join(seen),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
