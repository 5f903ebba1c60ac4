//! Hand-written programs: what the language cannot say is noted precisely, or refused.

use sysgate::analyze::decompile::{decompile, decompile_text, DecompileError, Options};
use sysgate::bpf::insn::*;
use sysgate::bpf::{ret, Insn};

const X86_64: u32 = 0xc000_003e;

#[test]
fn instruction_pointer_check_is_noted() {
    // execve is allowed only from one address; everything else allowed.
    let prog = [
        Insn::load_abs(4),
        Insn::jump(BPF_JEQ, X86_64, 1, 0),
        Insn::ret(ret::KILL_PROCESS),
        Insn::load_abs(0),
        Insn::jump(BPF_JEQ, 59, 0, 3),
        Insn::load_abs(8), // instruction_pointer, low word
        Insn::jump(BPF_JEQ, 0x1000, 1, 0),
        Insn::ret(ret::ERRNO | 1),
        Insn::ret(ret::ALLOW),
    ];
    let d = decompile(&prog, &Options::default()).unwrap();
    let note = d
        .notes
        .iter()
        .find(|n| n.contains("instruction_pointer"))
        .unwrap_or_else(|| panic!("{:#?}", d.notes));
    assert!(
        note.contains("instruction 6") && note.contains("execve"),
        "{note}"
    );
    let (text, _) = decompile_text(&prog, &Options::default(), &[]).unwrap();
    assert!(
        text.contains("# note:") && text.contains("deny execve"),
        "{text}"
    );
}

#[test]
fn runc_enosys_stub_is_noted() {
    // runc's patch: numbers above the highest known one get ENOSYS, before the filter.
    let prog = [
        Insn::load_abs(4),
        Insn::jump(BPF_JEQ, X86_64, 1, 0),
        Insn::ret(ret::KILL_PROCESS),
        Insn::load_abs(0),
        Insn::jump(BPF_JGT, 400, 0, 1),
        Insn::ret(ret::ERRNO | 38),
        Insn::jump(BPF_JEQ, 59, 0, 1),
        Insn::ret(ret::ERRNO | 1),
        Insn::ret(ret::ALLOW),
    ];
    let d = decompile(&prog, &Options::default()).unwrap();
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("outside sysgate's table are not all treated alike")),
        "{:#?}",
        d.notes
    );
    let (text, _) = decompile_text(&prog, &Options::default(), &[]).unwrap();
    assert!(text.contains("unknown errno ENOSYS"), "{text}");
    assert!(text.contains("deny execve"), "{text}");
}

#[test]
fn arithmetic_is_refused() {
    let prog = [
        Insn::load_abs(0),
        Insn::new(BPF_ALU | BPF_ADD | BPF_K, 0, 0, 1),
        Insn::jump(BPF_JEQ, 60, 0, 1),
        Insn::ret(ret::KILL_PROCESS),
        Insn::ret(ret::ALLOW),
    ];
    match decompile(&prog, &Options::default()) {
        Err(e @ DecompileError::Unsupported { at: 2, .. }) => {
            assert!(e.to_string().contains("instruction 2"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_arch_check_is_noted() {
    let prog = [
        Insn::load_abs(0),
        Insn::jump(BPF_JEQ, 59, 0, 1),
        Insn::ret(ret::ERRNO | 1),
        Insn::ret(ret::ALLOW),
    ];
    let d = decompile(&prog, &Options::default()).unwrap();
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("does not check every architecture")),
        "{:#?}",
        d.notes
    );
    // Every architecture where number 59 exists is decompiled (x32's numbers have bit 30
    // set, so it is all `allow`, like unknown architectures).
    assert_eq!(d.policy.sections.len(), 8);
}
