//! sysgate: readable seccomp policies compiled to correct, fast, multi-architecture BPF.
//!
//! The pipeline, one module per stage:
//! [`policy`] (text → AST → resolved [`ir::Policy`]) → [`compile`] (IR → BPF) →
//! [`bpf`] (instructions, emulator, disassembler) and [`analyze`] (explain); [`sandbox`]
//! installs a filter.

pub mod analyze;
pub mod arch;
pub mod bpf;
pub mod compile;
pub mod formats;
pub mod ir;
pub mod policy;
pub mod sandbox;

/// The integration tests' deterministic generator, for the unit tests too (not all of it
/// is used here).
#[cfg(test)]
#[allow(dead_code)]
#[path = "../tests/common/rng.rs"]
pub(crate) mod test_rng;
