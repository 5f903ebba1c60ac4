//! `sysgate disasm`.

use super::common::*;
use clap::Args;

#[derive(Args)]
pub struct DisasmArgs {
    /// Raw BPF file (`-` for standard input)
    file: String,
    #[command(flatten)]
    arch: ArchOpt,
}

pub fn cmd_disasm(a: DisasmArgs) -> Res {
    let prog = read_bpf(&a.file)?;
    if let Err(e) = sysgate::bpf::emulator::validate(&prog) {
        eprintln!(
            "sysgate: warning: {}: the kernel would reject this filter: {e}",
            a.file
        );
    }
    let arches = parse_arches(&a.arch)?;
    print!(
        "{}",
        sysgate::bpf::disasm::disassemble(&prog, arches.as_deref())
    );
    Ok(())
}
