//! `sysgate disasm`.

use super::common::*;
use clap::Args;

#[derive(Args)]
pub struct DisasmArgs {
    /// Raw BPF file (`-` for standard input)
    file: String,
    /// Architectures whose syscall names to show when the program never loads
    /// `seccomp_data.arch`, comma-separated
    /// (x86_64,i386,x32,aarch64,arm,riscv64,s390x,ppc64le,loongarch64, or `native`)
    #[arg(long, value_delimiter = ',')]
    arch: Option<Vec<String>>,
}

pub fn cmd_disasm(a: DisasmArgs) -> Res {
    let prog = read_bpf(&a.file)?;
    if let Err(e) = sysgate::bpf::emulator::validate(&prog) {
        eprintln!(
            "sysgate: warning: {}: the kernel would reject this filter: {e}",
            a.file
        );
    }
    let arches = parse_arches(&ArchOpt { arch: a.arch })?;
    print!(
        "{}",
        sysgate::bpf::disasm::disassemble(&prog, arches.as_deref())
    );
    Ok(())
}
