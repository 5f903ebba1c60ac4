//! `sysgate check`.

use super::common::*;
use clap::Args;
use sysgate::policy::{self, Policy};

#[derive(Args)]
pub struct CheckArgs {
    /// Policy file or built-in name
    policy: String,
    #[command(flatten)]
    arch: ArchOpt,
    #[command(flatten)]
    mix: MixOpt,
    /// Treat warnings as errors (exit status 1)
    #[arg(long)]
    deny_warnings: bool,
    /// Print diagnostics and the summary as JSON
    #[arg(long)]
    json: bool,
}

pub fn cmd_check(a: CheckArgs) -> Res {
    let arches = parse_arches(&a.arch)?;
    let opts = policy::Options { arches };
    let result = Policy::load(&a.policy, &opts);
    let (diags, policy) = match &result {
        Ok(p) => (p.warnings.clone(), Some(p)),
        Err(e) => (e.diagnostics.clone(), None),
    };
    let compiled = match policy {
        Some(p) => Some(p.compile_with(&a.mix.options(&p.resolved.arches())?)),
        None => None,
    };
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let size = match &compiled {
        Some(Ok(prog)) => Some(prog.insns.len()),
        _ => None,
    };
    let compile_error = match &compiled {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    if a.json {
        let v = serde_json::json!({
            "policy": a.policy,
            "ok": errors == 0 && compile_error.is_none() && !(a.deny_warnings && warnings > 0),
            "errors": errors,
            "warnings": warnings,
            "diagnostics": diags,
            "arches": policy.map(|p| p.resolved.arches()),
            "instructions": size,
            "compile_error": compile_error,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print_diags(&diags);
        if let Some(e) = &compile_error {
            eprintln!("sysgate: {}: {e}", a.policy);
        }
        match (policy, size) {
            (Some(p), Some(n)) => println!(
                "{}: ok — {} ({n} BPF instructions), {}, {}",
                a.policy,
                arch_names(&p.resolved.arches()),
                count(errors, "error"),
                count(warnings, "warning")
            ),
            _ => eprintln!(
                "{}: {}, {}",
                a.policy,
                count(errors, "error"),
                count(warnings, "warning")
            ),
        }
    }
    let unreadable = diags.iter().any(|d| d.line == 0 && d.is_error());
    if unreadable {
        return Err(Fail(3));
    }
    if errors > 0 || compile_error.is_some() || (a.deny_warnings && warnings > 0) {
        return Err(Fail(1));
    }
    Ok(())
}
