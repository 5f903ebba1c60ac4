//! Decompiling libseccomp's programs (both layouts: optimize 1, the linear chain, and 2,
//! the binary tree) for random rule sets: the text compiles to a filter that `diff` proves
//! equivalent to libseccomp's program.
//!
//! Rules compare only 64-bit parameters (on 64-bit ABIs) with 32-bit constants: libseccomp
//! compares the upper half of 32-bit parameters too, which the policy language cannot say
//! (the decompiler notes it), and on x32 it compares only the low word of 64-bit ones.

mod common;

use common::rng::Rng;

use common::libseccomp_available as available;
use serde_json::{json, Value};
use sysgate::analyze::decompile::{decompile_text, Options};
use sysgate::analyze::diff;
use sysgate::arch::Arch;
use sysgate::bpf::{from_bytes, Insn};
use sysgate::formats::oci::arg_bits;
use sysgate::policy::Policy;

/// libseccomp's program for `desc` (see tests/support/libseccomp_export.py).
fn libseccomp(desc: &Value) -> Vec<Insn> {
    from_bytes(&common::libseccomp_export(desc)).unwrap()
}

const POOL: [&str; 14] = [
    "read", "write", "close", "mmap", "mprotect", "munmap", "madvise", "prctl", "ioctl", "clone",
    "unshare", "getpid", "execve", "kill",
];

const ACTIONS: [&str; 6] = [
    "allow",
    "errno 1",
    "errno 13",
    "kill_process",
    "trap",
    "log",
];

fn random_value(rng: &mut Rng) -> u64 {
    match rng.below(5) {
        0 => 0,
        1 => rng.next() % 16,
        2 => 1 << rng.below(32),
        3 => u64::from(u32::MAX),
        _ => rng.next() & 0xffff_ffff,
    }
}

fn random_desc(rng: &mut Rng, optimize: u8) -> (Value, Vec<Arch>) {
    let default = rng.pick(&ACTIONS);
    let (arches, names, conds_ok): (Vec<Arch>, Vec<&str>, bool) = match rng.below(4) {
        0 => (vec![Arch::X86_64], vec!["x86_64"], true),
        1 => (vec![Arch::X86_64, Arch::I386], vec!["x86_64", "x86"], true),
        2 => (vec![Arch::Aarch64], vec!["aarch64"], true),
        _ => (
            vec![Arch::X86_64, Arch::I386, Arch::X32],
            vec!["x86_64", "x86", "x32"],
            false,
        ),
    };
    let mut rules = Vec::new();
    let mut used = Vec::new();
    for _ in 0..1 + rng.below(8) {
        let syscall = rng.pick(&POOL);
        if used.contains(&syscall) {
            continue;
        }
        used.push(syscall);
        let action = loop {
            let a = rng.pick(&ACTIONS);
            if a != default {
                break a;
            }
        };
        let mut conds = Vec::new();
        let mut args = Vec::new();
        for _ in 0..if conds_ok { rng.below(3) } else { 0 } {
            let arg = rng.below(6) as u8;
            let wide = arches
                .iter()
                .filter(|a| a.register_bits() == 64)
                .all(|&a| arg_bits(a, syscall, arg) == 64);
            if args.contains(&arg) || !wide {
                continue;
            }
            args.push(arg);
            let value = random_value(rng);
            let (op, mask, value) = match rng.below(7) {
                0 => ("EQ", 0, value),
                1 => ("NE", 0, value),
                2 => ("LT", 0, value),
                3 => ("LE", 0, value),
                4 => ("GT", 0, value),
                5 => ("GE", 0, value),
                _ => {
                    let m = random_value(rng) | 1;
                    ("MASKED_EQ", m, value & m)
                }
            };
            conds.push(json!({"arg": arg, "op": op, "value": value, "mask": mask}));
        }
        rules.push(json!({"action": action, "syscall": syscall, "conditions": conds}));
    }
    let desc = json!({
        "default": default,
        "badarch": "kill_process",
        "arches": names,
        "optimize": optimize,
        "rules": rules,
    });
    (desc, arches)
}

fn check(prog: &[Insn], what: &str) {
    let (text, notes) =
        decompile_text(prog, &Options::default(), &[]).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(notes.is_empty(), "{what}: notes {notes:#?}\n{text}");
    let again = Policy::parse("again.policy", &text)
        .unwrap_or_else(|e| panic!("{what}: {e}\n{text}"))
        .compile()
        .unwrap()
        .insns;
    let r = diff::diff(prog, &again, &diff::Options::default()).unwrap();
    assert!(
        r.equivalent,
        "{what}: {:#?}\n{text}",
        &r.differences[..r.differences.len().min(3)]
    );
}

#[test]
fn random_libseccomp_programs_round_trip() {
    if !available() {
        return;
    }
    let mut rng = Rng(0xdec0_de5e_ed00_0001);
    for i in 0..40 {
        for optimize in [1u8, 2] {
            let (desc, _) = random_desc(&mut rng, optimize);
            let prog = libseccomp(&desc);
            check(&prog, &format!("case {i} optimize {optimize}: {desc}"));
        }
    }
}

#[test]
fn upper_half_of_a_32_bit_parameter_is_noted() {
    if !available() {
        return;
    }
    // `kill(pid_t pid, int sig)`: libseccomp compares all 64 bits of `sig`.
    let desc = json!({
        "default": "allow", "arches": ["x86_64"], "optimize": 1,
        "rules": [{"action": "errno 1", "syscall": "kill",
                   "conditions": [{"arg": 1, "op": "EQ", "value": 9, "mask": 0}]}],
    });
    let prog = libseccomp(&desc);
    let (text, notes) = decompile_text(&prog, &Options::default(), &[]).unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("upper 32 bits") && n.contains("kill arg1")),
        "{notes:#?}"
    );
    assert!(text.contains("deny kill if arg1 == 0x9"), "{text}");
}
