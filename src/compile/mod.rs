//! From a resolved [`Policy`] to a seccomp BPF program.
//!
//! Three stages, each replaceable on its own: [`layout`] decides the shape (architecture
//! check, range search per architecture), [`args`] turns argument conditions into
//! comparisons on 32-bit words, both building a hash-consed graph ([`dag`]); [`emit`] lays
//! the graph out as instructions with `ja` trampolines for long jumps.
//!
//! ```
//! use sysgate::policy::Policy;
//! let p = Policy::parse("example", "default allow\ndeny unshare\narch x86_64\n").unwrap();
//! let prog = sysgate::compile::compile(&p.resolved, &Default::default()).unwrap();
//! assert!(prog.insns.len() < 20);
//! ```

pub mod args;
pub mod dag;
pub mod emit;
pub mod layout;

use crate::arch::Arch;
use crate::bpf::insn::BPF_MAXINSNS;
use crate::bpf::Insn;
use crate::ir::Policy;
use std::fmt;

pub use layout::Weights;

/// Compiler settings.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Expected call frequencies, to put hot syscalls on short paths.
    pub weights: Weights,
}

/// A compiled filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub insns: Vec<Insn>,
    /// The architectures it decides (all others get `badarch`).
    pub arches: Vec<Arch>,
}

/// Why a policy could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileError {
    /// The program exceeds the kernel's 4096-instruction limit.
    TooLong { insns: usize, arches: Vec<Arch> },
    /// The policy targets no architecture.
    NoArch,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::TooLong { insns, arches } => write!(
                f,
                "the filter needs {insns} instructions, more than the kernel's limit of {BPF_MAXINSNS} \
                 (architectures: {}); target fewer architectures with --arch, or merge rules \
                 that give the same action into fewer, wider ones",
                arches.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")
            ),
            CompileError::NoArch => write!(f, "the policy targets no architecture"),
        }
    }
}

impl std::error::Error for CompileError {}

/// Compiles `policy` to one filter covering all its architectures.
pub fn compile(policy: &Policy, opts: &Options) -> Result<Program, CompileError> {
    if policy.sections.is_empty() {
        return Err(CompileError::NoArch);
    }
    let mut dag = dag::Dag::default();
    let root = layout::filter(&mut dag, policy, &opts.weights);
    let insns = emit::emit(&dag, root);
    if insns.len() > BPF_MAXINSNS {
        return Err(CompileError::TooLong {
            insns: insns.len(),
            arches: policy.arches(),
        });
    }
    Ok(Program {
        insns,
        arches: policy.arches(),
    })
}
