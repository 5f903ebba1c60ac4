use super::*;
use crate::bpf::emulator::{run, SeccompData};
use crate::ir::{Atom, Cond, CondRule, Origin, Ruling, Test};
use crate::policy::ast::Action;
use crate::policy::Policy;

use crate::test_rng::Rng;

const VALUES: &[u64] = &[
    0,
    1,
    2,
    3,
    4,
    0x22,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
    1 << 32,
    (1 << 32) | 1,
    (3 << 32) | 3,
    0xffff_ffff_0000_0000,
    0x7fff_ffff_ffff_ffff,
    u64::MAX,
];

const MASKS: &[u64] = &[
    0,
    1,
    2,
    3,
    4,
    6,
    0x30,
    0xff,
    0xffff_ffff,
    1 << 32,
    (1 << 32) | 1,
    0xffff_ffff_0000_0000,
    u64::MAX,
];

fn atom(rng: &mut Rng, args: u8) -> Cond {
    let arg = rng.below(usize::from(args)) as u8;
    let bits = rng.pick(&[32, 64]);
    let v = rng.pick(VALUES);
    let test = match rng.below(6) {
        0 | 1 => Test::Eq(v),
        2 => Test::Gt(v),
        3 => Test::Ge(v),
        4 => Test::AnySet(rng.pick(MASKS)),
        _ => {
            let mask = rng.pick(MASKS);
            // Mostly a value inside the mask; sometimes one that can never match.
            let value = if rng.below(4) == 0 { v } else { v & mask };
            Test::MaskedEq { mask, value }
        }
    };
    Cond::Atom(Atom { arg, bits, test })
}

fn cond(rng: &mut Rng, args: u8, depth: u32) -> Cond {
    if depth == 0 {
        return atom(rng, args);
    }
    match rng.below(8) {
        0 | 1 => atom(rng, args),
        2 => Cond::Not(Box::new(cond(rng, args, depth - 1))),
        3 | 4 => Cond::And(
            (0..2 + rng.below(2))
                .map(|_| cond(rng, args, depth - 1))
                .collect(),
        ),
        5 | 6 => Cond::Or(
            (0..2 + rng.below(2))
                .map(|_| cond(rng, args, depth - 1))
                .collect(),
        ),
        _ => {
            // A value set, large enough for a search.
            let arg = rng.below(usize::from(args)) as u8;
            let bits = rng.pick(&[32, 64]);
            let n = 2 + rng.below(12);
            Cond::Or(
                (0..n)
                    .map(|_| {
                        let v = if rng.below(2) == 0 {
                            rng.next() % 40
                        } else {
                            rng.pick(VALUES)
                        };
                        Cond::Atom(Atom {
                            arg,
                            bits,
                            test: Test::Eq(v),
                        })
                    })
                    .collect(),
            )
        }
    }
}

fn ruling(action: Action) -> Ruling {
    Ruling {
        action,
        origin: Origin::implicit(""),
    }
}

const ACTIONS: &[Action] = &[
    Action::Allow,
    Action::Errno(1),
    Action::Errno(2),
    Action::Kill,
];

fn random_decision(rng: &mut Rng) -> Decision {
    let args = 1 + rng.below(3) as u8;
    let rules = (0..1 + rng.below(4))
        .map(|_| CondRule {
            cond: cond(rng, args, 2),
            ruling: ruling(rng.pick(ACTIONS)),
        })
        .collect();
    Decision {
        rules,
        otherwise: ruling(rng.pick(ACTIONS)),
    }
}

/// Per argument: values at and around every constant the decision tests it against.
fn probes(d: &Decision) -> Vec<Vec<u64>> {
    let mut atoms = Vec::new();
    for r in &d.rules {
        r.cond.atoms(&mut atoms);
    }
    (0..6)
        .map(|arg| {
            let mut v = vec![0, u64::MAX];
            for a in atoms.iter().filter(|a| a.arg == arg) {
                let k = match a.test {
                    Test::Eq(k) | Test::Gt(k) | Test::Ge(k) => k,
                    Test::AnySet(m) => m,
                    Test::MaskedEq { mask, value } => value | !mask,
                };
                let vm = match a.test {
                    Test::MaskedEq { value, .. } => value,
                    _ => !k,
                };
                for x in [k, k.wrapping_sub(1), k.wrapping_add(1), k ^ (1 << 32), vm] {
                    v.push(x);
                }
            }
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect()
}

/// Every combination of `probes`, or `MAX_COMBINATIONS` random ones when there are more.
fn combinations(rng: &mut Rng, probes: &[Vec<u64>]) -> Vec<[u64; 6]> {
    const MAX_COMBINATIONS: usize = 3000;
    let total = probes.iter().map(Vec::len).product::<usize>();
    let mut out = Vec::new();
    for n in 0..total.min(MAX_COMBINATIONS) {
        let mut args = [0u64; 6];
        let mut rest = n;
        for (a, p) in args.iter_mut().zip(probes) {
            let i = if total > MAX_COMBINATIONS {
                rng.below(p.len())
            } else {
                rest % p.len()
            };
            rest /= p.len();
            *a = p[i];
        }
        out.push(args);
    }
    out
}

/// Runs `prog` on every one of `inputs` and compares with `d`.
fn check(prog: &[Insn], arch: Arch, d: &Decision, inputs: &[[u64; 6]], what: &str) {
    for &args in inputs {
        let data = SeccompData {
            nr: 0,
            arch: arch.audit_arch(),
            instruction_pointer: 0,
            args,
        };
        let got = run(prog, &data).unwrap().ret;
        let want = d.decide(&args).action.ret_value();
        assert_eq!(got, want, "{what} on {arch}, args {args:x?}:\n{d:#?}");
    }
}

/// The diagram alone, the sequential translation alone, and the choice between them all
/// decide exactly like `Decision::decide` (the reference semantics), on both byte orders.
#[test]
fn random_decisions_compile_to_equivalent_code() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for n in 0..400 {
        let d = random_decision(&mut rng);
        let arch = if n % 2 == 0 {
            Arch::X86_64
        } else {
            Arch::S390x
        };
        let p = combinations(&mut rng, &probes(&d));
        let mut dag = Dag::default();
        let dd = diagram::decision(&mut dag, arch, &d, usize::MAX).expect("within budget");
        check(&emit::emit(&dag, dd), arch, &d, &p, "diagram");
        let seq = sequential::decision(&mut dag, arch, &d);
        check(&emit::emit(&dag, seq), arch, &d, &p, "sequential");
        let chosen = decision(&mut dag, arch, &d);
        check(&emit::emit(&dag, chosen), arch, &d, &p, "chosen");
    }
}

fn x86_64(text: &str) -> crate::compile::Program {
    on(Arch::X86_64, text)
}

fn on(arch: Arch, text: &str) -> crate::compile::Program {
    let p = Policy::parse("t.policy", &format!("arch {arch}\n{text}")).unwrap();
    p.compile().unwrap()
}

/// Instructions run from the first argument load on.
fn argument_path(prog: &crate::compile::Program, nr: u32, args: [u64; 6]) -> usize {
    let arch = prog.arches[0];
    let data = SeccompData {
        nr,
        arch: arch.audit_arch(),
        instruction_pointer: 0,
        args,
    };
    let out = run(&prog.insns, &data).unwrap();
    let is_arg_load = |i: &usize| {
        let ins = prog.insns[*i];
        ins.class() == crate::bpf::insn::BPF_LD && ins.k >= 16
    };
    out.path.iter().skip_while(|i| !is_arg_load(i)).count()
}

#[test]
fn alternatives_sharing_words_test_each_word_once() {
    let prog = x86_64(
        "default deny\nallow mmap if (arg2 == 0 && arg3 == 0x22) || (arg2 == 3 && arg3 == 0x22) \
         || (arg2 == 3 && arg3 == 0x4022) || (arg2 == 1 && arg3 == 2) || (arg2 == 3 && arg3 == 1)\n",
    );
    let nr = Arch::X86_64.syscall_nr("mmap").unwrap();
    let mut worst = 0;
    for a2 in [0, 1, 2, 3, 4] {
        for a3 in [0, 1, 2, 0x22, 0x4022] {
            worst = worst.max(argument_path(&prog, nr, [0, 0, a2, a3, 0, 0]));
        }
    }
    // Both high words (ld, jeq 0 each), ld arg2, up to three jeq, ld arg3, up to three jeq,
    // ret; the sequential translation took up to 34 here.
    assert!(
        worst <= 13,
        "{worst} instructions on the longest argument path"
    );
    assert!(argument_path(&prog, nr, [0, 0, 3, 0x22, 0, 0]) <= 10);
    // The same on 32-bit parameters: no high words.
    let prog = on(
        Arch::I386,
        "default deny\nallow mmap2 if (prot == 0 && flags == 0x22) || (prot == 3 && flags == 0x22) \
         || (prot == 3 && flags == 0x4022) || (prot == 1 && flags == 2) || (prot == 3 && flags == 1)\n",
    );
    let nr = Arch::I386.syscall_nr("mmap2").unwrap();
    assert!(argument_path(&prog, nr, [0, 0, 3, 0x22, 0, 0]) <= 6);
}

#[test]
fn an_always_true_wide_comparison_tests_nothing() {
    let prog = x86_64("default deny\nallow lseek if arg2 >= 0\n");
    let loads = prog
        .insns
        .iter()
        .filter(|i| i.class() == crate::bpf::insn::BPF_LD && i.k >= 16)
        .count();
    assert_eq!(loads, 0, "{:?}", prog.insns);
}

#[test]
fn an_interval_of_values_is_two_comparisons() {
    let prog = x86_64("default allow\nerrno 5 close if fd in {3, 4, 5, 6, 7, 8, 9, 10, 11}\n");
    let nr = Arch::X86_64.syscall_nr("close").unwrap();
    for fd in [0, 3, 7, 11, 12, u64::MAX] {
        // ld, jge, jge, ret
        assert!(argument_path(&prog, nr, [fd, 0, 0, 0, 0, 0]) <= 4);
    }
}

#[test]
fn a_low_word_waits_for_its_high_word() {
    // The first rule tests only the low word of arg0; the second tests its high word too.
    let prog =
        x86_64("default allow\nerrno 1 lseek if arg0 & 1\nerrno 2 lseek if arg0 == 0x100000000\n");
    let nr = Arch::X86_64.syscall_nr("lseek").unwrap();
    let loads: Vec<u32> = {
        let data = SeccompData {
            nr,
            arch: Arch::X86_64.audit_arch(),
            instruction_pointer: 0,
            args: [1 << 32, 0, 0, 0, 0, 0],
        };
        let out = run(&prog.insns, &data).unwrap();
        assert_eq!(out.ret, crate::bpf::ret::ERRNO | 2);
        out.path
            .iter()
            .map(|&i| prog.insns[i])
            .filter(|i| i.class() == crate::bpf::insn::BPF_LD && i.k >= 16)
            .map(|i| i.k)
            .collect()
    };
    assert_eq!(
        loads,
        vec![20, 16],
        "high word first, then the low word, once each"
    );
}
