//! `sysgate decompile`.

use super::common::*;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct DecompileArgs {
    /// Raw BPF file (`-` for standard input)
    file: String,
    /// Decompile only these architectures, comma-separated
    /// (x86_64,i386,x32,aarch64,arm,riscv64,s390x,ppc64le,loongarch64, or `native`). Default: those the program handles
    #[arg(long, value_delimiter = ',')]
    arch: Option<Vec<String>>,
    /// Write the policy to this file instead of standard output (`-`: standard output)
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub fn cmd_decompile(a: DecompileArgs) -> Res {
    use sysgate::analyze::decompile;
    let prog = read_bpf(&a.file)?;
    let opts = decompile::Options {
        arches: parse_arches(&ArchOpt { arch: a.arch })?,
        ..Default::default()
    };
    let header = vec![format!("decompiled from {} by sysgate decompile", a.file)];
    let (text, notes) = decompile::decompile_text(&prog, &opts, &header)
        .map_err(|e| err(format!("{}: {e}", a.file), 1))?;
    for n in &notes {
        eprintln!("sysgate: note: {n}");
    }
    match &a.output {
        Some(path) => {
            write_output(path, text.as_bytes())?;
            eprintln!("sysgate: wrote {}", output_name(path));
        }
        None => print!("{text}"),
    }
    Ok(())
}
