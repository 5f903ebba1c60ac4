//! `sysgate record`.

use super::common::*;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use sysgate::policy::Policy;

#[derive(Args)]
pub struct RecordArgs {
    /// Write the policy to this file (atomically) instead of standard output (`-`: standard
    /// output)
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Also record the argument values policies usually constrain (socket domain and type,
    /// clone flags, ioctl request, prctl option, personality, mmap/mprotect prot) and write
    /// them as conditions
    #[arg(long)]
    args: bool,
    /// Also write a call-frequency profile for `--mix` to this file: a `NAME COUNT` line per
    /// syscall called on the native ABI, and `NAME argN=VALUE COUNT` lines for the values of
    /// the arguments whose checks are laid out for frequent values (futex op, mmap prot and
    /// flags, mprotect prot, fcntl cmd, ioctl request, madvise advice, socket domain and
    /// type, clone flags, prctl option; the 64 most frequent values of each). Counts this run only,
    /// also with --merge
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Unite with an earlier recording: the arch line, allow lines and counts of a policy
    /// `sysgate record` wrote (other rules are ignored with a warning)
    #[arg(long, value_name = "OLD.policy")]
    merge: Option<PathBuf>,
    /// The program and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

pub fn cmd_record(a: RecordArgs) -> Res {
    use sysgate::sandbox::record::{record, RecordOptions};
    use sysgate::sandbox::recording::Recording;
    let old = match &a.merge {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| err(format!("cannot read '{}': {e}", path.display()), 3))?;
            let (rec, warnings) = Recording::from_policy(&text);
            for w in warnings {
                eprintln!("sysgate: warning: {}: {w}", path.display());
            }
            Some(rec)
        }
    };
    if let (Some(o), Some(p)) = (&a.output, &a.profile) {
        if o == p {
            return Err(err(
                format!("-o and --profile name the same file '{}'", o.display()),
                2,
            ));
        }
    }
    let opts = RecordOptions {
        args: a.args,
        profile: a.profile.is_some(),
    };
    let (ended, mut rec) = record(&a.command, opts).map_err(|e| {
        let code = e.exit_code;
        err(e, code)
    })?;
    let (calls, names) = (rec.total(), rec.calls.len());
    let quote = |s: &str| {
        if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
    };
    let mut header = vec![format!(
        "recorded by: sysgate record{} -- {}",
        if a.args { " --args" } else { "" },
        a.command
            .iter()
            .map(|s| quote(s))
            .collect::<Vec<_>>()
            .join(" ")
    )];
    match ended {
        sysgate::sandbox::Ended::Exited(c) => {
            header.push(format!("the program exited with status {c}"))
        }
        sysgate::sandbox::Ended::Signaled(s) => {
            header.push(format!("the program was killed by signal {s}"))
        }
    }
    // The profile counts this run only (a merged policy carries no argument values).
    let profile = a.profile.as_ref().map(|_| {
        let argv: Vec<String> = std::env::args_os()
            .skip(1)
            .map(|s| s.to_string_lossy().into_owned())
            .collect();
        let mut h = vec![format!(
            "made by: sysgate {}",
            argv.iter().map(|s| quote(s)).collect::<Vec<_>>().join(" ")
        )];
        h.extend(header[1..].iter().cloned());
        rec.to_profile(&h)
    });
    if let (Some(old), Some(path)) = (&old, &a.merge) {
        rec.merge(old);
        header.push(format!("merged with {}", path.display()));
    }
    let text = rec.to_policy(&header);
    let name = a
        .output
        .as_ref()
        .map_or_else(|| "<recorded>".to_string(), |p| p.display().to_string());
    match Policy::parse(&name, &text).map(|p| p.compile()) {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            return Err(err(
                format!("the recorded policy does not compile: {e}"),
                125,
            ))
        }
        Err(e) => {
            return Err(err(
                format!("internal error: the recorded policy does not resolve:\n{e}"),
                125,
            ))
        }
    }
    let profile = a.profile.as_deref().zip(profile.as_deref());
    match &a.output {
        Some(path) => {
            let mut files = Vec::new();
            files.extend(profile.map(|(p, t)| (p, t.as_bytes())));
            files.push((path.as_path(), text.as_bytes()));
            write_outputs(&files)?;
            eprintln!(
                "sysgate: recorded {calls} calls of {names} syscalls ({}); wrote {}{}",
                arch_names(&rec.target_arches()),
                output_name(path),
                profile.map_or(String::new(), |(p, _)| format!(" and {}", output_name(p)))
            );
        }
        None => {
            if let Some((p, t)) = profile {
                write_output(p, t.as_bytes())?;
            }
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|e| err(format!("cannot write to standard output: {e}"), 3))?;
        }
    }
    match ended.code() {
        0 => Ok(()),
        c => Err(Fail(c.clamp(0, 255) as u8)),
    }
}
