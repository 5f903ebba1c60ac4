//! `sysgate compile`.

use super::common::*;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use sysgate::bpf::output::Format;

#[derive(Args)]
pub struct CompileArgs {
    /// Policy file or built-in name
    policy: String,
    #[command(flatten)]
    arch: ArchOpt,
    #[command(flatten)]
    mix: MixOpt,
    /// Output format: raw (struct sock_filter array), base64, c, rust, disasm.
    /// Default: raw with -o, disasm on a terminal, raw otherwise
    #[arg(long, short = 'f')]
    format: Option<Format>,
    /// Write to this file (written only when compilation succeeds; `-`: standard output)
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub fn cmd_compile(a: CompileArgs) -> Res {
    let arches = parse_arches(&a.arch)?;
    let p = load(&a.policy, arches, true)?;
    let prog = a.mix.compile(&p, &a.policy)?;
    let format = a
        .format
        .unwrap_or(if a.output.is_some() || !std::io::stdout().is_terminal() {
            Format::Raw
        } else {
            Format::Disasm
        });
    let bytes = sysgate::bpf::output::render(&prog.insns, format, Some(&prog.arches));
    match &a.output {
        Some(path) => {
            write_output(path, &bytes)?;
            eprintln!(
                "sysgate: wrote {} ({} instructions, {}, format {format})",
                output_name(path),
                prog.insns.len(),
                arch_names(&prog.arches)
            );
        }
        None => {
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| err(format!("cannot write to standard output: {e}"), 3))?;
        }
    }
    Ok(())
}
