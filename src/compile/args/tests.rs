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

/// `name`'s decision on `arch` in the policy `text`, and its number.
fn decision_of(arch: Arch, text: &str, name: &str) -> (Decision, u32) {
    let p = Policy::parse("t.policy", &format!("arch {arch}\n{text}")).unwrap();
    let nr = arch.syscall_nr(name).unwrap();
    let d = p.resolved.section(arch).unwrap().syscalls[&nr].clone();
    (d, nr)
}

/// `(prot == k && flags & b) || …` 300 times over (random `k` below 8, random bits `b`), a
/// shape that took seconds to compile: once `prot` is dispatched on, a class's rules are
/// `(h && b1) || (h && b2) || …` (`h`: prot's high word is 0), and deciding `b1` leaves
/// `h || (h && b2) || …`, which absorption reduces to `h`. Without it the diagram went on
/// through every remaining bit, each order of outcomes a new sub-decision, until its work
/// budget ran out (about 8 million nodes unweighted; the value shares' word choice, then not
/// counted, several times that). Now a small part of the budget, with value shares too.
#[test]
fn alternatives_sharing_a_test_take_little_work() {
    let mut rng = Rng(0xab50_7b11_0000_0300);
    let terms: Vec<String> = (0..300)
        .map(|_| {
            format!(
                "(prot == {} && flags & {})",
                rng.below(8),
                1u64 << rng.below(32)
            )
        })
        .collect();
    let text = format!("default allow\ndeny mmap if {}\n", terms.join(" || "));
    let arch = Arch::X86_64;
    let (d, nr) = decision_of(arch, &text, "mmap");
    let shares = crate::compile::Weights::builtin(&[arch]).arg_values(arch, nr);
    assert!(!shares.is_empty(), "the built-in profile has mmap's values");
    let p = combinations(&mut rng, &probes(&d));
    for values in [Vec::new(), shares] {
        let mut dag = Dag::default();
        let (node, work) = diagram::counted(&mut dag, arch, &d, usize::MAX, &values);
        let node = node.expect("within the work budget");
        assert!(work < diagram::WORK_BUDGET / 8, "{work} nodes visited");
        check(&emit::emit(&dag, node), arch, &d, &p, "diagram");
        let chosen = decision(&mut dag, arch, &d, &values);
        assert_eq!(chosen, node, "the diagram is kept");
    }
}

/// Alternatives testing one bit of each of two words make a diagram that grows
/// exponentially: it gives up within its work budget, and the choice is the sequential
/// translation, which decides right.
#[test]
fn an_exponential_diagram_gives_up_within_its_budget() {
    let mut rng = Rng(0xe4b0_0000_0000_0002);
    let terms: Vec<String> = (0..300)
        .map(|_| {
            format!(
                "((arg3 & {}) && (arg4 & {}))",
                1u64 << rng.below(32),
                1u64 << rng.below(32)
            )
        })
        .collect();
    let text = format!("default allow\ndeny futex if {}\n", terms.join(" || "));
    let arch = Arch::X86_64;
    let (d, _) = decision_of(arch, &text, "futex");
    let mut dag = Dag::default();
    let (node, work) = diagram::counted(&mut dag, arch, &d, usize::MAX, &Vec::new());
    assert_eq!(node, None);
    assert!(work <= diagram::WORK_BUDGET);
    let seq = sequential::decision(&mut dag, arch, &d);
    assert_eq!(decision(&mut dag, arch, &d, &Vec::new()), seq);
    let p = combinations(&mut rng, &probes(&d));
    check(&emit::emit(&dag, seq), arch, &d, &p, "sequential");
}

/// A value set's classes are built by halving the range, each half dropping the tests
/// constant on it: the work grows as n·log n (it was 2n², 1.8·10⁷ nodes here, over the
/// budget, so such a set fell back to the sequential translation; a 64-bit one was then a
/// chain of comparisons).
#[test]
fn a_large_value_set_takes_n_log_n_work() {
    let mut rng = Rng(0x5e7_0000_0001_0000);
    for bits in [32, 64] {
        let n = 3000;
        let mut values: Vec<u64> = (0..n)
            .map(|_| match bits {
                32 => rng.next() as u32 as u64,
                // Few high words, as addresses have.
                _ => (rng.below(16) as u64) << 32 | rng.next() >> 32,
            })
            .collect();
        let set = Cond::Or(
            values
                .iter()
                .map(|&v| {
                    Cond::Atom(Atom {
                        arg: 1,
                        bits,
                        test: Test::Eq(v),
                    })
                })
                .collect(),
        );
        let d = Decision {
            rules: vec![CondRule {
                cond: set,
                ruling: ruling(Action::Errno(1)),
            }],
            otherwise: ruling(Action::Allow),
        };
        let mut dag = Dag::default();
        let (node, work) = diagram::counted(&mut dag, Arch::X86_64, &d, usize::MAX, &Vec::new());
        let node = node.expect("within the work budget");
        assert!(work <= 60 * n, "{bits} bits: {work} nodes visited");
        let prog = emit::emit(&dag, node);
        values.truncate(200);
        let inputs: Vec<[u64; 6]> = values
            .iter()
            .flat_map(|&v| [v, v + 1, v.wrapping_sub(1), v ^ 1 << 40])
            .map(|v| [0, v, 0, 0, 0, 0])
            .collect();
        check(&prog, Arch::X86_64, &d, &inputs, "value set");
    }
}

/// `fd != 0 && fd != 1 && … && fd != 49999` is the value set `fd in {0, …, 49999}` with
/// the exits swapped, and is searched like it (here one interval): it needed 50,292
/// instructions on three ABIs, over the kernel's limit.
#[test]
fn a_conjunction_of_inequalities_is_a_value_set() {
    let ne: Vec<String> = (0..50_000).map(|i| format!("fd != {i}")).collect();
    let text = format!(
        "arch x86_64 i386 x32\ndefault allow\ndeny read if {}\n",
        ne.join(" && ")
    );
    let p = Policy::parse("t.policy", &text).unwrap();
    let prog = p.compile().expect("within the limit");
    assert!(prog.insns.len() <= 120, "{} instructions", prog.insns.len());
    let nr = Arch::X86_64.syscall_nr("read").unwrap();
    for fd in [
        0,
        1,
        4711,
        49_999,
        50_000,
        50_001,
        u64::from(u32::MAX),
        1 << 32,
    ] {
        let args = [fd, 0, 0, 0, 0, 0];
        let want = p.resolved.decide(Arch::X86_64.audit_arch(), nr, &args);
        assert_eq!(
            run_call(&prog, nr, args).ret,
            want.action.ret_value(),
            "{fd}"
        );
    }
}

/// However a value set is negated or nested (`x != a && …`, `!(x == a || …)`, `!(x == a)
/// && !(x == b || x == c) && …`, `(x == a || (x == b || …))`), the sequential translation
/// searches it: as long as the plain `x == a || …`, and it decides right.
#[test]
fn negated_and_nested_value_sets_are_searched() {
    let mut rng = Rng(0xde_0000_4d05_9a11);
    let values: Vec<u64> = (0..600).map(|_| rng.next() as u32 as u64).collect();
    let eq = |v: u64| {
        Cond::Atom(Atom {
            arg: 0,
            bits: 32,
            test: Test::Eq(v),
        })
    };
    let not = |c: Cond| Cond::Not(Box::new(c));
    let (a, b) = values.split_at(200);
    let (b, c) = b.split_at(200);
    let any = |vs: &[u64]| Cond::Or(vs.iter().map(|&v| eq(v)).collect());
    let none = |vs: &[u64]| Cond::And(vs.iter().map(|&v| not(eq(v))).collect());
    // (condition, whether it holds on the set's members)
    let forms = [
        (any(&values), true),
        (none(&values), false),
        (not(any(&values)), false),
        (Cond::And(vec![none(a), not(any(b)), none(c)]), false),
        (Cond::Or(vec![any(a), Cond::Or(vec![any(b), any(c)])]), true),
        (
            not(Cond::And(vec![not(any(a)), none(b), not(any(c))])),
            true,
        ),
    ];
    let mut sizes = Vec::new();
    for (cond, member) in forms {
        let d = Decision {
            rules: vec![CondRule {
                cond,
                ruling: ruling(if member {
                    Action::Errno(1)
                } else {
                    Action::Allow
                }),
            }],
            otherwise: ruling(if member {
                Action::Allow
            } else {
                Action::Errno(1)
            }),
        };
        let mut dag = Dag::default();
        let seq = sequential::decision(&mut dag, Arch::X86_64, &d);
        let prog = emit::emit(&dag, seq);
        let inputs: Vec<[u64; 6]> = values
            .iter()
            .flat_map(|&v| [v, v + 1, v.wrapping_sub(1)])
            .map(|v| [v, 0, 0, 0, 0, 0])
            .collect();
        check(&prog, Arch::X86_64, &d, &inputs, "sequential");
        sizes.push(prog.len());
    }
    assert!(sizes.iter().all(|&s| s == sizes[0]), "{sizes:?}");
}

/// A random value set on one argument (8 to 20 members, so that the sequential translation
/// searches it), negated or not, its members spread over nested alternatives and
/// conjunctions, sometimes with other atoms between them.
fn value_set(rng: &mut Rng, args: u8) -> Cond {
    let arg = rng.below(usize::from(args)) as u8;
    let bits = if rng.below(4) == 0 { 64 } else { 32 };
    let members: Vec<Cond> = (0..8 + rng.below(13))
        .map(|_| {
            let v = match rng.below(3) {
                0 => rng.next() % 40,
                1 => rng.pick(VALUES),
                _ => rng.next() as u32 as u64,
            };
            Cond::Atom(Atom {
                arg,
                bits,
                test: Test::Eq(v),
            })
        })
        .collect();
    let not = |c: Cond| Cond::Not(Box::new(c));
    // Members as alternatives (`negated`: as a conjunction of their negations), split into
    // nested groups at random.
    fn group(rng: &mut Rng, args: u8, m: Vec<Cond>, negated: bool) -> Cond {
        let mut parts: Vec<Cond> = Vec::new();
        let mut rest = m;
        while !rest.is_empty() {
            let k = 1 + rng.below(rest.len());
            let chunk: Vec<Cond> = rest.drain(..k).collect();
            let part = if chunk.len() > 1 && rng.below(3) == 0 {
                match rng.below(2) {
                    0 => group(rng, args, chunk, negated),
                    // De Morgan the other way round.
                    _ => {
                        let inner = group(rng, args, chunk, !negated);
                        Cond::Not(Box::new(inner))
                    }
                }
            } else {
                let c = if negated {
                    Cond::And(chunk.into_iter().map(|c| Cond::Not(Box::new(c))).collect())
                } else {
                    Cond::Or(chunk)
                };
                c.simplify()
            };
            parts.push(part);
            if rng.below(6) == 0 {
                parts.push(atom(rng, args));
            }
        }
        if negated {
            Cond::And(parts)
        } else {
            Cond::Or(parts)
        }
    }
    match rng.below(3) {
        0 => group(rng, args, members, false),
        1 => group(rng, args, members, true),
        _ => {
            let negated = rng.below(2) == 0;
            not(group(rng, args, members, negated))
        }
    }
}

/// Decisions whose rules combine random value sets ([`value_set`]) and random conditions:
/// the sequential translation (which gathers the sets through negations and nesting), the
/// diagram and the choice all decide like `Decision::decide`, on both byte orders.
#[test]
fn random_negated_value_sets_compile_to_equivalent_code() {
    let mut rng = Rng(0x4e6a_7ed5_e75a_11ee);
    for n in 0..150 {
        let arch = if n % 2 == 0 {
            Arch::X86_64
        } else {
            Arch::S390x
        };
        let args = 1 + rng.below(3) as u8;
        let rules = (0..1 + rng.below(3))
            .map(|_| {
                let cond = match rng.below(4) {
                    0 => value_set(&mut rng, args),
                    1 => Cond::And(vec![value_set(&mut rng, args), cond(&mut rng, args, 1)]),
                    2 => Cond::Or(vec![cond(&mut rng, args, 1), value_set(&mut rng, args)]),
                    _ => Cond::And(vec![value_set(&mut rng, args), value_set(&mut rng, args)]),
                };
                CondRule {
                    cond,
                    ruling: ruling(rng.pick(ACTIONS)),
                }
            })
            .collect();
        let d = Decision {
            rules,
            otherwise: ruling(rng.pick(ACTIONS)),
        };
        let p = combinations(&mut rng, &probes(&d));
        let mut dag = Dag::default();
        let seq = sequential::decision(&mut dag, arch, &d);
        check(&emit::emit(&dag, seq), arch, &d, &p, "sequential");
        let dd =
            diagram::decision(&mut dag, arch, &d, usize::MAX, &Vec::new()).expect("within budget");
        check(&emit::emit(&dag, dd), arch, &d, &p, "diagram");
        let chosen = decision(&mut dag, arch, &d, &Vec::new());
        check(&emit::emit(&dag, chosen), arch, &d, &p, "chosen");
    }
}

/// The formula properties the diagram relies on, on random conditions: substituting what is
/// constant on an interval of a word, then a value in it, gives a formula equivalent to
/// substituting the value at once (so halving a word's range in `classes` builds each
/// class's sub-decision; the operands' order may differ, when a literal absorbed operands
/// at the first step that the second would have reduced to it); and `decide` finds exactly
/// the constants `substitute` makes (so the word choice's value test is the one it
/// replaced).
#[test]
fn interval_substitution_and_decide_agree_with_substitute() {
    use super::word::{formula, Formula, Pred, WordTest};
    fn eval(f: &Formula, word: &dyn Fn(u32) -> u32) -> bool {
        match f {
            Formula::Const(b) => *b,
            Formula::Pred(p) => p.test.holds(word(p.off)),
            Formula::Not(f) => !eval(f, word),
            Formula::And(v) => v.iter().all(|f| eval(f, word)),
            Formula::Or(v) => v.iter().any(|f| eval(f, word)),
        }
    }
    let mut rng = Rng(0x1_4e7a_1000_0000);
    let (mut same, mut differ) = (0, 0);
    for n in 0..3000 {
        let arch = if n % 2 == 0 {
            Arch::X86_64
        } else {
            Arch::S390x
        };
        let c = match rng.below(3) {
            0 => value_set(&mut rng, 2),
            _ => cond(&mut rng, 2, 3),
        };
        let f = formula(arch, &c);
        let mut preds: Vec<&Pred> = Vec::new();
        f.preds(&mut preds);
        if preds.is_empty() {
            continue;
        }
        let off = preds[rng.below(preds.len())].off;
        // Values at and around the tests' constants (and random ones, for masks).
        let near = |rng: &mut Rng| {
            let k = match preds[rng.below(preds.len())].test {
                WordTest::Eq(k) | WordTest::Gt(k) => k,
                _ => rng.next() as u32,
            };
            k.wrapping_add(rng.below(3) as u32).wrapping_sub(1)
        };
        let (a, b) = (near(&mut rng), near(&mut rng));
        let (lo, hi) = (a.min(b), a.max(b));
        let x = if rng.below(2) == 0 { lo } else { hi };
        let sub = |f: &Formula, known: &dyn Fn(&Pred) -> Option<bool>| {
            f.substitute(&|p: &Pred| known(p), &mut 0)
                .unwrap_or_else(|| f.clone())
        };
        let at = |p: &Pred| (p.off == off).then(|| p.test.holds(x));
        let on = |p: &Pred| (p.off == off).then(|| p.test.on_interval(lo, hi)).flatten();
        let direct = sub(&f, &at);
        let staged = sub(&sub(&f, &on), &at);
        if staged == direct {
            same += 1;
        } else {
            differ += 1;
        }
        for _ in 0..20 {
            let others: Vec<u32> = (0..12).map(|_| near(&mut rng)).collect();
            let word = |o: u32| {
                if o == off {
                    x
                } else {
                    others[(o as usize / 4) % 12]
                }
            };
            assert_eq!(
                eval(&staged, &word),
                eval(&f, &word),
                "{c:?} on [{lo}, {hi}] at {x}"
            );
            assert_eq!(eval(&direct, &word), eval(&f, &word), "{c:?} at {x}");
        }
        let decided = f.decide(&at, &mut 0);
        let constant = match direct {
            Formula::Const(b) => Some(b),
            _ => None,
        };
        assert_eq!(decided, constant, "{c:?} at {x}");
    }
    // Mostly the very same formula.
    assert!(differ * 20 < same, "{differ} differ, {same} the same");
}

/// A repeated literal goes, and so does an operand a literal absorbs.
#[test]
fn junctions_absorb_what_a_literal_decides() {
    use super::word::{and, formula, not, or};
    let arch = Arch::X86_64;
    let atom = |arg: u8, test: Test| {
        formula(
            arch,
            &Cond::Atom(Atom {
                arg,
                bits: 32,
                test,
            }),
        )
    };
    let (h, b, c) = (
        atom(0, Test::Eq(0)),
        atom(1, Test::AnySet(4)),
        atom(2, Test::Gt(9)),
    );
    let hb = and([h.clone(), b.clone()]);
    assert_eq!(or([h.clone(), hb.clone(), h.clone()]), h);
    assert_eq!(and([h.clone(), or([c.clone(), h.clone()])]), h);
    let nh = not(h.clone());
    assert_eq!(
        or([nh.clone(), and([b.clone(), nh.clone()]), c.clone()]),
        or([nh.clone(), c.clone()])
    );
    // Not a literal of the junction: kept.
    assert_eq!(
        or([c.clone(), hb.clone()]),
        super::word::Formula::Or(vec![c.clone(), hb.clone()])
    );
}
