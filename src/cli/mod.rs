//! The commands of the `sysgate` binary, one file each; `common` holds what they share.

pub mod check;
pub mod common;
pub mod compile;
pub mod decompile;
pub mod diff;
pub mod disasm;
pub mod dump;
pub mod explain;
pub mod export;
pub mod import;
pub mod record;
pub mod run;
pub mod syscalls;
