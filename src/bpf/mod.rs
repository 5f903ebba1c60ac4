//! Classic BPF as seccomp uses it: the instruction type, an emulator that runs a filter on a
//! `seccomp_data` exactly as the kernel would, and a disassembler.

pub mod disasm;
pub mod emulator;
pub mod insn;
pub mod output;

pub use insn::{from_bytes, to_bytes, DecodeError, Insn};

/// `SECCOMP_RET_*` action values and helpers.
pub mod ret {
    pub const KILL_PROCESS: u32 = 0x8000_0000;
    pub const KILL_THREAD: u32 = 0x0000_0000;
    pub const TRAP: u32 = 0x0003_0000;
    pub const ERRNO: u32 = 0x0005_0000;
    pub const USER_NOTIF: u32 = 0x7fc0_0000;
    pub const TRACE: u32 = 0x7ff0_0000;
    pub const LOG: u32 = 0x7ffc_0000;
    pub const ALLOW: u32 = 0x7fff_0000;
    /// Mask of the action part of a return value.
    pub const ACTION_FULL: u32 = 0xffff_0000;
    /// Mask of the data part (errno, trap or trace value).
    pub const DATA: u32 = 0x0000_ffff;
}
