//! Putting a compiled filter into force.
//!
//! A seccomp filter cannot be removed or loosened once installed, and it constrains every
//! system call that follows, including those the launcher itself still needs (opening files,
//! setting up namespaces, dropping capabilities, closing descriptors). So the filter is the
//! last thing installed before `execve`: the launcher does all of its own setup first, then
//! sets `no_new_privs`, installs the filter, and calls `execve`, which the policy must allow.
//! Everything the new program does from its first instruction on is then checked.
//!
//! The functions here allocate nothing and only issue `prctl` and `seccomp`, so they are safe
//! to call in a child between `fork` and `execve`, even when the parent is multi-threaded.

pub mod apply;
pub mod decode;
pub mod dump;
pub mod exec;
pub mod landlock;
pub mod notify;
pub mod record;
pub mod recording;
pub mod run;
mod spawn;
pub mod supervise;

pub use apply::{apply, install_filter, set_no_new_privs, ApplyError, FilterFlags};
pub use exec::exec_under;
pub use run::{run, run_reported, Ended, RunError};
pub use supervise::{notify_variant, Reporter};
