//! Syscalls that some ABIs also reach through a multiplexer: `socketcall(2)` and `ipc(2)`.
//! STUB: to be filled in.

use super::Arch;

/// A multiplexing syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Multiplexer {
    Socketcall,
    Ipc,
}

impl Multiplexer {
    /// The multiplexer's own syscall name.
    pub const fn syscall_name(self) -> &'static str {
        match self {
            Multiplexer::Socketcall => "socketcall",
            Multiplexer::Ipc => "ipc",
        }
    }
    /// The bits of argument 0 that select the call (`ipc` keeps a version in the high 16).
    pub const fn call_mask(self) -> u32 {
        match self {
            Multiplexer::Socketcall => 0xffff_ffff,
            Multiplexer::Ipc => 0xffff,
        }
    }
}

/// One way a syscall is reached through a multiplexer: `via` with argument 0 == `call`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Multiplexed {
    pub via: Multiplexer,
    pub call: u32,
}

/// The multiplexer entries that also perform syscall `name` on `arch` (empty when `arch`
/// has no multiplexer for it).
pub fn multiplexed(arch: Arch, name: &str) -> Vec<Multiplexed> {
    let _ = (arch, name);
    Vec::new()
}
