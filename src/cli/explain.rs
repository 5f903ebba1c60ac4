//! `sysgate explain`.

use super::common::*;
use clap::Args;
use sysgate::analyze::explain::{self, Explanation};
use sysgate::arch::Arch;
use sysgate::policy::{self};

#[derive(Args)]
pub struct ExplainArgs {
    /// Policy file, built-in name, or a raw BPF file (`.bpf`, or any file that is not text)
    input: String,
    /// Syscall name (or number)
    syscall: String,
    /// Argument values: numbers in any base, or constant names (AF_INET, CLONE_NEWUSER|CLONE_NEWNS)
    args: Vec<String>,
    #[command(flatten)]
    arch: ArchOpt,
    #[command(flatten)]
    mix: MixOpt,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

/// Parses an argument value for `arch`: a number (also negative) or constants joined by `|`.
pub fn parse_arg(s: &str, arch: Arch) -> Result<u64, String> {
    let mut v = 0u64;
    const BAD: &str = "write decimal, 0x hex, 0o octal or 0b binary, up to 64 bits";
    for part in s.split('|').map(str::trim) {
        v |= if part.is_empty() {
            return Err(format!("empty value in '{s}'"));
        } else if part.starts_with(|c: char| c.is_ascii_digit()) {
            policy::lexer::parse_int(part).ok_or_else(|| format!("bad number '{part}' ({BAD})"))?
        } else if let Some(n) = part.strip_prefix('-') {
            policy::lexer::parse_int(n)
                .map(u64::wrapping_neg)
                .ok_or_else(|| format!("bad number '{part}' ({BAD})"))?
        } else if let Some(n) = policy::lexer::parse_int(part) {
            n
        } else {
            sysgate::arch::constant(arch, part)
                .ok_or_else(|| format!("unknown constant '{part}' on {arch}"))?
        };
    }
    Ok(v)
}

pub fn cmd_explain(a: ExplainArgs) -> Res {
    if a.args.len() > 6 {
        return Err(err("a syscall has at most 6 arguments", 2));
    }
    let arches_opt = parse_arches(&a.arch)?;
    let bpf = is_bpf_file(&a.input);
    let (policy, prog) = if bpf {
        if let Some(flag) = a.mix.given() {
            return Err(err(
                format!("{flag} goes with a policy; a raw BPF file is already laid out"),
                2,
            ));
        }
        (None, read_filter(&a.input)?)
    } else {
        let p = load(&a.input, arches_opt.clone(), false)?;
        let prog = a.mix.compile(&p, &a.input)?;
        (Some(p), prog.insns)
    };
    let arches = match (&policy, arches_opt) {
        (_, Some(v)) => v,
        (Some(p), None) => p.resolved.arches(),
        (None, None) => Arch::native(),
    };
    // Arguments can name constants, whose values may differ per architecture.
    let mut results: Vec<Explanation> = Vec::new();
    for &arch in &arches {
        let mut args = [0u64; 6];
        for (i, s) in a.args.iter().enumerate() {
            args[i] = parse_arg(s, arch).map_err(|m| err(format!("argument {i}: {m}"), 1))?;
        }
        let r = match &policy {
            Some(p) => explain::explain_policy(&p.resolved, Some(&prog), &[arch], &a.syscall, args),
            None => explain::explain_bpf(&prog, &[arch], &a.syscall, args),
        };
        match r {
            Ok(mut v) => results.append(&mut v),
            Err(explain::ExplainError::UnknownSyscall { .. }) => {}
            Err(e) => return Err(err(e, 1)),
        }
    }
    if results.is_empty() {
        let e = match &policy {
            Some(p) => explain::explain_policy(&p.resolved, None, &arches, &a.syscall, [0; 6]),
            None => explain::explain_bpf(&prog, &arches, &a.syscall, [0; 6]),
        };
        return Err(err(e.err().map_or_else(String::new, |e| e.to_string()), 1));
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&results).unwrap_or_default()
        );
    } else {
        for r in &results {
            let nr = if r.nr & sysgate::arch::X32_SYSCALL_BIT != 0 && r.arch == Arch::X32 {
                format!("{:#x}", r.nr)
            } else {
                r.nr.to_string()
            };
            print!(
                "{:<8} {}({}) #{nr}: {}",
                r.arch.name(),
                r.syscall,
                fmt_args(&a.args),
                r.action
            );
            if let Some(o) = &r.origin {
                print!("  — {o}");
            }
            println!();
            if let Some(f) = r.filter_action {
                if policy.is_some() && f != r.action {
                    eprintln!(
                        "sysgate: internal error: the compiled filter says {f} for this call; please report it"
                    );
                    return Err(Fail(1));
                }
            }
        }
    }
    Ok(())
}

pub fn fmt_args(args: &[String]) -> String {
    args.join(", ")
}
