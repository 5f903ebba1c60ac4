//! libseccomp as an independent oracle (DESIGN.md §6).
//!
//! `tests/support/libseccomp_export.py` builds a filter with libseccomp's Python bindings
//! (Debian `python3-seccomp`, run by `/usr/bin/python3`) from a JSON description and exports
//! its raw BPF. These tests check that
//! - sysgate's validator, emulator and disassembler accept what libseccomp produces (both
//!   optimize levels: 1 = linear, 2 = binary tree), and
//! - for the same rules, sysgate's program and libseccomp's program return the same value on
//!   every syscall number of every target table, numbers past the tables, and argument values
//!   around every constant (differential testing), for fixed and for seeded random policies.
//!
//! Known semantic differences between the two, and how the tests keep clear of them:
//! - (a) libseccomp does not evaluate the rules of one syscall in order: every matching rule
//!   counts and the highest-priority action wins. sysgate takes the first matching rule. The
//!   policies here give each syscall one rule, or rules whose conditions are disjoint.
//! - (b) Argument widths. libseccomp compares only the low 32 bits of an argument on 32-bit
//!   ABIs, and it counts x32 as one (`ARCH_SIZE_32`); on x86_64 it compares all 64 bits of
//!   every argument. sysgate compares the low 32 bits on i386 and for 32-bit parameters, and
//!   64 bits otherwise, x32 included (its registers are 64-bit). Generated arguments with a
//!   non-zero high word are therefore only used on x86_64 and i386; on x32 they are skipped,
//!   and `x32_high_word_difference` documents the disagreement.
//! - (c) Numbers absent from sysgate's table get sysgate's `unknown` action (errno ENOSYS by
//!   default); libseccomp gives them the default action. Every sysgate policy here sets
//!   `unknown` to its `default`.
//! - (d) libseccomp refuses a rule whose action equals the default action (EACCES); generated
//!   rules never do that.
//! - (e) libseccomp compares `(arg & mask) == (value & mask)` for `MASKED_EQ`: it drops the
//!   bits of the value outside the mask, so a rule whose value has such bits still matches.
//!   sysgate compares `(arg & mask) == value`, which never holds then (as the kernel's
//!   seccomp_rule_add(3) man page describes it). Generated values lie within their mask;
//!   `masked_value_outside_mask_difference` documents the disagreement.
//! - (f) A 16-bit parameter (the `umode_t` `mode` of `openat`, `fchmod`, `mkdirat`; the ids
//!   of i386's legacy `setuid`…): sysgate tests the low 16 bits, all the kernel reads
//!   (`tests/attack_doors.rs` shows it in the kernel); libseccomp tests the whole word.
//!   Generated inputs leave the bits above 16 at 0.
//! - Architectures not targeted: both are told to kill the process (`badarch kill`,
//!   libseccomp's `ACT_BADARCH`; libseccomp's own default is to kill the thread).
//!
//! When python3-seccomp is missing the tests print `SKIP` (or fail under
//! `SYSGATE_REQUIRE_INTEROP=1`, see `tests/common`).

// Only `require_or_skip` is used here.
#[allow(unused_imports)]
mod common;

use common::rng::Rng;

use common::libseccomp_available;
use common::libseccomp_export as run_helper;

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use sysgate::arch::{Arch, X32_SYSCALL_BIT};
use sysgate::bpf::disasm::disassemble;
use sysgate::bpf::emulator::{describe_ret, run, run_unchecked, validate, SeccompData};
use sysgate::bpf::{from_bytes, ret, Insn};
use sysgate::policy::Policy;

/// libseccomp's program for `desc` (see the helper's docstring for the format).
fn libseccomp_prog(desc: &Value) -> Vec<Insn> {
    let bytes = run_helper(desc);
    let prog = from_bytes(&bytes).expect("libseccomp exported a malformed program");
    if let Err(e) = validate(&prog) {
        panic!(
            "sysgate's validator rejects libseccomp's program: {e}\n{}",
            disassemble(&prog, None)
        );
    }
    prog
}

// ---------------------------------------------------------------------------------------
// One description of a policy, written out in both languages.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    Allow,
    Errno(u16),
    Kill,
    Trap,
    Log,
}

impl Act {
    fn sysgate(self) -> String {
        match self {
            Act::Allow => "allow".into(),
            Act::Errno(n) => format!("errno {n}"),
            Act::Kill => "kill".into(),
            Act::Trap => "trap".into(),
            Act::Log => "log".into(),
        }
    }
    fn libseccomp(self) -> String {
        match self {
            Act::Allow => "allow".into(),
            Act::Errno(n) => format!("errno {n}"),
            Act::Kill => "kill_process".into(),
            Act::Trap => "trap".into(),
            Act::Log => "log".into(),
        }
    }
    fn ret(self) -> u32 {
        match self {
            Act::Allow => ret::ALLOW,
            Act::Errno(n) => ret::ERRNO | u32::from(n),
            Act::Kill => ret::KILL_PROCESS,
            Act::Trap => ret::TRAP,
            Act::Log => ret::LOG,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `(arg & mask) == value`.
    MaskedEq(u64),
}

#[derive(Clone, Copy, Debug)]
struct Cmp {
    arg: u8,
    op: Op,
    value: u64,
}

#[derive(Clone, Debug)]
struct Rule {
    action: Act,
    syscall: &'static str,
    conds: Vec<Cmp>,
}

#[derive(Clone, Debug)]
struct Spec {
    default: Act,
    arches: Vec<Arch>,
    rules: Vec<Rule>,
}

fn libseccomp_arch(a: Arch) -> &'static str {
    match a {
        Arch::I386 => "x86",
        other => other.name(),
    }
}

fn r(action: Act, syscall: &'static str, conds: &[Cmp]) -> Rule {
    Rule {
        action,
        syscall,
        conds: conds.to_vec(),
    }
}

fn c(arg: u8, op: Op, value: u64) -> Cmp {
    Cmp { arg, op, value }
}

impl Spec {
    /// The policy in sysgate's language; `unknown` equals `default` (difference (c)).
    fn sysgate(&self) -> String {
        let arches: Vec<&str> = self.arches.iter().map(|a| a.name()).collect();
        let mut s = format!(
            "arch {}\ndefault {}\nunknown {}\nbadarch kill\n",
            arches.join(" "),
            self.default.sysgate(),
            self.default.sysgate()
        );
        for rule in &self.rules {
            s += &format!("{} {}", rule.action.sysgate(), rule.syscall);
            let conds: Vec<String> = rule
                .conds
                .iter()
                .map(|c| {
                    let (a, v) = (c.arg, c.value);
                    match c.op {
                        Op::Eq => format!("arg{a} == {v:#x}"),
                        Op::Ne => format!("arg{a} != {v:#x}"),
                        Op::Lt => format!("arg{a} < {v:#x}"),
                        Op::Le => format!("arg{a} <= {v:#x}"),
                        Op::Gt => format!("arg{a} > {v:#x}"),
                        Op::Ge => format!("arg{a} >= {v:#x}"),
                        Op::MaskedEq(m) => format!("(arg{a} & {m:#x}) == {v:#x}"),
                    }
                })
                .collect();
            if !conds.is_empty() {
                s += &format!(" if {}", conds.join(" && "));
            }
            s += "\n";
        }
        s
    }

    /// The helper's JSON description.
    fn libseccomp(&self, optimize: u8) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|rule| {
                let conds: Vec<Value> = rule
                    .conds
                    .iter()
                    .map(|c| {
                        let (op, mask) = match c.op {
                            Op::Eq => ("EQ", 0),
                            Op::Ne => ("NE", 0),
                            Op::Lt => ("LT", 0),
                            Op::Le => ("LE", 0),
                            Op::Gt => ("GT", 0),
                            Op::Ge => ("GE", 0),
                            Op::MaskedEq(m) => ("MASKED_EQ", m),
                        };
                        json!({"arg": c.arg, "op": op, "value": c.value, "mask": mask})
                    })
                    .collect();
                json!({
                    "action": rule.action.libseccomp(),
                    "syscall": rule.syscall,
                    "conditions": conds,
                })
            })
            .collect();
        json!({
            "default": self.default.libseccomp(),
            "badarch": "kill_process",
            "arches": self.arches.iter().map(|&a| libseccomp_arch(a)).collect::<Vec<_>>(),
            "optimize": optimize,
            "rules": rules,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Inputs.

/// Whether arguments with a non-zero high word may be compared on `arch` (difference (b)):
/// both compare 64 bits on x86_64 and only the low word on i386; on x32 they differ.
fn high_word_comparable(arch: Arch, syscall: Option<&str>) -> bool {
    // x32: libseccomp compares the low word only (x32_high_word_difference). 32-bit
    // parameters: sysgate compares the low word only, as the kernel reads it
    // (x86_64_thirty_two_bit_parameter_difference).
    arch != Arch::X32
        && !syscall
            .and_then(|n| sysgate::arch::params(arch, n))
            .is_some_and(|ps| ps.iter().any(|p| p.bits == 32))
}

/// Syscall numbers to try on `arch`: its whole table, the numbers just past it, and a few
/// far away (which for x86_64/x32 includes the other half of `AUDIT_ARCH_X86_64`).
fn numbers(arch: Arch) -> Vec<u32> {
    let table = arch.syscalls();
    let mut nrs: BTreeSet<u32> = table.iter().map(|&(_, nr)| nr).collect();
    let max = *nrs.iter().next_back().unwrap();
    let base = if arch == Arch::X32 {
        X32_SYSCALL_BIT
    } else {
        0
    };
    nrs.extend((1..=16).map(|d| max + d));
    nrs.extend([base | 1000, base | 4095, base | 0x3fff_ffff]);
    match arch {
        // The kernel's "skip this syscall" value, and numbers past every table.
        Arch::X86_64 => nrs.extend([u32::MAX, 0x3fff_fff0]),
        Arch::X32 => nrs.extend([0x8000_0000, 0xffff_fff0]),
        _ => nrs.extend([X32_SYSCALL_BIT, 0x8000_0000, u32::MAX]),
    }
    nrs.into_iter().collect()
}

/// Argument vectors for a syscall with the given rules: every combination of interesting
/// values of the arguments the rules compare (at most `limit` of them, sampled), plus the
/// all-zero and all-ones vectors.
fn arg_vectors(rules: &[&Rule], high_ok: bool, rng: &mut Rng, limit: usize) -> Vec<[u64; 6]> {
    let mut per_arg: BTreeMap<u8, BTreeSet<u64>> = BTreeMap::new();
    for rule in rules {
        for cmp in &rule.conds {
            let set = per_arg.entry(cmp.arg).or_default();
            let v = cmp.value;
            set.extend([0, 1, u64::from(u32::MAX), u64::MAX, 1 << 32]);
            for x in [v.wrapping_sub(1), v, v.wrapping_add(1)] {
                set.extend([x, x | 0xffff_ffff_0000_0000, x | (1 << 32), x & 0xffff_ffff]);
            }
            if let Op::MaskedEq(m) = cmp.op {
                set.extend([v | !m, (v | !m) & 0xffff_ffff, v ^ m, m, v & m]);
            }
        }
    }
    let lists: Vec<(u8, Vec<u64>)> = per_arg
        .into_iter()
        .map(|(a, s)| {
            let s = s.into_iter().filter(|&x| high_ok || x >> 32 == 0).collect();
            (a, s)
        })
        .collect();
    let total: usize = lists.iter().map(|(_, l)| l.len()).product();
    let mut out = vec![[0u64; 6], [u64::from(u32::MAX); 6]];
    if high_ok {
        out.push([u64::MAX; 6]);
    }
    let make = |mut idx: usize| {
        let mut args = [0u64; 6];
        for (a, l) in &lists {
            args[usize::from(*a)] = l[idx % l.len()];
            idx /= l.len();
        }
        args
    };
    if total <= limit {
        out.extend((0..total).map(make));
    } else {
        out.extend((0..limit).map(|_| make(rng.below(total))));
    }
    out
}

fn data(arch: Arch, nr: u32, args: [u64; 6]) -> SeccompData {
    SeccompData {
        nr,
        arch: arch.audit_arch(),
        instruction_pointer: 0x7fff_1234_5678,
        args,
    }
}

// ---------------------------------------------------------------------------------------
// The differential check.

/// Compiles `spec` with sysgate and with libseccomp (both optimize levels) and returns every
/// input on which the programs disagree. Panics if sysgate's program disagrees with its own
/// reference semantics (`ir::Policy::decide`) — that would be a compiler bug.
fn differences(spec: &Spec, rng: &mut Rng) -> Vec<String> {
    let text = spec.sysgate();
    let policy = Policy::parse("interop.policy", &text)
        .unwrap_or_else(|e| panic!("sysgate rejects\n{text}\n{e}"));
    let ours = policy.compile().unwrap().insns;
    validate(&ours).unwrap();
    let theirs: Vec<Vec<Insn>> = [1, 2]
        .iter()
        .map(|&o| libseccomp_prog(&spec.libseccomp(o)))
        .collect();

    let mut inputs = Vec::new();
    for &arch in &spec.arches {
        for nr in numbers(arch) {
            let name = arch.syscall_name(nr);
            let high_ok = high_word_comparable(arch, name);
            let rules: Vec<&Rule> = spec
                .rules
                .iter()
                .filter(|r| Some(r.syscall) == name)
                .collect();
            // Difference (f): the bits of a 16-bit parameter above 16 are left at 0.
            let narrow: Vec<(usize, u64)> = name
                .and_then(|n| sysgate::arch::params(arch, n))
                .into_iter()
                .flatten()
                .filter(|p| p.bits < 32)
                .map(|p| (usize::from(p.index), (1u64 << p.bits) - 1))
                .collect();
            for mut args in arg_vectors(&rules, high_ok, rng, 3000) {
                for &(i, m) in &narrow {
                    args[i] &= m;
                }
                inputs.push((arch, data(arch, nr, args)));
            }
        }
    }
    // Architectures not targeted.
    let foreign = [
        Arch::Aarch64,
        Arch::Arm,
        Arch::S390x,
        Arch::I386,
        Arch::X86_64,
        Arch::X32,
    ];
    for arch in foreign {
        if !spec.arches.contains(&arch) {
            let base = if arch == Arch::X32 {
                X32_SYSCALL_BIT
            } else {
                0
            };
            for nr in [0, 1, 59, 435, 600] {
                inputs.push((arch, data(arch, base | nr, [0; 6])));
            }
        }
    }

    let mut diffs = Vec::new();
    for (arch, d) in &inputs {
        let want = policy
            .resolved
            .decide(d.arch, d.nr, &d.args)
            .action
            .ret_value();
        let got = run_unchecked(&ours, d).unwrap().ret;
        assert_eq!(
            got, want,
            "sysgate's program disagrees with its own policy on {arch} nr {} args {:x?}:\n{text}",
            d.nr, d.args
        );
        for (level, prog) in theirs.iter().enumerate() {
            let lib = run_unchecked(prog, d).unwrap().ret;
            if lib != got {
                diffs.push(format!(
                    "{arch} nr {:#x} ({}) args {:x?}: sysgate {} / libseccomp (optimize {}) {}",
                    d.nr,
                    arch.syscall_name(d.nr).unwrap_or("?"),
                    d.args,
                    describe_ret(got),
                    level + 1,
                    describe_ret(lib),
                ));
            }
        }
    }
    diffs
}

fn assert_agree(spec: &Spec, rng: &mut Rng) {
    let diffs = differences(spec, rng);
    assert!(
        diffs.is_empty(),
        "{} disagreements between sysgate and libseccomp for\n{}\nfirst ones:\n{}",
        diffs.len(),
        spec.sysgate(),
        diffs
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

const X86: [Arch; 3] = [Arch::X86_64, Arch::I386, Arch::X32];

// ---------------------------------------------------------------------------------------
// Tests.

/// sysgate's validator, emulator and disassembler take libseccomp's output as it is.
#[test]
fn reads_libseccomp_programs() {
    if !libseccomp_available() {
        return;
    }
    let spec = Spec {
        default: Act::Allow,
        arches: X86.to_vec(),
        rules: vec![
            r(Act::Errno(1), "unshare", &[]),
            r(Act::Kill, "ptrace", &[]),
            r(Act::Errno(13), "ioctl", &[c(1, Op::Eq, 0x5412)]),
            r(Act::Trap, "personality", &[]),
            r(Act::Log, "setns", &[]),
        ],
    };
    for optimize in [1, 2] {
        let prog = libseccomp_prog(&spec.libseccomp(optimize));
        let text = disassemble(&prog, None);
        for needle in ["AUDIT_ARCH_X86_64", "AUDIT_ARCH_I386", "unshare", "ptrace"] {
            assert!(
                text.contains(needle),
                "optimize {optimize}: disassembly lacks {needle}:\n{text}"
            );
        }
        for arch in X86 {
            let nr = |name: &str| arch.syscall_nr(name).unwrap();
            let check = |name: &str, args: [u64; 6], want: Act| {
                let out = run(&prog, &data(arch, nr(name), args)).unwrap();
                assert_eq!(
                    out.ret,
                    want.ret(),
                    "optimize {optimize}, {arch} {name} {args:x?}: got {}",
                    describe_ret(out.ret)
                );
            };
            check("unshare", [0; 6], Act::Errno(1));
            check("ptrace", [0; 6], Act::Kill);
            check("ioctl", [3, 0x5412, 0, 0, 0, 0], Act::Errno(13));
            check("ioctl", [3, 0x5413, 0, 0, 0, 0], Act::Allow);
            check("personality", [0; 6], Act::Trap);
            check("setns", [0; 6], Act::Log);
            check("getpid", [0; 6], Act::Allow);
        }
        let foreign = run(&prog, &data(Arch::Aarch64, 97, [0; 6])).unwrap();
        assert_eq!(
            foreign.ret,
            ret::KILL_PROCESS,
            "optimize {optimize}: badarch"
        );
    }
}

/// A blocklist with conditions of every kind, including disjoint rules for one syscall.
#[test]
fn differential_blocklist() {
    if !libseccomp_available() {
        return;
    }
    let spec = Spec {
        default: Act::Allow,
        arches: X86.to_vec(),
        rules: vec![
            r(Act::Errno(1), "unshare", &[]),
            r(Act::Kill, "ptrace", &[]),
            // Disjoint conditions on one syscall (difference (a)).
            r(Act::Errno(13), "ioctl", &[c(1, Op::Eq, 0x5412)]),
            r(Act::Errno(5), "ioctl", &[c(1, Op::Eq, 0x5401)]),
            r(Act::Trap, "personality", &[c(0, Op::Ne, 0xffff_ffff)]),
            r(Act::Log, "prctl", &[c(0, Op::Ge, 22), c(1, Op::Le, 40)]),
            r(
                Act::Errno(1),
                "clone",
                &[c(0, Op::MaskedEq(0x1000_0000), 0x1000_0000)],
            ),
            r(
                Act::Errno(22),
                "mprotect",
                &[c(2, Op::MaskedEq(0x4), 0x4), c(0, Op::Gt, 0x1000)],
            ),
            r(Act::Errno(9), "dup3", &[c(2, Op::Lt, 0x80000)]),
            r(Act::Errno(2), "openat", &[c(0, Op::Eq, 0xffff_ff9c)]),
            r(Act::Errno(3), "setns", &[c(1, Op::Gt, 0x7fff_ffff)]),
        ],
    };
    assert_agree(&spec, &mut Rng(1));
}

/// An allowlist: default deny, conditions on the allowed calls.
#[test]
fn differential_allowlist() {
    if !libseccomp_available() {
        return;
    }
    let mut rules: Vec<Rule> = [
        "read",
        "write",
        "close",
        "exit_group",
        "fstat",
        "brk",
        "rt_sigreturn",
        "getrandom",
    ]
    .into_iter()
    .map(|n| r(Act::Allow, n, &[]))
    .collect();
    rules.extend([
        r(Act::Allow, "openat", &[c(2, Op::MaskedEq(0x3), 0)]),
        r(Act::Allow, "ioctl", &[c(1, Op::Eq, 0x5401)]),
        r(Act::Allow, "lseek", &[c(2, Op::Le, 2)]),
        r(Act::Allow, "clone", &[c(0, Op::MaskedEq(0x7e02_0000), 0)]),
        r(Act::Kill, "execve", &[]),
        r(Act::Errno(38), "futex", &[c(1, Op::Gt, 12)]),
    ]);
    let spec = Spec {
        default: Act::Errno(1),
        arches: X86.to_vec(),
        rules,
    };
    assert_agree(&spec, &mut Rng(2));
}

/// Default kill, one architecture at a time (each alone exercises libseccomp's
/// single-architecture layout and sysgate's x32 split).
#[test]
fn differential_single_arches() {
    if !libseccomp_available() {
        return;
    }
    for arch in X86 {
        let spec = Spec {
            default: Act::Kill,
            arches: vec![arch],
            rules: vec![
                r(Act::Allow, "read", &[c(0, Op::Lt, 3)]),
                r(Act::Allow, "write", &[c(0, Op::Ge, 1), c(2, Op::Le, 4096)]),
                r(Act::Errno(1), "unshare", &[]),
                r(Act::Allow, "exit_group", &[]),
            ],
        };
        assert_agree(&spec, &mut Rng(3));
    }
}

/// 64-bit constants on x86_64, where both compare whole 64-bit arguments.
#[test]
fn differential_64_bit_constants() {
    if !libseccomp_available() {
        return;
    }
    let spec = Spec {
        default: Act::Allow,
        arches: vec![Arch::X86_64],
        rules: vec![
            r(Act::Errno(1), "lseek", &[c(1, Op::Eq, 0x1_0000_0005)]),
            r(Act::Errno(2), "mmap", &[c(1, Op::Gt, 0xffff_ffff)]),
            r(
                Act::Errno(3),
                "madvise",
                &[c(0, Op::Ge, 0x1_ffff_ffff), c(1, Op::Le, 0x2_0000_0000)],
            ),
            r(
                Act::Errno(4),
                "mprotect",
                &[c(
                    0,
                    Op::MaskedEq(0xffff_0000_0000_0000),
                    0x7fff_0000_0000_0000,
                )],
            ),
            r(Act::Errno(5), "fchmod", &[c(1, Op::Lt, 0x1_0000_0000)]),
            r(
                Act::Errno(6),
                "pread64",
                &[c(3, Op::Ne, 0x8000_0000_0000_0000)],
            ),
        ],
    };
    assert_agree(&spec, &mut Rng(4));
}

/// Syscalls present on x86_64, i386 and x32 in both sysgate's and libseccomp's tables, and
/// not multiplexed on i386 (libseccomp rewrites `socket` and friends to `socketcall`).
const POOL: [&str; 36] = [
    "read",
    "write",
    "close",
    "dup",
    "dup3",
    "openat",
    "unshare",
    "setns",
    "ioctl",
    "tgkill",
    "prctl",
    "personality",
    "getpid",
    "madvise",
    "mprotect",
    "fchmod",
    "umask",
    "lseek",
    "flock",
    "fsync",
    "pipe2",
    "eventfd2",
    "clone",
    "mkdirat",
    "getrandom",
    "memfd_create",
    "ptrace",
    "chroot",
    "mount",
    "umount2",
    "pivot_root",
    "bpf",
    "perf_event_open",
    "keyctl",
    "sched_yield",
    "exit_group",
];

fn random_value(rng: &mut Rng) -> u64 {
    // High word 0 (difference (b)): the constants stay within 32 bits.
    match rng.below(6) {
        0 => 0,
        1 => rng.next() % 16,
        2 => 1 << rng.below(32),
        3 => u64::from(u32::MAX),
        4 => rng.next() & 0xffff,
        _ => rng.next() & 0xffff_ffff,
    }
}

fn random_spec(rng: &mut Rng) -> Spec {
    const ACTS: [Act; 7] = [
        Act::Allow,
        Act::Allow,
        Act::Errno(1),
        Act::Errno(13),
        Act::Kill,
        Act::Trap,
        Act::Log,
    ];
    let default = rng.pick(&ACTS);
    let arches = match rng.below(4) {
        0 => vec![rng.pick(&X86)],
        1 => vec![Arch::X86_64, Arch::I386],
        _ => X86.to_vec(),
    };
    let mut names: Vec<&'static str> = Vec::new();
    for _ in 0..1 + rng.below(8) {
        let n = rng.pick(&POOL);
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let rules = names
        .into_iter()
        .map(|syscall| {
            // Difference (d): never the default action.
            let action = loop {
                let a = rng.pick(&ACTS);
                if a != default {
                    break a;
                }
            };
            let mut args: Vec<u8> = Vec::new();
            for _ in 0..rng.below(4) {
                let a = rng.below(6) as u8;
                if !args.contains(&a) {
                    args.push(a);
                }
            }
            let conds = args
                .into_iter()
                .map(|arg| {
                    let value = random_value(rng);
                    let op = match rng.below(7) {
                        0 => Op::Eq,
                        1 => Op::Ne,
                        2 => Op::Lt,
                        3 => Op::Le,
                        4 => Op::Gt,
                        5 => Op::Ge,
                        _ => {
                            let mask = random_value(rng) | 1;
                            // Difference (e): no value bits outside the mask.
                            return c(arg, Op::MaskedEq(mask), value & mask);
                        }
                    };
                    c(arg, op, value)
                })
                .collect();
            Rule {
                action,
                syscall,
                conds,
            }
        })
        .collect();
    Spec {
        default,
        arches,
        rules,
    }
}

const RANDOM_POLICIES: usize = 100;

/// Seeded random policies: at most one rule per syscall (difference (a)).
#[test]
fn differential_random_policies() {
    if !libseccomp_available() {
        return;
    }
    // A longer run: SYSGATE_DIFF_POLICIES=5000 SYSGATE_DIFF_SEED=7 cargo test --release
    // --test libseccomp_interop differential_random_policies
    let count = std::env::var("SYSGATE_DIFF_POLICIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(RANDOM_POLICIES);
    let seed = std::env::var("SYSGATE_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0x5eed_cafe_f00d_0001, |s| {
            s.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1
        });
    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    for i in 0..count {
        let spec = random_spec(&mut rng);
        let diffs = differences(&spec, &mut rng);
        if !diffs.is_empty() {
            failures.push(format!(
                "policy {i}:\n{}{} disagreements, first: {}",
                spec.sysgate(),
                diffs.len(),
                diffs[0]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// sysgate and libseccomp number the syscalls of the x86 ABIs the same way.
#[test]
fn syscall_tables_agree() {
    if !libseccomp_available() {
        return;
    }
    let mut diffs = Vec::new();
    for arch in X86 {
        let names: Vec<&str> = arch.syscalls().iter().map(|&(n, _)| n).collect();
        let req = json!({"resolve": {"arch": libseccomp_arch(arch), "names": names}});
        let out: BTreeMap<String, Option<i64>> = serde_json::from_slice(&run_helper(&req)).unwrap();
        for &(name, nr) in arch.syscalls() {
            match out.get(name).copied().flatten() {
                // libseccomp 2.5.4 predates some syscalls: nothing to compare.
                None => {}
                Some(theirs) if theirs == i64::from(nr) => {}
                Some(theirs) => diffs.push(format!(
                    "{arch} {name}: sysgate {nr:#x}, libseccomp {theirs:#x}"
                )),
            }
        }
    }
    // On i386, libseccomp resolves the socket calls to `socketcall` (102) and the SysV IPC
    // calls to `ipc` (117): it filters them through the multiplexer as well as directly.
    diffs.retain(|d| !(d.starts_with("i386 ") && (d.ends_with(" 0x66") || d.ends_with(" 0x75"))));
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// One input of a documented case: the call, and what sysgate's and libseccomp's programs
/// (both optimize levels) return for it.
struct Expect {
    nr: u32,
    args: [u64; 6],
    ours: u32,
    theirs: u32,
}

fn expect(nr: u32, arg0: u64, ours: u32, theirs: u32) -> Expect {
    expect_args(nr, [arg0, 0, 0, 0, 0, 0], ours, theirs)
}

fn expect_args(nr: u32, args: [u64; 6], ours: u32, theirs: u32) -> Expect {
    Expect {
        nr,
        args,
        ours,
        theirs,
    }
}

/// Compiles `spec` (one architecture) with both, and checks every expectation.
fn documented(spec: &Spec, cases: &[Expect]) {
    if !libseccomp_available() {
        return;
    }
    let [arch] = spec.arches[..] else {
        panic!("a documented case targets one architecture");
    };
    let ours = Policy::parse("documented.policy", &spec.sysgate())
        .unwrap()
        .compile()
        .unwrap()
        .insns;
    for optimize in [1, 2] {
        let theirs = libseccomp_prog(&spec.libseccomp(optimize));
        for e in cases {
            let d = data(arch, e.nr, e.args);
            let what = format!("{arch} nr {} args {:#x?}", e.nr, e.args);
            let got = run(&ours, &d).unwrap().ret;
            assert_eq!(got, e.ours, "sysgate on {what}");
            let got = run(&theirs, &d).unwrap().ret;
            assert_eq!(got, e.theirs, "libseccomp (optimize {optimize}) on {what}");
        }
    }
}

const EPERM: u32 = ret::ERRNO | 1;

/// Difference (b), documented: on x32 libseccomp compares only the low 32 bits of an
/// argument (it treats x32 as a 32-bit ABI), sysgate compares all 64 (x32 registers are
/// 64-bit and most x32 syscalls are the 64-bit implementations). With `offset == 5` on
/// lseek and an offset of 0xffffffff00000005, libseccomp applies the rule and sysgate does not.
#[test]
fn x32_high_word_difference() {
    let spec = Spec {
        default: Act::Allow,
        arches: vec![Arch::X32],
        // lseek's offset: an off_t, 64 bits on x32's 64-bit implementation.
        rules: vec![r(Act::Errno(1), "lseek", &[c(1, Op::Eq, 5)])],
    };
    let nr = Arch::X32.syscall_nr("lseek").unwrap();
    let args = |offset: u64| [3, offset, 0, 0, 0, 0];
    documented(
        &spec,
        &[
            expect_args(nr, args(5), EPERM, EPERM),
            expect_args(nr, args(0xffff_ffff_0000_0005), ret::ALLOW, EPERM),
        ],
    );
}

/// Difference (e), documented: `(arg0 & 0x1) == 0x20` never holds for sysgate; libseccomp
/// reduces the value to `0x20 & 0x1 == 0` and applies the rule whenever bit 0 of arg0 is clear.
#[test]
fn masked_value_outside_mask_difference() {
    let spec = Spec {
        default: Act::Allow,
        arches: vec![Arch::X86_64],
        rules: vec![r(Act::Errno(1), "fsync", &[c(0, Op::MaskedEq(0x1), 0x20)])],
    };
    let nr = Arch::X86_64.syscall_nr("fsync").unwrap();
    documented(
        &spec,
        &[
            expect(nr, 0, ret::ALLOW, EPERM),
            expect(nr, 0x20, ret::ALLOW, EPERM),
            expect(nr, 1, ret::ALLOW, ret::ALLOW),
            expect(nr, 0x21, ret::ALLOW, ret::ALLOW),
        ],
    );
}

/// Difference (b) on x86_64, documented: libseccomp compares all 64 bits of every argument
/// there. sysgate compares only the low 32 bits of a parameter it knows to be 32-bit (an
/// `unsigned int fd`, say: the kernel ignores the high word) and all 64 bits when it has no
/// signature for the syscall. So with `arg0 == 5` and arg0 = 0xffffffff00000005 on `close`,
/// libseccomp never applies the rule, and sysgate applies it (close's `fd` is an
/// `unsigned int` in the kernel's SYSCALL_DEFINE1).
#[test]
fn x86_64_thirty_two_bit_parameter_difference() {
    let fd = sysgate::arch::param_by_name(Arch::X86_64, "close", "fd").unwrap();
    assert_eq!((fd.index, fd.bits), (0, 32), "close(unsigned int fd)");
    let spec = Spec {
        default: Act::Allow,
        arches: vec![Arch::X86_64],
        rules: vec![r(Act::Errno(1), "close", &[c(0, Op::Eq, 5)])],
    };
    let nr = Arch::X86_64.syscall_nr("close").unwrap();
    documented(
        &spec,
        &[
            expect(nr, 5, EPERM, EPERM),
            expect(nr, 0xffff_ffff_0000_0005, EPERM, ret::ALLOW),
        ],
    );
}

/// Difference (f), documented: `fchmod`'s `mode` is a `umode_t`, 16 bits; the kernel drops
/// bit 16 and up (`tests/attack_doors.rs` shows it). With `mode == 0o755`, a mode of
/// 0x10000 | 0o755 is still 0o755 to the kernel and to sysgate; libseccomp compares the
/// whole word and lets it through.
#[test]
fn sixteen_bit_mode_difference() {
    let mode = sysgate::arch::param_by_name(Arch::X86_64, "fchmod", "mode").unwrap();
    assert_eq!(
        (mode.index, mode.bits),
        (1, 16),
        "fchmod(unsigned int fd, umode_t mode)"
    );
    let spec = Spec {
        default: Act::Allow,
        arches: vec![Arch::X86_64],
        rules: vec![r(Act::Errno(1), "fchmod", &[c(1, Op::Eq, 0o755)])],
    };
    let nr = Arch::X86_64.syscall_nr("fchmod").unwrap();
    let args = |mode: u64| [3, mode, 0, 0, 0, 0];
    documented(
        &spec,
        &[
            expect_args(nr, args(0o755), EPERM, EPERM),
            expect_args(nr, args(0x1_0000 | 0o755), EPERM, ret::ALLOW),
            expect_args(nr, args(0o644), ret::ALLOW, ret::ALLOW),
        ],
    );
}

/// On i386 the socket calls are also reachable through `socketcall(2)`: libseccomp turns
/// `socket` into both the direct call (359) and `socketcall` with arg0 == SYS_SOCKET (1).
/// sysgate does the same (`src/arch/multiplex.rs`): `errno 1 socket` also stops
/// `socketcall(SYS_SOCKET, …)`.
#[test]
fn i386_socketcall_is_filtered_like_libseccomp() {
    let spec = Spec {
        default: Act::Allow,
        arches: vec![Arch::I386],
        rules: vec![r(Act::Errno(1), "socket", &[])],
    };
    let direct = Arch::I386.syscall_nr("socket").unwrap();
    let socketcall = Arch::I386.syscall_nr("socketcall").unwrap();
    documented(
        &spec,
        &[
            expect(direct, 0, EPERM, EPERM),
            expect(socketcall, 1, EPERM, EPERM), // SYS_SOCKET
            expect(socketcall, 3, ret::ALLOW, ret::ALLOW), // SYS_CONNECT
        ],
    );
}
