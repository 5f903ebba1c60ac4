//! `explain`: what happens to one call, per architecture, and why.
//!
//! For a policy the answer comes from the resolved IR (which also knows the line that
//! decided) and is checked against the compiled filter run in the emulator: the two are
//! independent paths to the same answer, so a disagreement is reported, not hidden. For a
//! raw BPF program only the emulator can answer.

use crate::arch::Arch;
use crate::bpf::emulator::{self, SeccompData};
use crate::bpf::Insn;
use crate::ir::{self, Origin};
use crate::policy::ast::Action;
use serde::Serialize;

/// The answer for one architecture.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub arch: Arch,
    pub syscall: String,
    /// The number the filter sees (x32 numbers include bit 30).
    pub nr: u32,
    pub args: [u64; 6],
    pub action: Action,
    /// The statement that decided, for a policy.
    pub origin: Option<Origin>,
    /// What the compiled filter returned, when it was run.
    pub filter_action: Option<Action>,
    /// BPF instructions executed.
    pub executed: Option<usize>,
}

/// Why a call cannot be explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExplainError {
    /// The name is a syscall on none of the architectures asked about.
    UnknownSyscall { name: String, hint: Option<String> },
    /// The BPF program is not a valid seccomp filter.
    BadProgram(String),
}

impl std::fmt::Display for ExplainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExplainError::UnknownSyscall { name, hint } => {
                write!(
                    f,
                    "'{name}' is not a syscall on the architectures asked about"
                )?;
                if let Some(h) = hint {
                    write!(f, " ({h})")?;
                }
                Ok(())
            }
            ExplainError::BadProgram(m) => write!(f, "not a valid seccomp filter: {m}"),
        }
    }
}

impl std::error::Error for ExplainError {}

/// Resolves `syscall` (a name or a number) on `arch`.
pub fn syscall_number(arch: Arch, syscall: &str) -> Option<u32> {
    if let Some(n) = crate::policy::lexer::parse_int(syscall) {
        return u32::try_from(n).ok();
    }
    arch.syscall_nr(syscall)
}

fn unknown(name: &str) -> ExplainError {
    let names = crate::arch::all_syscall_names();
    let hint = if names.contains(&name) {
        Some(format!(
            "it exists on {}",
            Arch::ALL
                .iter()
                .filter(|a| a.syscall_nr(name).is_some())
                .map(|a| a.name())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        crate::policy::diag::did_you_mean(name, names).map(|s| format!("did you mean '{s}'?"))
    };
    ExplainError::UnknownSyscall {
        name: name.to_string(),
        hint,
    }
}

/// Explains `syscall(args)` under a resolved policy on each of `arches` where it exists,
/// running `program` (the policy compiled) alongside when given.
pub fn explain_policy(
    policy: &ir::Policy,
    program: Option<&[Insn]>,
    arches: &[Arch],
    syscall: &str,
    args: [u64; 6],
) -> Result<Vec<Explanation>, ExplainError> {
    explain(Some(policy), program, arches, syscall, args)
}

/// Explains `syscall(args)` under a raw BPF program on each of `arches`.
pub fn explain_bpf(
    program: &[Insn],
    arches: &[Arch],
    syscall: &str,
    args: [u64; 6],
) -> Result<Vec<Explanation>, ExplainError> {
    emulator::validate(program).map_err(|e| ExplainError::BadProgram(e.to_string()))?;
    explain(None, Some(program), arches, syscall, args)
}

/// The policy's answer when there is one, else the program's.
fn explain(
    policy: Option<&ir::Policy>,
    program: Option<&[Insn]>,
    arches: &[Arch],
    syscall: &str,
    args: [u64; 6],
) -> Result<Vec<Explanation>, ExplainError> {
    let mut out = Vec::new();
    for &arch in arches {
        let Some(nr) = syscall_number(arch, syscall) else {
            continue;
        };
        let run = program.map(|p| run(p, arch, nr, args)).transpose()?;
        let filter_action = run.as_ref().map(|r| Action::from_ret(r.ret));
        let ruling = policy.map(|p| p.decide(arch.audit_arch(), nr, &args));
        let Some(action) = ruling.map(|r| r.action).or(filter_action) else {
            continue;
        };
        out.push(Explanation {
            arch,
            syscall: arch
                .syscall_name(nr)
                .map_or_else(|| syscall.to_string(), str::to_string),
            nr,
            args,
            action,
            origin: ruling.map(|r| r.origin.clone()),
            filter_action,
            executed: run.map(|r| r.executed),
        });
    }
    if out.is_empty() {
        return Err(unknown(syscall));
    }
    Ok(out)
}

fn run(
    program: &[Insn],
    arch: Arch,
    nr: u32,
    args: [u64; 6],
) -> Result<emulator::Outcome, ExplainError> {
    let data = SeccompData {
        nr,
        arch: arch.audit_arch(),
        instruction_pointer: 0,
        args,
    };
    emulator::run(program, &data).map_err(|e| ExplainError::BadProgram(e.to_string()))
}
