//! Decompiling sysgate's own programs: the text compiles again to a filter that `diff`
//! proves equivalent to the input.

mod common;

use common::rng::Rng;

use sysgate::analyze::decompile::{decompile_text, Options};
use sysgate::analyze::diff;
use sysgate::arch::Arch;
use sysgate::bpf::Insn;
use sysgate::policy::{self, Policy};

fn compile(text: &str, arches: Option<Vec<Arch>>) -> Vec<Insn> {
    let src = policy::diag::Source::new("t.policy", text);
    let p = Policy::from_source(src, &policy::Options { arches }).expect("policy");
    p.compile().expect("compile").insns
}

/// Decompiles `prog`, checks the text round-trips exactly, returns the text.
fn round_trip(prog: &[Insn]) -> String {
    let (text, notes) = decompile_text(prog, &Options::default(), &[]).expect("decompile");
    assert!(notes.is_empty(), "notes: {notes:#?}\n{text}");
    let again = Policy::parse("again.policy", &text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .compile()
        .expect("compile again")
        .insns;
    let r = diff::diff(prog, &again, &diff::Options::default()).expect("diff");
    assert!(
        r.equivalent,
        "{:#?}\n{text}",
        &r.differences[..r.differences.len().min(5)]
    );
    text
}

#[test]
fn container_policy_round_trips() {
    let p = Policy::builtin("container")
        .unwrap()
        .compile()
        .unwrap()
        .insns;
    let text = round_trip(&p);
    assert!(text.contains("unknown errno ENOSYS"), "{text}");
}

#[test]
fn builtin_policies_round_trip() {
    for name in ["service", "strict"] {
        let p = Policy::builtin(name).unwrap().compile().unwrap().insns;
        round_trip(&p);
    }
}

#[test]
fn design_example_round_trips() {
    let text = include_str!("data/design_example.policy");
    for arches in [
        None,
        Some(vec![Arch::X86_64]),
        Some(vec![Arch::Aarch64, Arch::Arm]),
    ] {
        round_trip(&compile(text, arches));
    }
}

fn value(rng: &mut Rng) -> u64 {
    match rng.below(6) {
        0 => 0,
        1 => rng.next() % 16,
        2 => 1 << rng.below(64),
        3 => u64::from(u32::MAX),
        4 => rng.next() & 0xffff_ffff,
        _ => rng.next(),
    }
}

fn cond(rng: &mut Rng, depth: usize) -> String {
    let x = format!("arg{}", rng.below(6));
    match if depth > 1 {
        rng.below(6)
    } else {
        rng.below(9)
    } {
        0 => format!(
            "{x} {} {:#x}",
            rng.pick(&["==", "!=", "<", "<=", ">", ">="]),
            value(rng)
        ),
        1 => format!("{x} & {:#x}", value(rng) | 1),
        2 => {
            let m = value(rng) | 1;
            format!(
                "({x} & {m:#x}) {} {:#x}",
                rng.pick(&["==", "!="]),
                value(rng) & m
            )
        }
        3 | 4 => {
            let vals: Vec<String> = (0..1 + rng.below(4))
                .map(|_| format!("{:#x}", value(rng)))
                .collect();
            format!(
                "{x} {} {{{}}}",
                rng.pick(&["in", "not in"]),
                vals.join(", ")
            )
        }
        5 => format!("{x} > {:#x}", value(rng)),
        6 => format!("({} && {})", cond(rng, depth + 1), cond(rng, depth + 1)),
        7 => format!("({} || {})", cond(rng, depth + 1), cond(rng, depth + 1)),
        _ => format!("!({})", cond(rng, depth + 1)),
    }
}

const POOL: [&str; 16] = [
    "read",
    "write",
    "openat",
    "mmap",
    "mprotect",
    "ioctl",
    "prctl",
    "clone",
    "socket",
    "personality",
    "kill",
    "getpid",
    "execve",
    "unshare",
    "fcntl",
    "futex",
];
const ACTIONS: [&str; 7] = [
    "allow",
    "deny",
    "errno EACCES",
    "kill",
    "trap 3",
    "log",
    "errno ENOSYS",
];

/// Random policies with argument conditions, on various architecture sets.
#[test]
fn random_policies_round_trip() {
    let mut rng = Rng(0x5eed_dec0_0000_0001);
    let arch_sets: [Option<Vec<Arch>>; 5] = [
        Some(vec![Arch::X86_64]),
        Some(vec![Arch::X86_64, Arch::I386, Arch::X32]),
        Some(vec![Arch::Aarch64]),
        Some(vec![Arch::S390x]),
        Some(vec![Arch::Riscv64, Arch::Ppc64le]),
    ];
    let mut checked = 0;
    for i in 0..60 {
        let mut text = format!(
            "default {}\nunknown {}\nbadarch {}\n",
            rng.pick(&ACTIONS),
            rng.pick(&ACTIONS),
            rng.pick(&ACTIONS)
        );
        for _ in 0..1 + rng.below(10) {
            let sc = rng.pick(&POOL);
            if rng.below(3) == 0 {
                text.push_str(&format!("{} {sc}\n", rng.pick(&ACTIONS)));
            } else {
                text.push_str(&format!(
                    "{} {sc} if {}\n",
                    rng.pick(&ACTIONS),
                    cond(&mut rng, 0)
                ));
            }
        }
        let arches = arch_sets[i % arch_sets.len()].clone();
        let src = policy::diag::Source::new("t.policy", text.as_str());
        let Ok(p) = Policy::from_source(src, &policy::Options { arches }) else {
            continue;
        };
        let Ok(prog) = p.compile() else { continue };
        let (d, notes) = decompile_text(&prog.insns, &Options::default(), &[])
            .unwrap_or_else(|e| panic!("case {i}: {e}\n{text}"));
        assert!(
            notes.is_empty(),
            "case {i}: {notes:#?}\n{text}\n--- decompiled:\n{d}"
        );
        round_trip(&prog.insns);
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} random policies compiled");
}
