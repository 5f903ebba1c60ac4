//! Reading the seccomp filters of a running process (`sysgate dump PID`).
//!
//! The kernel hands out a process's classic-BPF filters through
//! `ptrace(PTRACE_SECCOMP_GET_FILTER, pid, index, buf)` (Linux 4.4+, `CONFIG_CHECKPOINT_RESTORE`).
//! The caller must be the process's tracer with the process stopped, and must have
//! `CAP_SYS_ADMIN` (and not be under seccomp itself). So [`read_filters`] attaches with
//! `PTRACE_SEIZE` (which does not stop or signal the process), stops it with
//! `PTRACE_INTERRUPT`, waits for the stop, reads filters 0, 1, … until `ENOENT`, and
//! detaches, which lets it run on (an interrupted `sleep` or `read` is restarted).
//!
//! Index 0 is the filter installed first, the last index the most recently installed one
//! (the kernel counts from the oldest end of the stack). The kernel runs every filter of the
//! stack on each syscall and takes the most severe of their actions.

use crate::bpf::{self, Insn};
use std::fmt;

const PTRACE_SEIZE: libc::c_uint = 0x4206;
const PTRACE_INTERRUPT: libc::c_uint = 0x4207;
const PTRACE_SECCOMP_GET_FILTER: libc::c_uint = 0x420c;

/// Why the filters could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DumpError {
    /// No process with that id.
    NoSuchProcess(i32),
    /// The process has no seccomp filter (`mode` is its `Seccomp:` line: 0 none, 1 strict).
    NoFilter { pid: i32, strict: bool },
    /// Not allowed: attaching (ptrace access) or reading filters (`CAP_SYS_ADMIN`).
    Permission { pid: i32, what: String },
    /// The kernel cannot hand out filters.
    Unsupported(String),
    /// Another failure of a system call.
    Os { what: String, err: String },
}

impl fmt::Display for DumpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DumpError::NoSuchProcess(pid) => write!(f, "no process with id {pid}"),
            DumpError::NoFilter { pid, strict: false } => {
                write!(
                    f,
                    "process {pid} has no seccomp filter (Seccomp: 0 in /proc/{pid}/status)"
                )
            }
            DumpError::NoFilter { pid, strict: true } => write!(
                f,
                "process {pid} has no seccomp filter: it is in seccomp strict mode (only read, \
                 write, _exit and sigreturn are allowed; there is no BPF program)"
            ),
            DumpError::Permission { pid, what } => write!(f, "process {pid}: {what}"),
            DumpError::Unsupported(m) => write!(f, "{m}"),
            DumpError::Os { what, err } => write!(f, "{what}: {err}"),
        }
    }
}

impl std::error::Error for DumpError {}

/// The `Seccomp:` field of `/proc/PID/status` (0 none, 1 strict, 2 filter), `None` when the
/// kernel does not show it; `Err` when there is no such process.
pub fn seccomp_mode(pid: i32) -> Result<Option<u32>, DumpError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|_| DumpError::NoSuchProcess(pid))?;
    Ok(status
        .lines()
        .find_map(|l| l.strip_prefix("Seccomp:"))
        .and_then(|v| v.trim().parse().ok()))
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn os(what: &str, e: i32) -> DumpError {
    DumpError::Os {
        what: what.to_string(),
        err: std::io::Error::from_raw_os_error(e).to_string(),
    }
}

/// Detaches on drop.
struct Attached(i32);

impl Drop for Attached {
    fn drop(&mut self) {
        // SAFETY: plain ptrace request on a tracee we attached to.
        unsafe {
            libc::ptrace(libc::PTRACE_DETACH, self.0, 0usize, 0usize);
        }
    }
}

/// Every seccomp filter of process `pid`, index 0 (the first installed) first.
pub fn read_filters(pid: i32) -> Result<Vec<Vec<Insn>>, DumpError> {
    if pid <= 0 {
        return Err(DumpError::NoSuchProcess(pid));
    }
    match seccomp_mode(pid)? {
        Some(0) => return Err(DumpError::NoFilter { pid, strict: false }),
        Some(1) => return Err(DumpError::NoFilter { pid, strict: true }),
        _ => {}
    }
    if pid == std::process::id() as i32 {
        return Err(DumpError::Unsupported(
            "a process cannot read its own filters (ptrace cannot attach to itself)".into(),
        ));
    }
    // SAFETY: ptrace with integer arguments.
    let r = unsafe { libc::ptrace(PTRACE_SEIZE, pid, 0usize, 0usize) };
    if r != 0 {
        return Err(match errno() {
            libc::ESRCH => DumpError::NoSuchProcess(pid),
            libc::EPERM | libc::EACCES => DumpError::Permission {
                pid,
                what: "cannot attach with ptrace (EPERM): run as root, or as its owner with \
                       CAP_SYS_PTRACE; /proc/sys/kernel/yama/ptrace_scope may forbid it; a \
                       process already traced (a debugger, strace) cannot be attached"
                    .into(),
            },
            e => os("ptrace(PTRACE_SEIZE)", e),
        });
    }
    let _guard = Attached(pid);
    // SAFETY: as above.
    if unsafe { libc::ptrace(PTRACE_INTERRUPT, pid, 0usize, 0usize) } != 0 {
        return Err(os("ptrace(PTRACE_INTERRUPT)", errno()));
    }
    let mut status = 0;
    loop {
        // SAFETY: waitpid on our tracee.
        let w = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
        if w == pid {
            break;
        }
        let e = errno();
        if e != libc::EINTR {
            return Err(os("waitpid", e));
        }
    }
    if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
        return Err(DumpError::NoSuchProcess(pid));
    }
    let mut out = Vec::new();
    for index in 0usize.. {
        // SAFETY: a null buffer asks only for the length.
        let n = unsafe {
            libc::ptrace(
                PTRACE_SECCOMP_GET_FILTER,
                pid,
                index,
                std::ptr::null_mut::<libc::c_void>(),
            )
        };
        if n < 0 {
            let e = errno();
            return match e {
                libc::ENOENT if index == 0 => Err(DumpError::NoFilter { pid, strict: false }),
                libc::ENOENT => Ok(out),
                libc::EACCES | libc::EPERM => Err(DumpError::Permission {
                    pid,
                    what: "reading seccomp filters needs CAP_SYS_ADMIN (run as root), and \
                           sysgate must not itself run under seccomp"
                        .into(),
                }),
                libc::EINVAL | libc::EIO => Err(DumpError::Unsupported(format!(
                    "this kernel cannot hand out seccomp filters \
                     (PTRACE_SECCOMP_GET_FILTER: {}; it needs Linux 4.4+ built with \
                     CONFIG_CHECKPOINT_RESTORE)",
                    std::io::Error::from_raw_os_error(e)
                ))),
                libc::EMEDIUMTYPE => Err(DumpError::Unsupported(format!(
                    "filter {index} of process {pid} is not a classic BPF program"
                ))),
                _ => Err(os("ptrace(PTRACE_SECCOMP_GET_FILTER)", e)),
            };
        }
        let len = n as usize;
        let mut buf = vec![0u8; len * 8];
        // SAFETY: `buf` holds `len` struct sock_filter (8 bytes each).
        let m = unsafe {
            libc::ptrace(
                PTRACE_SECCOMP_GET_FILTER,
                pid,
                index,
                buf.as_mut_ptr().cast::<libc::c_void>(),
            )
        };
        if m < 0 {
            return Err(os("ptrace(PTRACE_SECCOMP_GET_FILTER)", errno()));
        }
        buf.truncate(m as usize * 8);
        let prog = bpf::from_bytes(&buf).map_err(|e| DumpError::Os {
            what: format!("filter {index}"),
            err: e.to_string(),
        })?;
        out.push(prog);
    }
    Ok(out)
}
