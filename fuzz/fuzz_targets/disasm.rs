//! Raw bytes → decoder → disassembler, with and without an architecture hint. Must never
//! panic, whatever the program.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sysgate::arch::Arch;
use sysgate::bpf::disasm::disassemble;

fuzz_target!(|data: &[u8]| {
    let Some((&hint, code)) = data.split_first() else {
        return;
    };
    let Ok(prog) = sysgate::bpf::from_bytes(code) else {
        return;
    };
    let arches: Vec<Arch> = Arch::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| hint & (1 << (i % 8)) != 0)
        .map(|(_, a)| *a)
        .collect();
    let _ = disassemble(&prog, None);
    let _ = disassemble(&prog, Some(&arches));
});
