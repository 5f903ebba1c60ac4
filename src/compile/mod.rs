//! From a resolved [`Policy`] to a seccomp BPF program.
//!
//! Three stages, each replaceable on its own: [`layout`] decides the shape (architecture
//! check, range search per architecture), [`args`] turns argument conditions into
//! comparisons on 32-bit words, both building a hash-consed graph ([`dag`]); [`emit`] lays
//! the graph out as instructions with `ja` trampolines for long jumps, and shapes the jumps
//! the expected calls run most for the kernel's conversion to eBPF.
//!
//! ```
//! use sysgate::policy::Policy;
//! let p = Policy::parse("example", "default allow\ndeny unshare\narch x86_64\n").unwrap();
//! let prog = sysgate::compile::compile(&p.resolved, &Default::default()).unwrap();
//! assert!(prog.insns.len() < 20);
//! ```

pub mod args;
pub mod dag;
pub mod emit;
pub mod layout;
pub mod tree;
pub mod weights;

use crate::arch::Arch;
use crate::bpf::insn::BPF_MAXINSNS;
use crate::bpf::Insn;
use crate::ir::Policy;
use std::fmt;

pub use weights::{ArgValues, Profile, ProfileError, Weights};

/// Compiler settings.
///
/// `Options::default()` has no weights: the native ABI's search tree is balanced by syscall
/// count (the compat ABIs always get the tree with the shortest worst path).
/// [`Policy::compile`](crate::policy::Policy::compile) (and the `sysgate` commands, unless
/// given `--mix none`) use the built-in profile instead:
///
/// ```
/// use sysgate::compile::{Options, Weights};
/// use sysgate::policy::Policy;
/// let p = Policy::parse("example", "default allow\ndeny unshare\narch x86_64\n").unwrap();
/// let opts = Options { weights: Weights::builtin(&p.resolved.arches()) };
/// let prog = sysgate::compile::compile(&p.resolved, &opts).unwrap();
/// assert_eq!(prog, p.compile().unwrap());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Expected call frequencies, to put hot syscalls on short paths (see [`weights`]).
    pub weights: Weights,
}

/// A compiled filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub insns: Vec<Insn>,
    /// The architectures it decides (all others get `badarch`).
    pub arches: Vec<Arch>,
}

/// Why a policy could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// The program exceeds the kernel's 4096-instruction limit.
    TooLong { insns: usize, arches: Vec<Arch> },
    /// The policy targets no architecture.
    NoArch,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::TooLong { insns, arches } => {
                write!(
                    f,
                    "the filter needs {insns} instructions, more than the kernel's limit of \
                     {BPF_MAXINSNS} (architectures: {}); ",
                    arches
                        .iter()
                        .map(|a| a.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
                if arches.len() > 1 {
                    write!(f, "target fewer architectures with --arch, or ")?;
                }
                write!(
                    f,
                    "merge rules that give the same action into fewer, wider ones \
                     (a value set `in {{…}}` or a mask instead of many comparisons)"
                )
            }
            CompileError::NoArch => write!(f, "the policy targets no architecture"),
        }
    }
}

impl std::error::Error for CompileError {}

/// Compiles `policy` to one filter covering all its architectures.
pub fn compile(policy: &Policy, opts: &Options) -> Result<Program, CompileError> {
    if policy.sections.is_empty() {
        return Err(CompileError::NoArch);
    }
    let mut dag = dag::Dag::default();
    let root = layout::filter(&mut dag, policy, &opts.weights);
    // The expected calls, in a fixed order (the sums emit makes of them must not depend on
    // a hash map's order).
    let mut calls: Vec<emit::Call> = opts
        .weights
        .calls
        .iter()
        .map(|(&(arch, nr), &w)| (arch.audit_arch(), nr, w))
        .collect();
    calls.sort_by_key(|c| (c.0, c.1));
    let insns = emit::emit_for(&dag, root, &calls);
    if insns.len() > BPF_MAXINSNS {
        return Err(CompileError::TooLong {
            insns: insns.len(),
            arches: policy.arches(),
        });
    }
    Ok(Program {
        insns,
        arches: policy.arches(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpf::emulator::{run, SeccompData};
    use crate::policy::{Options, Policy};

    fn policy(text: &str, arches: &[Arch]) -> Policy {
        let src = crate::policy::diag::Source::new("t.policy", text);
        Policy::from_source(
            src,
            &Options {
                arches: Some(arches.to_vec()),
            },
        )
        .unwrap()
    }

    /// Values around every constant in the policy, with and without high words.
    fn probes(p: &crate::ir::Policy) -> Vec<u64> {
        let mut atoms = Vec::new();
        for s in &p.sections {
            for d in s.syscalls.values() {
                for r in &d.rules {
                    r.cond.atoms(&mut atoms);
                }
            }
        }
        let mut v = vec![0, 1, u64::from(u32::MAX), u64::MAX, 1 << 32];
        for a in atoms {
            let k = match a.test {
                crate::ir::Test::Eq(k) | crate::ir::Test::Gt(k) | crate::ir::Test::Ge(k) => k,
                crate::ir::Test::AnySet(m) => m,
                crate::ir::Test::MaskedEq { mask, value } => value | !mask,
            };
            for x in [
                k,
                k.wrapping_sub(1),
                k.wrapping_add(1),
                k | (7 << 32),
                k & 0xffff_ffff,
            ] {
                v.push(x);
            }
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The compiled filter decides exactly like the resolved policy, on every architecture
    /// (both byte orders), every syscall number and numbers around the tables.
    #[test]
    fn filter_matches_policy_on_every_architecture() {
        matches_policy_on_every_architecture(|_| super::Options::default());
    }

    /// The same with the layout shaped by a mix in which the argument-checked syscalls and
    /// the numbers alone in their range are hot: they get their own `jeq` in the tree.
    #[test]
    fn weighted_filter_matches_policy_on_every_architecture() {
        let mix = "clone 900\nsocket 800\nmmap 700\nlseek 600\nioctl 500\nfutex 400\n\
                   fcntl 300\npersonality 200\nbpf 100\ngetpid 90\nread 80\nwrite 70\n";
        matches_policy_on_every_architecture(|arches| {
            let (weights, unknown) = Weights::from_mix(mix, arches);
            assert!(unknown.is_empty());
            super::Options { weights }
        });
    }

    /// The same with random value shares on the checked arguments (values the policy tests
    /// and their neighbours, on both words): every dispatch laid out for them.
    #[test]
    fn value_weighted_filter_matches_policy_on_every_architecture() {
        let mut rng = crate::test_rng::Rng(0x0a59_7a1e_0000_0006);
        let checked = [
            ("clone", 0),
            ("socket", 0),
            ("socket", 1),
            ("mmap", 2),
            ("mmap", 3),
            ("lseek", 1),
            ("ioctl", 1),
            ("futex", 1),
            ("fcntl", 1),
            ("fcntl", 2),
        ];
        let candidates: [u64; 14] = [
            0,
            1,
            3,
            4,
            5,
            7,
            0x22,
            129,
            137,
            393,
            0x5401,
            0x5413,
            0x1_0000_0005,
            u64::MAX,
        ];
        for round in 0..4 {
            let mut mix = String::from(
                "clone 900\nsocket 800\nmmap 700\nlseek 600\nioctl 500\n\
                                        futex 400\nfcntl 300\ngetpid 90\n",
            );
            for (name, arg) in checked {
                for _ in 0..1 + rng.below(4) {
                    let v = rng.pick(&candidates);
                    let count = 1 + rng.below(300);
                    mix += &format!("{name} arg{arg}={v:#x} {count}\n");
                }
            }
            matches_policy_on_every_architecture(|arches| {
                let p = Weights::read_profile(&mix, arches)
                    .unwrap_or_else(|e| panic!("round {round}: {e}\n{mix}"));
                super::Options { weights: p.weights }
            });
        }
    }

    fn matches_policy_on_every_architecture(opts: impl Fn(&[Arch]) -> super::Options) {
        let text = "default allow\nunknown errno 99\n\
            deny clone if flags & (CLONE_NEWUSER | CLONE_NEWNS)\n\
            errno 7 socket if domain in {AF_ALG, AF_VSOCK} || type == 3\n\
            errno 8 mmap if (prot & PROT_EXEC) == PROT_EXEC && flags != 0x22\n\
            errno 9 lseek if arg1 > 0x100000000 || arg1 < 5\n\
            errno 10 ioctl if request not in {0x5401, 0x5413}\n\
            errno 11 futex if futex_op in {0, 1, 4, 5, 128, 129, 132, 133, 137, 393}\n\
            errno 12 fcntl if arg2 in {1, 2, 3, 0x100000000, 0x100000005, 7, 9, 11, \
              0x200000000, 13} || arg1 == 5\n\
            kill personality\ntrap 3 bpf\nlog getpid\n";
        let p = policy(text, &Arch::ALL);
        let prog = compile(&p.resolved, &opts(&Arch::ALL)).unwrap();
        let values = probes(&p.resolved);
        for arch in Arch::ALL {
            let mut nrs: Vec<u32> = arch.syscalls().iter().map(|(_, n)| *n).collect();
            let top = *nrs.iter().max().unwrap();
            nrs.extend([
                top + 1,
                top + 1000,
                0x3fff_ffff,
                0x4000_0000,
                0x4000_0300,
                u32::MAX,
            ]);
            for nr in nrs {
                let name = arch.syscall_name(nr).unwrap_or("");
                let with_args = matches!(
                    name,
                    "clone" | "socket" | "mmap" | "lseek" | "ioctl" | "futex" | "fcntl"
                );
                let list: &[u64] = if with_args { &values } else { &[0] };
                for &x in list {
                    for pos in 0..3 {
                        let mut args = [0u64; 6];
                        args[pos] = x;
                        let data = SeccompData {
                            nr,
                            arch: arch.audit_arch(),
                            instruction_pointer: 0,
                            args,
                        };
                        let got = run(&prog.insns, &data).unwrap().ret;
                        let want = p
                            .resolved
                            .decide(arch.audit_arch(), nr, &args)
                            .action
                            .ret_value();
                        assert_eq!(got, want, "{arch} nr {nr:#x} ({name}) args {args:x?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_value_set_loads_its_argument_once() {
        let p = policy(
            "default allow\nerrno 5 close if fd in {1, 2, 3, 4}\n",
            &[Arch::X86_64],
        );
        let prog = p.compile().unwrap();
        let loads = prog
            .insns
            .iter()
            .filter(|i| *i == &Insn::load_abs(16))
            .count();
        assert_eq!(loads, 1, "{:?}", prog.insns);
    }

    #[test]
    fn unconditional_decisions_use_only_cacheable_instructions() {
        // The kernel's action cache proves a syscall constant only if its path loads nr or
        // arch and uses jeq/jge/jgt/jset #k, ja and ret; checked here on the emulator's path.
        let p = policy(
            "default allow\nerrno 7 socket if domain == AF_ALG\ndeny unshare\n",
            &[Arch::X86_64, Arch::I386, Arch::X32],
        );
        let prog = p.compile().unwrap();
        for arch in [Arch::X86_64, Arch::I386, Arch::X32] {
            for &(name, nr) in arch.syscalls() {
                if name == "socket" || name == "socketcall" {
                    continue;
                }
                let data = SeccompData {
                    nr,
                    arch: arch.audit_arch(),
                    instruction_pointer: 0,
                    args: [0; 6],
                };
                let out = run(&prog.insns, &data).unwrap();
                for &i in &out.path {
                    let ins = prog.insns[i];
                    let ok = match ins.class() {
                        crate::bpf::insn::BPF_LD => ins.k == 0 || ins.k == 4,
                        crate::bpf::insn::BPF_JMP => ins.code & crate::bpf::insn::BPF_X == 0,
                        crate::bpf::insn::BPF_RET => true,
                        _ => false,
                    };
                    assert!(
                        ok,
                        "{arch} {name}: instruction {i} {ins:?} is not cacheable"
                    );
                }
            }
        }
    }
}
