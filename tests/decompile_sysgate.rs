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

/// A condition on a 16-bit `mode` is compiled as tests of the low bits of the argument
/// word (a range as a chain of bit tests); decompiled, it reads as the set of values it
/// allows, on the parameter's name, in octal, and the text is still exact.
#[test]
fn mode_conditions_read_as_values() {
    const X86: &[Arch] = &[Arch::X86_64];
    let cases: [(&[Arch], &str, &[&str]); 15] = [
        (X86, "deny fchmod if mode >= 0o755", &["deny fchmod if mode >= 0o755\n"]),
        (X86, "deny fchmod if mode == 0o4755", &["deny fchmod if mode == 0o4755\n"]),
        (X86, "deny fchmod if mode > 0o777", &["deny fchmod if mode >= 0o1000\n"]),
        (X86, "deny fchmod if mode & 0o6000", &["deny fchmod if mode & 0o6000\n"]),
        (
            X86,
            "deny fchmod if mode >= 0o4000 || mode == 0o644",
            &["deny fchmod if mode == 0o644 || mode >= 0o4000\n"],
        ),
        (
            X86,
            "deny fchmod if mode & 0o6000 || mode == 0o644",
            &["deny fchmod if mode & 0o6000 || mode == 0o644\n"],
        ),
        (
            X86,
            "deny fchmod if mode in {0o644, 0o600, 0o755}",
            &["deny fchmod if mode in {0o600, 0o644, 0o755}\n"],
        ),
        (
            X86,
            "deny fchmod if mode < 0o700 || mode > 0o777",
            &["deny fchmod if mode <= 0o677 || mode >= 0o1000\n"],
        ),
        (
            X86,
            "errno EACCES chmod if mode not in {0o644, 0o755}",
            &["errno EACCES chmod if mode not in {0o644, 0o755}\n"],
        ),
        (X86, "deny openat if mode >= 0o755", &["deny openat if mode >= 0o755\n"]),
        (
            X86,
            "deny openat if flags & O_CREAT && mode >= 0o755",
            &["deny openat if arg2 & 0x40 && mode >= 0o755\n"],
        ),
        (
            X86,
            "deny mkdir if mode >= 0o700 && mode <= 0o777\ndeny mknodat if mode >= 0o700 && mode <= 0o777",
            &["deny { mkdir mknodat } if mode >= 0o700 && mode <= 0o777\n"],
        ),
        (
            &[Arch::I386],
            "deny fchmod if mode >= 0o755\ndeny openat if mode == 0o4755",
            &["deny fchmod if mode >= 0o755\n", "deny openat if mode == 0o4755\n"],
        ),
        (
            &[Arch::X86_64, Arch::I386, Arch::X32],
            "deny fchmod if mode >= 0o755\nerrno EACCES fchmod if mode == 0o644",
            &["deny fchmod if mode >= 0o755\n", "errno EACCES fchmod if mode == 0o644\n"],
        ),
        (
            X86,
            "allow fchmod if mode <= 0o755\nkill fchmod",
            &["kill fchmod if mode >= 0o756\n"],
        ),
    ];
    for (arches, rules, want) in cases {
        let text = round_trip(&compile(
            &format!("default allow\n{rules}\n"),
            Some(arches.to_vec()),
        ));
        for w in want {
            assert!(text.contains(w), "{rules}: wanted {w:?} in\n{text}");
        }
    }
}

/// Random conditions on the `mode` of several syscalls, on 64- and 32-bit ABIs: the text is
/// exact and names the parameter (never the raw `argN` word); where the source compares
/// values only (no masks), so does the text (no bit tests).
#[test]
fn random_mode_conditions_round_trip() {
    fn mode_cond(rng: &mut Rng, depth: usize, masks: bool) -> String {
        let v = |rng: &mut Rng| match rng.below(3) {
            0 => rng.next() & 0o7777,
            1 => rng.next() & 0xffff,
            _ => rng.pick(&[0, 0o644, 0o755, 0o777, 0o4755, 0xffff]),
        };
        let kid = |rng: &mut Rng| mode_cond(rng, depth + 1, masks);
        match rng.below(if depth > 1 { 4 } else { 7 }) {
            1 if masks => format!("(mode & {:#o})", v(rng) | 1),
            2 if masks => {
                let m = v(rng) | 1;
                let op = rng.pick(&["==", "!="]);
                format!("(mode & {m:#o}) {op} {:#o}", v(rng) & m)
            }
            0..=2 => format!(
                "mode {} {:#o}",
                rng.pick(&["==", "!=", "<", "<=", ">", ">="]),
                v(rng)
            ),
            3 => {
                let vals: Vec<String> = (0..1 + rng.below(4))
                    .map(|_| format!("{:#o}", v(rng)))
                    .collect();
                let op = rng.pick(&["in", "not in"]);
                format!("mode {op} {{{}}}", vals.join(", "))
            }
            4 => format!("({} && {})", kid(rng), kid(rng)),
            5 => format!("({} || {})", kid(rng), kid(rng)),
            _ => format!("!({})", kid(rng)),
        }
    }
    // (syscall, position of `mode`)
    let calls = [
        ("fchmod", 1),
        ("chmod", 1),
        ("openat", 3),
        ("mkdir", 1),
        ("mknodat", 2),
    ];
    let mut rng = Rng(0x5eed_0000_0755);
    let arch_sets = [
        vec![Arch::X86_64],
        vec![Arch::I386],
        vec![Arch::X86_64, Arch::I386],
    ];
    for i in 0..40 {
        let (sc, at) = rng.pick(&calls);
        let masks = i % 2 == 0;
        let mut text = format!("default {}\n", rng.pick(&ACTIONS));
        for _ in 0..1 + rng.below(3) {
            let c = mode_cond(&mut rng, 0, masks);
            text.push_str(&format!("{} {sc} if {c}\n", rng.pick(&ACTIONS)));
        }
        let prog = compile(&text, Some(arch_sets[i % arch_sets.len()].clone()));
        let d = round_trip(&prog);
        let why = format!("case {i}:\n{text}--- decompiled:\n{d}");
        for l in d.lines().filter(|l| l.contains(&format!(" {sc} if "))) {
            assert!(!l.contains(&format!("arg{at}")), "{why}");
            assert!(masks || !l.contains("mode &"), "{why}");
        }
    }
}
