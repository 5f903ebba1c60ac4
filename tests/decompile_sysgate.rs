//! Decompiling sysgate's own programs: the text compiles again to a filter that `diff`
//! proves equivalent to the input.

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
    let text = "default allow
unknown errno ENOSYS
deny {
  @mount @module @reboot @swap @raw-io @clock @keyring
  bpf perf_event_open userfaultfd kexec_load kexec_file_load
}
errno ENOSYS clone3
deny clone if flags & (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET)
deny socket if domain in {AF_ALG, AF_VSOCK}
allow personality if persona in {0, PER_LINUX32, 0x20000, 0x20008, 0xffffffff}
deny personality
";
    for arches in [
        None,
        Some(vec![Arch::X86_64]),
        Some(vec![Arch::Aarch64, Arch::Arm]),
    ] {
        round_trip(&compile(text, arches));
    }
}

#[test]
#[ignore]
fn show_container() {
    let p = Policy::builtin("container")
        .unwrap()
        .compile()
        .unwrap()
        .insns;
    println!("{}", round_trip(&p));
}
