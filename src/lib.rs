//! sysgate: readable seccomp policies compiled to correct, fast, multi-architecture BPF.

pub mod arch;
pub mod bpf;
pub mod policy;
pub mod sandbox;
