//! `sysgate dump`.

use super::common::*;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct DumpArgs {
    /// Process id
    pid: i32,
    /// Output: policy (decompiled text), disasm, or raw (struct sock_filter bytes)
    #[arg(long, short = 'f', default_value = "policy", value_parser = ["policy", "disasm", "raw"])]
    format: String,
    /// Decompile only these architectures (policy format; default: those each filter
    /// handles), or the ones whose syscall names to show when a filter never loads
    /// `seccomp_data.arch` (disasm), comma-separated
    /// (x86_64,i386,x32,aarch64,arm,riscv64,s390x,ppc64le,loongarch64, or `native`)
    #[arg(long, value_delimiter = ',')]
    arch: Option<Vec<String>>,
    /// Write to this file (with several filters: OUT.0, OUT.1, …; 0 is the first installed;
    /// `-`: standard output)
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub fn cmd_dump(a: DumpArgs) -> Res {
    use sysgate::analyze::decompile;
    use sysgate::sandbox::dump;
    let arches = parse_arches(&ArchOpt { arch: a.arch })?;
    let filters = dump::read_filters(a.pid).map_err(|e| err(e, 1))?;
    let total = filters.len();
    // With -o, every file is written once all are made, together or not at all.
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for (i, prog) in filters.iter().enumerate() {
        let about = format!(
            "filter {i} of {total} of process {} ({} instructions; 0 is the first installed; \
             the kernel runs every filter and the most severe action wins)",
            a.pid,
            prog.len()
        );
        let data: Vec<u8> = match a.format.as_str() {
            "raw" => sysgate::bpf::to_bytes(prog),
            "disasm" => format!(
                "# {about}\n{}",
                sysgate::bpf::disasm::disassemble(prog, arches.as_deref())
            )
            .into_bytes(),
            _ => {
                let opts = decompile::Options {
                    arches: arches.clone(),
                    ..Default::default()
                };
                match decompile::decompile_text(prog, &opts, std::slice::from_ref(&about)) {
                    Ok((text, _)) => text.into_bytes(),
                    Err(e) => {
                        eprintln!(
                            "sysgate: filter {i}: cannot decompile ({e}); showing its disassembly"
                        );
                        format!(
                            "# {about}\n{}",
                            sysgate::bpf::disasm::disassemble(prog, arches.as_deref())
                        )
                        .into_bytes()
                    }
                }
            }
        };
        match a.output.as_deref().filter(|p| !is_stdout(p)) {
            Some(path) => {
                let path = if total == 1 {
                    path.to_path_buf()
                } else {
                    PathBuf::from(format!("{}.{i}", path.display()))
                };
                files.push((path, data));
            }
            None => {
                let mut out = std::io::stdout().lock();
                let sep = if i > 0 && a.format != "raw" { "\n" } else { "" };
                out.write_all(sep.as_bytes())
                    .and_then(|()| out.write_all(&data))
                    .map_err(|e| err(format!("cannot write standard output: {e}"), 3))?;
            }
        }
    }
    if !files.is_empty() {
        let refs: Vec<(&std::path::Path, &[u8])> = files
            .iter()
            .map(|(p, d)| (p.as_path(), d.as_slice()))
            .collect();
        write_outputs(&refs)?;
        for (path, _) in &files {
            eprintln!("sysgate: wrote {}", output_name(path));
        }
    }
    Ok(())
}
