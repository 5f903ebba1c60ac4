use super::*;
use crate::bpf::emulator::{run, Outcome, SeccompData};
use crate::ir::{Atom, Cond, CondRule, Origin, Ruling, Test};
use crate::policy::ast::Action;
use crate::policy::Policy;

use crate::compile::weights::ArgValues;
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

/// The `n`th random decision, for a little-endian ABI when `n` is even, else a big-endian
/// one.
fn random_case(rng: &mut Rng, n: usize) -> (Decision, Arch) {
    let arch = if n % 2 == 0 {
        Arch::X86_64
    } else {
        Arch::S390x
    };
    (random_decision(rng), arch)
}

/// The diagram alone, the sequential translation alone, and the choice between them all
/// decide exactly like `Decision::decide` (the reference semantics), on both byte orders.
#[test]
fn random_decisions_compile_to_equivalent_code() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for n in 0..400 {
        let (d, arch) = random_case(&mut rng, n);
        let p = combinations(&mut rng, &probes(&d));
        let mut dag = Dag::default();
        let dd =
            diagram::decision(&mut dag, arch, &d, usize::MAX, &Vec::new()).expect("within budget");
        check(&emit::emit(&dag, dd), arch, &d, &p, "diagram");
        let seq = sequential::decision(&mut dag, arch, &d);
        check(&emit::emit(&dag, seq), arch, &d, &p, "sequential");
        let chosen = decision(&mut dag, arch, &d, &Vec::new());
        check(&emit::emit(&dag, chosen), arch, &d, &p, "chosen");
    }
}

/// Random value shares over the values a decision tests (and around them): up to four
/// values on each of a few arguments, shares adding up to at most 1.
fn random_values(rng: &mut Rng, probes: &[Vec<u64>]) -> ArgValues {
    let mut out = ArgValues::new();
    for (arg, values) in probes.iter().enumerate() {
        if rng.below(3) == 0 {
            continue;
        }
        let mut left = 1.0;
        let mut picked: Vec<u64> = (0..1 + rng.below(4)).map(|_| rng.pick(values)).collect();
        picked.sort_unstable();
        picked.dedup();
        for v in picked {
            let share = left * (rng.below(100) as f64 + 1.0) / 100.0;
            left -= share;
            out.push((arg as u8, v, share));
        }
    }
    out
}

/// With random value shares, the weighted diagram and the choice still decide exactly
/// like `Decision::decide`, and each weighted dispatch's longest path stays within the
/// slack of the unweighted one's (so the whole check's, summed over the words a path
/// dispatches on, within that many times the slack).
#[test]
fn random_decisions_with_value_shares_compile_to_equivalent_code() {
    let mut rng = Rng(0x7a1e_5eed_0ddb_a115);
    for n in 0..400 {
        let (d, arch) = random_case(&mut rng, n);
        let probes = probes(&d);
        let values = random_values(&mut rng, &probes);
        let p = combinations(&mut rng, &probes);
        let mut dag = Dag::default();
        let plain = diagram::decision(&mut dag, arch, &d, usize::MAX, &Vec::new()).unwrap();
        let dd = diagram::decision(&mut dag, arch, &d, usize::MAX, &values).unwrap();
        let prog = emit::emit(&dag, dd);
        check(&prog, arch, &d, &p, "weighted diagram");
        // 12 words at most: 6 arguments, two words each.
        let bound = longest_path(&emit::emit(&dag, plain)) + 12 * dispatch::SLACK as usize;
        assert!(longest_path(&prog) <= bound, "{values:?}\n{d:#?}");
        let chosen = decision(&mut dag, arch, &d, &values);
        check(&emit::emit(&dag, chosen), arch, &d, &p, "weighted choice");
    }
}

/// The dispatch on its own: random segments and random hot values (some outside every
/// segment's start, some in wide segments), every value of interest decided as without
/// weights, within the slack.
#[test]
fn weighted_dispatch_sends_every_value_where_the_segments_do() {
    let mut rng = Rng(0xd15b_a7c4_0000_0001);
    for _ in 0..500 {
        let mut dag = Dag::default();
        let ends: Vec<NodeId> = (0..4).map(|k| dag.ret(k)).collect();
        let mut starts: Vec<u32> = (0..1 + rng.below(20))
            .map(|_| rng.next() as u32 % 64)
            .collect();
        starts.push(rng.pick(&[0u32, 3]));
        starts.sort_unstable();
        starts.dedup();
        let mut segs: Vec<(u32, NodeId)> = Vec::new();
        for st in starts {
            let node = ends[rng.below(ends.len())];
            if segs.last().map(|l| l.1) != Some(node) {
                segs.push((st, node));
            }
        }
        let hot: Vec<(u32, f64)> = (0..rng.below(6))
            .map(|_| (rng.next() as u32 % 70, (rng.below(30) + 1) as f64 / 100.0))
            .collect();
        let plain = dispatch::segments(&mut dag, &segs);
        let weighted = dispatch::segments_weighted(&mut dag, &segs, &hot);
        assert!(dag.height(weighted) <= dag.height(plain) + dispatch::SLACK);
        let (plain, weighted) = (emit::emit(&dag, plain), emit::emit(&dag, weighted));
        for x in segs[0].0..80 {
            let data = SeccompData {
                nr: x,
                arch: 0,
                instruction_pointer: 0,
                args: [0; 6],
            };
            let (a, b) = (run(&plain, &data).unwrap(), run(&weighted, &data).unwrap());
            assert_eq!(a.ret, b.ret, "{x}: {segs:?} {hot:?}");
        }
    }
}

/// A hot value runs fewer instructions with the shares than without, and the longest path
/// is at most the slack longer; the program decides the same.
#[test]
fn a_hot_value_runs_fewer_instructions() {
    let text =
        "default deny\nallow futex if futex_op in {0, 1, 4, 5, 128, 129, 132, 133, 137, 393}\n\
                allow ioctl if request in {0x5401, 0x5413, 0x5421, 0xae01, 0xae03, 0xae41, \
                0xae80, 0x4040ae46, 0x8090ae81, 0x4090ae82, 0xc008ae88}\n";
    let p = Policy::parse("t.policy", &format!("arch x86_64\n{text}")).unwrap();
    let calls = "futex 1000\nioctl 1000\n";
    let profile =
        format!("{calls}futex arg1=0x81 700\nfutex arg1=0x89 100\nioctl arg1=0x5401 900\n");
    let compile = |t: &str| compiled_for(&p, t);
    let (with, without) = (compile(&profile), compile(calls));
    // Instructions from the first argument load on (the number tree may differ too).
    let run_on = |prog: &crate::compile::Program, name: &str, args: [u64; 6]| {
        let nr = Arch::X86_64.syscall_nr(name).unwrap();
        let out = run_call(prog, nr, args);
        let want = p.resolved.decide(Arch::X86_64.audit_arch(), nr, &args);
        assert_eq!(out.ret, want.action.ret_value());
        argument_path(prog, nr, args)
    };
    for (name, hot) in [("futex", 0x81), ("ioctl", 0x5401)] {
        let args = [0, hot, 0, 0, 0, 0];
        let (w, n) = (run_on(&with, name, args), run_on(&without, name, args));
        assert!(w < n, "{name} {hot:#x}: {w} with the shares, {n} without");
        let longest = |prog: &crate::compile::Program| {
            [0, 4, 133, 393, 0xae41, 0xc008ae88, 7, 0x8000_0000, u64::MAX]
                .into_iter()
                .map(|cold| run_on(prog, name, [0, cold, 0, 0, 0, 0]))
                .max()
                .unwrap()
        };
        let (w, n) = (longest(&with), longest(&without));
        assert!(
            w <= n + dispatch::SLACK as usize,
            "{name}: longest {w} with the shares, {n} without"
        );
    }
}

fn x86_64(text: &str) -> crate::compile::Program {
    on(Arch::X86_64, text)
}

fn on(arch: Arch, text: &str) -> crate::compile::Program {
    let p = Policy::parse("t.policy", &format!("arch {arch}\n{text}")).unwrap();
    p.compile().unwrap()
}

/// Runs `prog` on a call of `nr` with `args` on its first architecture.
fn run_call(prog: &crate::compile::Program, nr: u32, args: [u64; 6]) -> Outcome {
    let data = SeccompData {
        nr,
        arch: prog.arches[0].audit_arch(),
        instruction_pointer: 0,
        args,
    };
    run(&prog.insns, &data).unwrap()
}

/// Whether instruction `i` of `prog` loads an argument word.
fn is_arg_load(prog: &crate::compile::Program, i: usize) -> bool {
    let ins = prog.insns[i];
    ins.class() == crate::bpf::insn::BPF_LD && ins.k >= 16
}

/// Instructions run from the first argument load on.
fn argument_path(prog: &crate::compile::Program, nr: u32, args: [u64; 6]) -> usize {
    let out = run_call(prog, nr, args);
    out.path
        .iter()
        .skip_while(|&&i| !is_arg_load(prog, i))
        .count()
}

/// `p` compiled for the x86_64 profile `mix` (a `NAME COUNT` table).
fn compiled_for(p: &Policy, mix: &str) -> crate::compile::Program {
    let (weights, _) = crate::compile::Weights::from_mix(mix, &[Arch::X86_64]);
    crate::compile::compile(&p.resolved, &crate::compile::Options { weights }).unwrap()
}

/// Compiled without a profile: the argument checks laid out for their longest path.
fn unweighted(arch: Arch, text: &str) -> crate::compile::Program {
    let p = Policy::parse("t.policy", &format!("arch {arch}\n{text}")).unwrap();
    crate::compile::compile(&p.resolved, &Default::default()).unwrap()
}

#[test]
fn alternatives_sharing_words_test_each_word_once() {
    let text = "default deny\nallow mmap if (arg2 == 0 && arg3 == 0x22) || (arg2 == 3 && arg3 == 0x22) \
         || (arg2 == 3 && arg3 == 0x4022) || (arg2 == 1 && arg3 == 2) || (arg2 == 3 && arg3 == 1)\n";
    let nr = Arch::X86_64.syscall_nr("mmap").unwrap();
    let worst = |prog: &crate::compile::Program| {
        let mut worst = 0;
        for a2 in [0, 1, 2, 3, 4] {
            for a3 in [0, 1, 2, 0x22, 0x4022] {
                worst = worst.max(argument_path(prog, nr, [0, 0, a2, a3, 0, 0]));
            }
        }
        worst
    };
    // Both high words (ld, jeq 0 each), ld arg2, up to three jeq, ld arg3, up to three jeq,
    // ret; the sequential translation took up to 34 here.
    let prog = unweighted(Arch::X86_64, text);
    let w = worst(&prog);
    assert!(w <= 13, "{w} instructions on the longest argument path");
    assert!(argument_path(&prog, nr, [0, 0, 3, 0x22, 0, 0]) <= 10);
    // The built-in profile's value shares for prot and flags: each of the two dispatches
    // may take the slack.
    let w = worst(&x86_64(text));
    assert!(
        w <= 13 + 2 * dispatch::SLACK as usize,
        "{w} with the built-in profile"
    );
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

/// The argument words `prog` loads for a call of `nr` with `args`, in order, and its result.
fn loads(prog: &crate::compile::Program, nr: u32, args: [u64; 6]) -> (Vec<u32>, u32) {
    let out = run_call(prog, nr, args);
    let words = out
        .path
        .iter()
        .filter(|&&i| is_arg_load(prog, i))
        .map(|&i| prog.insns[i].k)
        .collect();
    (words, out.ret)
}

#[test]
fn a_low_word_waits_for_its_high_word_in_a_range() {
    // The first rule tests only the low word of arg1 (lseek's 64-bit offset); the second a
    // 64-bit range, which
    // reads as one comparison only high word first (what the decompiler writes back).
    let prog =
        x86_64("default allow\nerrno 1 lseek if arg1 & 1\nerrno 2 lseek if arg1 > 0x100000000\n");
    let nr = Arch::X86_64.syscall_nr("lseek").unwrap();
    let (words, ret) = loads(&prog, nr, [0, 2 << 32, 0, 0, 0, 0]);
    assert_eq!(ret, crate::bpf::ret::ERRNO | 2);
    assert_eq!(
        words,
        vec![28, 24],
        "high word first, then the low word, once each"
    );
}

#[test]
fn a_high_word_every_rule_compares_with_zero_is_tested_last() {
    // `prot == 3` is `hi == 0 && lo == 3`: a call whose low word already fails never
    // loads the high word.
    let prog = x86_64("default allow\nerrno 1 mprotect if prot == 3\n");
    let nr = Arch::X86_64.syscall_nr("mprotect").unwrap();
    let (words, ret) = loads(&prog, nr, [0, 0, 1, 0, 0, 0]);
    assert_eq!((words, ret), (vec![32], crate::bpf::ret::ALLOW));
    let (words, ret) = loads(&prog, nr, [0, 0, 3, 0, 0, 0]);
    assert_eq!((words, ret), (vec![32, 36], crate::bpf::ret::ERRNO | 1));
    let (words, ret) = loads(&prog, nr, [0, 0, 3 | 1 << 32, 0, 0, 0]);
    assert_eq!((words, ret), (vec![32, 36], crate::bpf::ret::ALLOW));
}

/// With value shares, the word whose common values refuse the call at once is examined
/// first: a refused `flags` value costs one load, not two.
#[test]
fn the_word_that_decides_most_calls_goes_first() {
    let text = "arch x86_64\ndefault deny\n\
                allow mmap if (prot == 1 && flags == 2) || (prot == 3 && flags == 0x22)\n";
    let p = Policy::parse("t.policy", text).unwrap();
    let calls = "mmap 1000\n";
    let profile = format!(
        "{calls}mmap arg2=1 500\nmmap arg2=3 500\nmmap arg3=0x812 800\nmmap arg3=0x22 200\n"
    );
    let compile = |t: &str| compiled_for(&p, t);
    let nr = Arch::X86_64.syscall_nr("mmap").unwrap();
    let refused = [0, 4096, 1, 0x812, 0, 0];
    let (words, ret) = loads(&compile(&profile), nr, refused);
    assert_eq!((words, ret), (vec![40], crate::bpf::ret::ERRNO | 1));
    // Without the values, `prot` (the first rule's first word) comes first.
    let (words, _) = loads(&compile(calls), nr, refused);
    assert_eq!(words, vec![32, 40]);
    for args in [
        [0, 0, 1, 2, 0, 0],
        [0, 0, 3, 0x22, 0, 0],
        [0, 0, 3, 2, 0, 0],
        refused,
    ] {
        let (_, ret) = loads(&compile(&profile), nr, args);
        let want = p
            .resolved
            .decide(Arch::X86_64.audit_arch(), nr, &args)
            .action;
        assert_eq!(ret, want.ret_value(), "{args:x?}");
    }
}
