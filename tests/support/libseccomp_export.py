#!/usr/bin/python3
"""Builds a libseccomp filter from a JSON description and exports its raw BPF.

Used by tests/libseccomp_interop.rs as an independent oracle (DESIGN.md section 6). Run it
with Debian's /usr/bin/python3 (the python3-seccomp module is built for that interpreter).

Input (stdin), a JSON object:
  {
    "default": ACTION,                  # required
    "badarch": ACTION,                  # optional (libseccomp's default is kill-thread)
    "arches": ["x86_64", "x86", "x32"], # libseccomp names; exactly these are targeted
    "optimize": 1 | 2,                  # 1: linear, 2: binary tree (CTL_OPTIMIZE)
    "rules": [
      {"action": ACTION, "syscall": "unshare",
       "conditions": [{"arg": 0, "op": "EQ", "value": 5, "mask": 0}]}
    ],
    "output": "/path/file.bpf"          # optional; default: raw BPF on stdout
  }
ACTION is one of "allow", "kill", "kill_process", "kill_thread", "trap", "log",
"errno N", "trace N". `op` is EQ, NE, LT, LE, GT, GE or MASKED_EQ; for MASKED_EQ
the argument matches when (arg & mask) == value.

Or, to ask libseccomp how it numbers syscalls:
  {"resolve": {"arch": "x86", "names": ["read", "socket"]}}
prints a JSON object {name: number or null} (null: libseccomp has no such syscall there;
it resolves those to negative pseudo-numbers).

Errors go to stderr with exit status 2.
"""

import json
import sys

import seccomp

ARCHES = {
    "x86_64": seccomp.Arch.X86_64,
    "x86": seccomp.Arch.X86,
    "x32": seccomp.Arch.X32,
    "aarch64": seccomp.Arch.AARCH64,
    "arm": seccomp.Arch.ARM,
    "riscv64": seccomp.Arch.RISCV64,
    "s390x": seccomp.Arch.S390X,
    "ppc64le": seccomp.Arch.PPC64LE,
}

OPS = {
    "EQ": seccomp.EQ,
    "NE": seccomp.NE,
    "LT": seccomp.LT,
    "LE": seccomp.LE,
    "GT": seccomp.GT,
    "GE": seccomp.GE,
    "MASKED_EQ": seccomp.MASKED_EQ,
}


def fail(msg):
    sys.stderr.write("libseccomp_export: %s\n" % msg)
    sys.exit(2)


def action(text):
    words = str(text).split()
    if not words:
        fail("empty action")
    name, rest = words[0].lower(), words[1:]
    if name == "allow":
        return seccomp.ALLOW
    if name in ("kill", "kill_process", "kill-process"):
        return seccomp.KILL_PROCESS
    if name in ("kill_thread", "kill-thread"):
        return seccomp.KILL
    if name == "trap":
        return seccomp.TRAP
    if name == "log":
        return seccomp.LOG
    if name in ("errno", "trace") and len(rest) == 1:
        n = int(rest[0], 0)
        return seccomp.ERRNO(n) if name == "errno" else seccomp.TRACE(n)
    fail("unknown action %r" % text)


def arch(name):
    try:
        return ARCHES[name]
    except KeyError:
        fail("unknown arch %r (known: %s)" % (name, ", ".join(sorted(ARCHES))))


def resolve(req):
    a = arch(req["arch"])
    out = {}
    for name in req["names"]:
        try:
            nr = seccomp.resolve_syscall(a, name)
        except (ValueError, RuntimeError):
            nr = None
        out[name] = nr if nr is not None and nr >= 0 else None
    json.dump(out, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


def build(desc):
    f = seccomp.SyscallFilter(action(desc["default"]))
    if "badarch" in desc:
        f.set_attr(seccomp.Attr.ACT_BADARCH, action(desc["badarch"]))
    f.set_attr(seccomp.Attr.CTL_OPTIMIZE, int(desc.get("optimize", 1)))
    # The constructor targets the native ABI; make the set exactly the requested one.
    wanted = [arch(a) for a in desc["arches"]]
    if not wanted:
        fail("no arch")
    for a in wanted:
        if not f.exist_arch(a):
            f.add_arch(a)
    # system_arch() is unsigned while the Arch constants are signed: compare the low 32 bits.
    native = seccomp.system_arch() & 0xFFFFFFFF
    if all(a & 0xFFFFFFFF != native for a in wanted):
        f.remove_arch(seccomp.Arch.NATIVE)
    for i, r in enumerate(desc.get("rules", [])):
        args = []
        for c in r.get("conditions", []):
            op = c["op"].upper()
            if op not in OPS:
                fail("rule %d: unknown op %r" % (i, c["op"]))
            if op == "MASKED_EQ":
                args.append(seccomp.Arg(int(c["arg"]), OPS[op], int(c["mask"]), int(c["value"])))
            else:
                args.append(seccomp.Arg(int(c["arg"]), OPS[op], int(c["value"])))
        try:
            f.add_rule(action(r["action"]), r["syscall"], *args)
        except Exception as e:  # libseccomp reports errors as OSError/ValueError/RuntimeError
            fail("rule %d (%s %s): %s" % (i, r["action"], r["syscall"], e))
    return f


def main():
    try:
        desc = json.load(sys.stdin)
    except ValueError as e:
        fail("bad JSON on stdin: %s" % e)
    if "resolve" in desc:
        resolve(desc["resolve"])
        return
    f = build(desc)
    out = desc.get("output")
    if out:
        with open(out, "wb") as fh:
            f.export_bpf(fh)
    else:
        sys.stdout.flush()
        f.export_bpf(sys.stdout)


if __name__ == "__main__":
    main()
