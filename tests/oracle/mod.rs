//! Three oracles for one call: the kernel (a forked child under the compiled filter), the
//! BPF emulator running the same program, and the IR's `Policy::decide` (the reference
//! semantics). [`check`] asserts that all three agree with the outcome the test expects.
//!
//! Use from a test file with `mod common; mod oracle;`.

#![allow(dead_code)]

use crate::common::*;
use sysgate::bpf::emulator::{self, describe_ret, SeccompData};
use sysgate::compile::Program;
use sysgate::policy::ast::Action;
use sysgate::policy::Policy;
use sysgate::sandbox::FilterFlags;

pub const SIGSYS: i32 = 31;
pub const ENOSYS: i64 = 38;
pub const EPERM: i64 = 1;
pub const EBADF: i64 = 9;
pub const ESRCH: i64 = 3;
pub const EINVAL: i64 = 22;

/// A policy together with its compiled program.
pub struct Compiled {
    pub text: String,
    pub policy: Policy,
    pub prog: Program,
}

/// Resolves and compiles `text`, and checks that the program is one the kernel's checker
/// accepts (by the emulator's validator).
pub fn compile(text: &str) -> Compiled {
    let policy = Policy::parse("test.policy", text)
        .unwrap_or_else(|e| panic!("policy does not resolve:\n{e}\n--- policy:\n{text}"));
    let prog = policy
        .compile()
        .unwrap_or_else(|e| panic!("policy does not compile: {e}\n--- policy:\n{text}"));
    emulator::validate(&prog.insns)
        .unwrap_or_else(|e| panic!("compiled program is invalid: {e}\n--- policy:\n{text}"));
    Compiled {
        text: text.to_string(),
        policy,
        prog,
    }
}

/// The number of `name` on `arch` as the raw door takes it (x32: without bit 30, which
/// [`Door::X32`] adds).
pub fn nr(arch: sysgate::arch::Arch, name: &str) -> u64 {
    let n = arch
        .syscall_nr(name)
        .unwrap_or_else(|| panic!("{name} not in the {arch} table"));
    u64::from(n) & !X32_SYSCALL_BIT
}

/// What an allowed call returns in the child.
#[derive(Clone, Copy, Debug)]
pub enum Real {
    /// Exactly this raw return value.
    Ret(i64),
    /// The child's pid (`getpid`, `gettid`).
    Pid,
    /// The test process's pid (the child's parent: `getppid`).
    Ppid,
}

/// `struct seccomp_data` as the filter sees a call made with `raw_syscall(door, nr, args)`:
/// the number truncated to 32 bits (plus bit 30 for x32), all 64 bits of every argument
/// register (also through `int 0x80`).
pub fn seen(door: Door, nr: u64, args: [u64; 6]) -> SeccompData {
    let (arch, nr) = match door {
        Door::Native => (AUDIT_ARCH_X86_64, nr as u32),
        Door::X32 => (AUDIT_ARCH_X86_64, (nr | X32_SYSCALL_BIT) as u32),
        Door::I386 => (AUDIT_ARCH_I386, nr as u32),
    };
    SeccompData {
        nr,
        arch,
        instruction_pointer: 0,
        args,
    }
}

/// What the kernel does to a (single-threaded, untraced, unsupervised) child for `action`.
pub fn kernel_outcome(action: Action, real: i64) -> Outcome {
    match action {
        Action::Allow | Action::Log => Outcome::Returned(real),
        Action::Errno(e) => Outcome::Returned(-i64::from(e.min(4095))),
        Action::Kill | Action::KillThread | Action::Trap(_) => Outcome::Signaled(SIGSYS),
        // No tracer / no listener: the call fails with ENOSYS.
        Action::Trace(_) | Action::Notify => Outcome::Returned(-ENOSYS),
    }
}

/// Emulator and IR on one input: asserts they agree and returns the action.
pub fn model(c: &Compiled, d: &SeccompData) -> Action {
    let ir = c.policy.resolved.decide(d.arch, d.nr, &d.args).action;
    let emu = emulator::run(&c.prog.insns, d)
        .unwrap_or_else(|e| panic!("emulator fails on {d:x?}: {e}"))
        .ret;
    assert_eq!(
        emu,
        ir.ret_value(),
        "emulator ({}) and IR ({ir}) disagree on nr {:#x} arch {:#x} args {:#x?}\n--- policy:\n{}",
        describe_ret(emu),
        d.nr,
        d.arch,
        d.args,
        c.text
    );
    ir
}

/// Makes the call through `door` in a child under `c`'s filter, and asserts that the IR,
/// the emulator and the kernel all give `want` (`real` is what the call returns when allowed).
pub fn check(c: &Compiled, door: Door, nr: u64, args: [u64; 6], want: Action, real: Real) {
    let d = seen(door, nr, args);
    let ir = model(c, &d);
    assert_eq!(
        ir, want,
        "IR/emulator decide {ir}, expected {want}: {door:?} nr {nr:#x} args {args:#x?}\n--- policy:\n{}",
        c.text
    );
    let (pid, got) = run_filtered_pid(&c.prog.insns, FilterFlags::default(), || {
        raw_syscall(door, nr, args)
    });
    let real = match real {
        Real::Ret(r) => r,
        Real::Pid => i64::from(pid),
        Real::Ppid => i64::from(std::process::id()),
    };
    assert_eq!(
        got,
        kernel_outcome(want, real),
        "kernel disagrees with {want}: {door:?} nr {nr:#x} args {args:#x?}\n--- policy:\n{}",
        c.text
    );
}

/// `check` with a single first argument.
pub fn check1(c: &Compiled, door: Door, nr: u64, a0: u64, want: Action, real: Real) {
    check(c, door, nr, [a0, 0, 0, 0, 0, 0], want, real);
}

/// Argument values around every constant in the policy's conditions for `nr`: v-1, v, v+1,
/// with the other word changed, the masks themselves and zero.
fn boundary_values(c: &Compiled, arch: sysgate::arch::Arch, nr: u32) -> Vec<(u8, u64)> {
    use sysgate::ir::Test;
    let mut out = Vec::new();
    let Some(section) = c.policy.resolved.section(arch) else {
        return out;
    };
    let Some(dec) = section.syscalls.get(&nr) else {
        return out;
    };
    let mut atoms = Vec::new();
    for r in &dec.rules {
        r.cond.atoms(&mut atoms);
    }
    for a in atoms {
        let vs: Vec<u64> = match a.test {
            Test::Eq(v) | Test::Gt(v) | Test::Ge(v) => vec![v],
            Test::AnySet(m) => vec![m, m & m.wrapping_neg(), !m],
            Test::MaskedEq { mask, value } => {
                vec![value, mask, value ^ (mask & mask.wrapping_neg())]
            }
        };
        for v in vs {
            for w in [
                v.wrapping_sub(1),
                v,
                v.wrapping_add(1),
                v ^ (1 << 32),
                v | 0xffff_ffff_0000_0000,
                v & 0xffff_ffff,
                v ^ (1 << 63),
                v ^ (1 << 31),
            ] {
                out.push((a.arg, w));
            }
        }
    }
    out
}

/// Emulator against IR over every syscall number of every targeted architecture (with
/// boundary arguments for the conditional ones), numbers outside the tables, and other
/// architectures. Returns how many inputs were compared.
pub fn sweep(c: &Compiled) -> usize {
    use sysgate::arch::{Arch, X32_SYSCALL_BIT as BIT};
    let mut n = 0;
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for arch in Arch::ALL {
        let audit = arch.audit_arch();
        let mut nrs: Vec<u32> = arch.syscalls().iter().map(|&(_, nr)| nr).collect();
        let base = if arch == Arch::X32 { BIT } else { 0 };
        let top = arch
            .syscalls()
            .iter()
            .map(|&(_, nr)| nr)
            .max()
            .unwrap_or(base);
        nrs.extend(base..base + 16);
        nrs.extend(top - 4..top + 64);
        nrs.extend([
            base + 1000,
            BIT - 1,
            BIT,
            BIT + 1,
            BIT | 0x3fff_ffff,
            0x8000_0000,
            0x8000_0000 | 39,
            0xc000_0000 | 39,
            u32::MAX,
            u32::MAX - 1,
        ]);
        for nr in nrs {
            let mut d = SeccompData {
                nr,
                arch: audit,
                instruction_pointer: 0,
                args: [0; 6],
            };
            model(c, &d);
            n += 1;
            for (i, v) in boundary_values(c, arch, nr) {
                d.args = [0; 6];
                d.args[usize::from(i)] = v;
                model(c, &d);
                d.args = [v; 6];
                model(c, &d);
                n += 2;
            }
            for _ in 0..4 {
                d.args = [next(), next(), next(), next(), next(), next()];
                model(c, &d);
                n += 1;
            }
        }
    }
    // Architectures sysgate does not know at all.
    for audit in [0, 1, 0x4000_003e, 0x8000_003e, 0xc000_0003, u32::MAX] {
        for nr in [0, 39, 272, BIT | 39, u32::MAX] {
            model(
                c,
                &SeccompData {
                    nr,
                    arch: audit,
                    instruction_pointer: 0,
                    args: [0; 6],
                },
            );
            n += 1;
        }
    }
    n
}
