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
    // In JSON mode a profile that cannot be used is reported in the JSON, like the
    // policy's own errors; otherwise on stderr, before anything else.
    let mut profile_error = None;
    let mut profile_warnings = Vec::new();
    let compiled = match policy {
        Some(p) => match a.mix.load(p) {
            Ok((opts, warnings)) => {
                if a.json {
                    profile_warnings = warnings;
                } else {
                    for w in &warnings {
                        eprintln!("sysgate: warning: {w}");
                    }
                }
                Some(p.compile_with(&opts))
            }
            Err(e) if a.json => {
                profile_error = Some(e);
                None
            }
            Err(e) => return Err(err(e.message, e.code)),
        },
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
            "ok": errors == 0
                && profile_error.is_none()
                && compile_error.is_none()
                && !(a.deny_warnings && warnings > 0),
            "errors": errors,
            "warnings": warnings,
            "diagnostics": diags,
            "arches": policy.map(|p| p.resolved.arches()),
            "instructions": size,
            "compile_error": compile_error,
            "profile_error": profile_error.as_ref().map(|e| &e.message),
            "profile_warnings": profile_warnings,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print_diags(&diags);
        if let Some(e) = &compile_error {
            eprintln!("sysgate: {}: {e}", a.policy);
        }
        match (policy, size) {
            (Some(p), Some(n)) if a.deny_warnings && warnings > 0 => eprintln!(
                "{}: not ok (--deny-warnings) — {} ({n} BPF instructions), {}, {}",
                a.policy,
                arch_names(&p.resolved.arches()),
                count(errors, "error"),
                count(warnings, "warning")
            ),
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
    if let Some(e) = profile_error {
        return Err(Fail(e.code));
    }
    if errors > 0 || compile_error.is_some() || (a.deny_warnings && warnings > 0) {
        return Err(Fail(1));
    }
    Ok(())
}
