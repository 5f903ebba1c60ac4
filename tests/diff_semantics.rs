//! `analyze::diff`: exact differences between two filters, with witnesses that the emulator
//! confirms.

use sysgate::analyze::diff::{canonical_ret, diff, DiffError, Difference, Numbers, Options};
use sysgate::arch::Arch;
use sysgate::bpf::emulator::run;
use sysgate::bpf::insn::*;
use sysgate::bpf::{ret, Insn};
use sysgate::policy::diag::Source;
use sysgate::policy::Policy;

fn prog(text: &str, arches: &[Arch]) -> Vec<Insn> {
    let opts = sysgate::policy::Options {
        arches: Some(arches.to_vec()),
    };
    Policy::from_source(Source::new("t.policy", text), &opts)
        .unwrap_or_else(|e| panic!("{e}"))
        .compile()
        .unwrap()
        .insns
}

fn x86_64(text: &str) -> Vec<Insn> {
    prog(text, &[Arch::X86_64])
}

fn differences(a: &[Insn], b: &[Insn]) -> Vec<Difference> {
    let r = diff(a, b, &Options::default()).unwrap();
    assert_eq!(r.equivalent, r.differences.is_empty());
    // Every witness really separates the programs.
    for d in &r.differences {
        let ra = run(a, &d.witness).unwrap().ret;
        let rb = run(b, &d.witness).unwrap().ret;
        assert_eq!((ra, rb), (d.ret_a, d.ret_b), "{d:?}");
        assert_ne!(canonical_ret(ra), canonical_ret(rb), "{d:?}");
    }
    r.differences
}

fn nr(name: &str) -> u32 {
    Arch::X86_64.syscall_nr(name).unwrap()
}

#[test]
fn identical_policies_are_equivalent() {
    let text = "default allow\ndeny bpf mount\ndeny clone if flags & CLONE_NEWUSER\n";
    assert!(differences(&x86_64(text), &x86_64(text)).is_empty());
    let c = Policy::builtin("container")
        .unwrap()
        .compile()
        .unwrap()
        .insns;
    assert!(differences(&c, &c).is_empty());
}

#[test]
fn rule_order_that_does_not_matter() {
    let a = x86_64("default allow\ndeny bpf\nkill mount\nerrno EACCES chmod if arg1 == 0\n");
    let b = x86_64("default allow\nerrno EACCES chmod if arg1 == 0\nkill mount\ndeny bpf\n");
    assert!(differences(&a, &b).is_empty());
}

#[test]
fn two_layouts_of_one_policy() {
    // Call frequencies reshape the search tree; the decisions stay the same.
    let text = "default allow\ndeny @mount @module bpf\nkill kexec_load\n\
                deny clone if flags & CLONE_NEWUSER\nallow personality if persona == 0\n\
                deny personality\n";
    let arches = [Arch::X86_64, Arch::I386, Arch::X32];
    let p = Policy::from_source(
        Source::new("t.policy", text),
        &sysgate::policy::Options {
            arches: Some(arches.to_vec()),
        },
    )
    .unwrap();
    let plain = p.compile().unwrap().insns;
    let mut weights = sysgate::compile::Weights::default();
    for (i, (_, nr)) in Arch::X86_64.syscalls().iter().enumerate().step_by(7) {
        weights
            .calls
            .insert((Arch::X86_64, *nr), (i % 13) as f64 * 1000.0);
    }
    weights.calls.insert((Arch::I386, 120), 1e6);
    let skewed = sysgate::compile::compile(&p.resolved, &sysgate::compile::Options { weights })
        .unwrap()
        .insns;
    assert_ne!(plain, skewed, "the test wants two different layouts");
    assert!(differences(&plain, &skewed).is_empty());
}

#[test]
fn one_syscall_differs() {
    let a = x86_64("default allow\ndeny bpf\n");
    let b = x86_64("default allow\ndeny bpf\ndeny mount\n");
    let d = differences(&a, &b);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].arch, "x86_64");
    assert_eq!(
        d[0].numbers,
        Numbers::Syscall {
            name: "mount".into(),
            nr: nr("mount")
        }
    );
    assert_eq!(d[0].ret_a, ret::ALLOW);
    assert_eq!(d[0].ret_b, ret::ERRNO | 1);
    assert_eq!(d[0].witness.nr, nr("mount"));
}

#[test]
fn equal_argument_conditions() {
    let a = x86_64("default allow\ndeny personality if arg0 == 5\n");
    let b = x86_64("default allow\ndeny personality if arg0 >= 5 && arg0 <= 5\n");
    assert!(differences(&a, &b).is_empty());
    let a = x86_64("default allow\ndeny clone if flags & CLONE_NEWUSER\n");
    let b = x86_64("default allow\ndeny clone if (flags & CLONE_NEWUSER) == CLONE_NEWUSER\n");
    assert!(differences(&a, &b).is_empty());
}

#[test]
fn less_than_versus_at_most_differs_exactly_at_the_bound() {
    let a = x86_64("default allow\ndeny mmap if arg0 < 5\n");
    let b = x86_64("default allow\ndeny mmap if arg0 <= 5\n");
    let d = differences(&a, &b);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].witness.nr, nr("mmap"));
    assert_eq!(d[0].witness.args[0], 5);
    assert_eq!((d[0].ret_a, d[0].ret_b), (ret::ALLOW, ret::ERRNO | 1));
    // Exactly at 5: the programs agree everywhere else, which `arg0 == 5` captures.
    let c = x86_64("default allow\ndeny mmap if arg0 < 5 || arg0 == 5\n");
    assert!(differences(&b, &c).is_empty());
}

#[test]
fn a_difference_only_in_the_high_word() {
    let a = x86_64("default allow\ndeny mmap if arg0 == 0x100000005\n");
    let b = x86_64("default allow\ndeny mmap if arg0 == 5\n");
    let d = differences(&a, &b);
    assert_eq!(d.len(), 2, "{d:?}");
    let mut seen: Vec<(u64, u32, u32)> = d
        .iter()
        .map(|d| (d.witness.args[0], d.ret_a, d.ret_b))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            (5, ret::ALLOW, ret::ERRNO | 1),
            (0x1_0000_0005, ret::ERRNO | 1, ret::ALLOW)
        ]
    );
}

#[test]
fn different_arch_coverage() {
    let text = "default allow\ndeny bpf\n";
    let a = prog(text, &[Arch::X86_64, Arch::I386]);
    let b = prog(text, &[Arch::X86_64]);
    let d = differences(&a, &b);
    assert!(!d.is_empty());
    for x in &d {
        assert_eq!(x.arch, "i386", "{x:?}");
        assert_eq!(x.audit_arch, Arch::I386.audit_arch());
        assert_eq!(x.ret_b, ret::KILL_PROCESS, "B's badarch");
    }
    let i386_bpf = Arch::I386.syscall_nr("bpf").unwrap();
    assert!(d.iter().any(|x| x.numbers
        == Numbers::Syscall {
            name: "bpf".into(),
            nr: i386_bpf
        }
        && x.ret_a == ret::ERRNO | 1));
    // Every i386 syscall is covered, and the numbers past the table as ranges.
    let named = d
        .iter()
        .filter(|x| matches!(x.numbers, Numbers::Syscall { .. }))
        .count();
    assert_eq!(named, Arch::I386.syscalls().len());
    assert!(d.iter().any(|x| matches!(
        x.numbers,
        Numbers::Range {
            hi: u32::MAX,
            every: true,
            ..
        }
    )));
    // Restricted to x86_64 there is no difference.
    let only = Options {
        arches: Some(vec![Arch::X86_64]),
        ..Default::default()
    };
    assert!(diff(&a, &b, &only).unwrap().equivalent);
}

#[test]
fn x32_is_told_apart_from_x86_64() {
    let a = prog("default allow\ndeny bpf\n", &[Arch::X86_64, Arch::X32]);
    let b = prog("default allow\ndeny bpf\n", &[Arch::X86_64]);
    let d = differences(&a, &b);
    assert!(d
        .iter()
        .all(|x| x.arch == "x32" && x.witness.nr >= 0x4000_0000));
    assert!(d
        .iter()
        .any(|x| matches!(&x.numbers, Numbers::Syscall { name, .. } if name == "bpf")));
}

#[test]
fn errno_data_past_the_cap_and_ignored_data() {
    // The kernel caps errno at 4095 and ignores the data of allow.
    let a = vec![Insn::ret(ret::ERRNO | 5000)];
    let b = vec![Insn::ret(ret::ERRNO | 4095)];
    assert!(differences(&a, &b).is_empty());
    let a = vec![Insn::ret(ret::ALLOW | 7)];
    let b = vec![Insn::ret(ret::ALLOW)];
    assert!(differences(&a, &b).is_empty());
}

#[test]
fn masked_number_checks_in_raw_bpf() {
    // A: (nr & 0xff) == 5 -> errno; B: nr == 5 -> errno. They differ for 0x105 and the like.
    let a = vec![
        Insn::load_abs(0),
        Insn::and(0xff),
        Insn::jump(BPF_JEQ, 5, 0, 1),
        Insn::ret(ret::ERRNO | 1),
        Insn::ret(ret::ALLOW),
    ];
    let b = vec![
        Insn::load_abs(0),
        Insn::jump(BPF_JEQ, 5, 0, 1),
        Insn::ret(ret::ERRNO | 1),
        Insn::ret(ret::ALLOW),
    ];
    let d = differences(&a, &b);
    assert!(!d.is_empty());
    assert!(d
        .iter()
        .all(|x| x.witness.nr & 0xff == 5 && x.witness.nr != 5));
    // jset on the same word through a different mask: equivalent to a masked compare.
    let c = vec![
        Insn::load_abs(16),
        Insn::jump(BPF_JSET, 0x10, 0, 1),
        Insn::ret(ret::KILL_PROCESS),
        Insn::ret(ret::ALLOW),
    ];
    let e = vec![
        Insn::load_abs(16),
        Insn::and(0x30),
        Insn::jump(BPF_JEQ, 0x10, 2, 0),
        Insn::jump(BPF_JEQ, 0x30, 1, 0),
        Insn::ret(ret::ALLOW),
        Insn::ret(ret::KILL_PROCESS),
    ];
    assert!(differences(&c, &e).is_empty());
}

#[test]
fn unsupported_arithmetic_is_reported() {
    let a = vec![
        Insn::load_abs(0),
        Insn::new(BPF_ALU | BPF_ADD | BPF_K, 0, 0, 1),
        Insn::jump(BPF_JEQ, 5, 0, 1),
        Insn::ret(0),
        Insn::ret(ret::ALLOW),
    ];
    let b = vec![Insn::ret(ret::ALLOW)];
    match diff(&a, &b, &Options::default()) {
        Err(DiffError::Unsupported { at: 2, .. }) => {}
        other => panic!("{other:?}"),
    }
    // Arithmetic on constants and scratch memory are fine.
    let c = vec![
        Insn::new(BPF_LD | BPF_IMM, 0, 0, 4),
        Insn::new(BPF_ALU | BPF_ADD | BPF_K, 0, 0, 1),
        Insn::new(BPF_MISC | BPF_TAX, 0, 0, 0),
        Insn::load_abs(0),
        Insn::new(BPF_ST, 0, 0, 3),
        Insn::new(BPF_LD | BPF_MEM, 0, 0, 3),
        Insn::new(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 0),
        Insn::ret(ret::ERRNO | 1),
        Insn::ret(ret::ALLOW),
    ];
    let d = vec![
        Insn::load_abs(0),
        Insn::jump(BPF_JEQ, 5, 0, 1),
        Insn::ret(ret::ERRNO | 1),
        Insn::ret(ret::ALLOW),
    ];
    assert!(differences(&c, &d).is_empty());
}

/// Random small programs over `nr` whose constants and masks use only bits 0..=9, so every
/// number behaves like one of 0..2048 (numbers from 1024 up act alike for unmasked
/// comparisons): brute force over those is exhaustive, and diff must agree with it.
#[test]
fn agrees_with_brute_force_on_random_programs() {
    let mut s = 0x9e37_79b9u32;
    let mut rnd = move |n: u32| {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s % n
    };
    let rets = [ret::ALLOW, ret::ERRNO | 1, ret::KILL_PROCESS];
    let mut gen = |depth: u32| -> Vec<Insn> {
        // A chain of tests; each taken branch returns, the last falls to a return.
        let mut p = vec![Insn::load_abs(0)];
        for _ in 0..depth {
            let k = rnd(1024);
            let op = [BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET][rnd(4) as usize];
            if rnd(3) == 0 {
                p.push(Insn::load_abs(0));
                p.push(Insn::and(rnd(1024)));
            } else if rnd(4) == 0 {
                p.push(Insn::load_abs(0));
            }
            p.push(Insn::jump(op, k, 0, 1));
            p.push(Insn::ret(rets[rnd(3) as usize]));
        }
        p.push(Insn::ret(rets[rnd(3) as usize]));
        p
    };
    let only = Options {
        arches: Some(vec![Arch::X86_64]),
        ..Default::default()
    };
    let mut equivalent_seen = 0;
    for round in 0..300 {
        let a = gen(1 + round % 5);
        let b = if round % 4 == 0 {
            a.clone()
        } else {
            gen(1 + round % 4)
        };
        let mut want = std::collections::BTreeSet::new();
        for n in 0..2048u32 {
            let d = sysgate::bpf::emulator::SeccompData {
                nr: n,
                arch: Arch::X86_64.audit_arch(),
                ..Default::default()
            };
            let (ra, rb) = (run(&a, &d).unwrap().ret, run(&b, &d).unwrap().ret);
            if ra != rb {
                want.insert((ra, rb));
            }
        }
        let r = diff(&a, &b, &only).unwrap();
        let got: std::collections::BTreeSet<(u32, u32)> =
            r.differences.iter().map(|d| (d.ret_a, d.ret_b)).collect();
        assert_eq!(got, want, "round {round}\nA {a:?}\nB {b:?}");
        equivalent_seen += usize::from(r.equivalent);
    }
    assert!(equivalent_seen > 0);
}
