#!/usr/bin/python3
"""Loads an OCI runtime-spec seccomp profile into libseccomp the way runc does, and exports
the raw BPF. Used by tests/export_roundtrip.rs (run it with Debian's /usr/bin/python3 and
python3-seccomp).

    libseccomp_oci.py PROFILE.json OUT.bpf

runc's steps (libcontainer/seccomp/seccomp_linux.go), repeated here:
  - the filter's default action is defaultAction (with defaultErrnoRet for SCMP_ACT_ERRNO);
  - every listed architecture is added (libseccomp's bad-arch action stays KILL_THREAD);
  - an entry whose action equals the default action is skipped;
  - a syscall name libseccomp does not know is skipped silently;
  - an entry's conditions are one rule when their argument indexes are all different,
    otherwise each condition is a rule of its own;
  - SCMP_ACT_ERRNO / SCMP_ACT_TRACE use errnoRet, EPERM (1) without it.

Prints on stdout a JSON object {"skipped": [names libseccomp does not know]}.
"""

import json
import sys

import seccomp

ARCHES = {
    "SCMP_ARCH_X86_64": seccomp.Arch.X86_64,
    "SCMP_ARCH_X86": seccomp.Arch.X86,
    "SCMP_ARCH_X32": seccomp.Arch.X32,
    "SCMP_ARCH_AARCH64": seccomp.Arch.AARCH64,
    "SCMP_ARCH_ARM": seccomp.Arch.ARM,
    "SCMP_ARCH_RISCV64": seccomp.Arch.RISCV64,
    "SCMP_ARCH_S390X": seccomp.Arch.S390X,
    "SCMP_ARCH_PPC64LE": seccomp.Arch.PPC64LE,
}

OPS = {
    "SCMP_CMP_EQ": seccomp.EQ,
    "SCMP_CMP_NE": seccomp.NE,
    "SCMP_CMP_LT": seccomp.LT,
    "SCMP_CMP_LE": seccomp.LE,
    "SCMP_CMP_GT": seccomp.GT,
    "SCMP_CMP_GE": seccomp.GE,
    "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ,
}


def fail(msg):
    sys.stderr.write("libseccomp_oci: %s\n" % msg)
    sys.exit(2)


def action(name, errno_ret):
    ret = 1 if errno_ret is None else int(errno_ret)
    table = {
        "SCMP_ACT_ALLOW": seccomp.ALLOW,
        "SCMP_ACT_KILL": seccomp.KILL,
        "SCMP_ACT_KILL_THREAD": seccomp.KILL,
        "SCMP_ACT_KILL_PROCESS": seccomp.KILL_PROCESS,
        "SCMP_ACT_TRAP": seccomp.TRAP,
        "SCMP_ACT_LOG": seccomp.LOG,
    }
    if name in table:
        return table[name]
    if name == "SCMP_ACT_ERRNO":
        return seccomp.ERRNO(ret)
    if name == "SCMP_ACT_TRACE":
        return seccomp.TRACE(ret)
    fail("unsupported action %r" % name)


def main():
    if len(sys.argv) != 3:
        fail("usage: libseccomp_oci.py PROFILE.json OUT.bpf")
    with open(sys.argv[1]) as fh:
        prof = json.load(fh)
    if "linux" in prof:
        prof = prof["linux"]["seccomp"]
    default = action(prof["defaultAction"], prof.get("defaultErrnoRet"))
    f = seccomp.SyscallFilter(default)
    wanted = [ARCHES[a] for a in prof.get("architectures", [])]
    for a in wanted:
        if not f.exist_arch(a):
            f.add_arch(a)
    native = seccomp.system_arch() & 0xFFFFFFFF
    if wanted and all(a & 0xFFFFFFFF != native for a in wanted):
        f.remove_arch(seccomp.Arch.NATIVE)
    skipped = set()
    for i, e in enumerate(prof.get("syscalls", [])):
        act = action(e["action"], e.get("errnoRet"))
        if act == default:
            continue
        conds = []
        for c in e.get("args", []) or []:
            op = OPS[c["op"]]
            if c["op"] == "SCMP_CMP_MASKED_EQ":
                conds.append(seccomp.Arg(int(c["index"]), op, int(c["value"]), int(c.get("valueTwo", 0))))
            else:
                conds.append(seccomp.Arg(int(c["index"]), op, int(c["value"])))
        indexes = [int(c["index"]) for c in e.get("args", []) or []]
        rules = [conds]
        if len(set(indexes)) != len(indexes):
            rules = [[c] for c in conds]
        for name in e["names"]:
            try:
                nr = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
            except (ValueError, RuntimeError):
                nr = -1
            if nr == -1:  # __NR_SCMP_ERROR: runc's GetSyscallFromName fails, runc skips it
                skipped.add(name)
                continue
            for r in rules:
                try:
                    f.add_rule(act, name, *r)
                except Exception as ex:  # runc fails the container on such an error
                    fail("syscalls[%d] %s: %s" % (i, name, ex))
    with open(sys.argv[2], "wb") as fh:
        f.export_bpf(fh)
    json.dump({"skipped": sorted(skipped)}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
