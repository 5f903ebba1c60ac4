//! Installing a compiled filter into the calling thread with `seccomp(2)`.
//!
//! This is the only place in the library that talks to the kernel to install a filter, and
//! the only place with `unsafe` for it. Nothing here allocates, so [`set_no_new_privs`],
//! [`install_filter`] and [`apply`] may be called in a child between `fork` and `execve`
//! (they only issue `prctl` and `seccomp` system calls and build plain values).

use std::fmt;
use std::os::fd::{FromRawFd, OwnedFd};

use crate::bpf::insn::BPF_MAXINSNS;
use crate::bpf::Insn;

/// `SECCOMP_SET_MODE_FILTER`, the `seccomp(2)` operation that installs a BPF filter.
pub const SECCOMP_SET_MODE_FILTER: u32 = 1;
/// `SECCOMP_FILTER_FLAG_TSYNC`: install on every thread of the process.
pub const SECCOMP_FILTER_FLAG_TSYNC: u32 = 1 << 0;
/// `SECCOMP_FILTER_FLAG_LOG`: log every action except `ALLOW`.
pub const SECCOMP_FILTER_FLAG_LOG: u32 = 1 << 1;
/// `SECCOMP_FILTER_FLAG_SPEC_ALLOW`: do not force the Spectre store-bypass mitigation.
pub const SECCOMP_FILTER_FLAG_SPEC_ALLOW: u32 = 1 << 2;
/// `SECCOMP_FILTER_FLAG_NEW_LISTENER`: return a user-notification listener fd.
pub const SECCOMP_FILTER_FLAG_NEW_LISTENER: u32 = 1 << 3;
/// `SECCOMP_FILTER_FLAG_TSYNC_ESRCH`: report a TSYNC failure as `ESRCH` instead of a thread id
/// (required by the kernel when `TSYNC` and `NEW_LISTENER` are combined).
pub const SECCOMP_FILTER_FLAG_TSYNC_ESRCH: u32 = 1 << 4;

/// Flags passed to `seccomp(SECCOMP_SET_MODE_FILTER, flags, …)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilterFlags {
    /// `SECCOMP_FILTER_FLAG_SPEC_ALLOW`. On by default: without it kernels before 5.16 force a
    /// Spectre (SSBD) mitigation on every task that has a filter, which costs a lot.
    pub spec_allow: bool,
    /// `SECCOMP_FILTER_FLAG_LOG`: the kernel logs every non-`ALLOW` decision.
    pub log: bool,
    /// `SECCOMP_FILTER_FLAG_TSYNC`: install the filter on every thread of the process.
    pub tsync: bool,
    /// `SECCOMP_FILTER_FLAG_NEW_LISTENER`: get a listener fd for `SECCOMP_RET_USER_NOTIF`.
    pub new_listener: bool,
}

impl Default for FilterFlags {
    fn default() -> Self {
        FilterFlags {
            spec_allow: true,
            log: false,
            tsync: false,
            new_listener: false,
        }
    }
}

impl FilterFlags {
    /// The flag word for `seccomp(2)`.
    ///
    /// When both `tsync` and `new_listener` are set, `SECCOMP_FILTER_FLAG_TSYNC_ESRCH` is added:
    /// the kernel refuses the combination otherwise, because a TSYNC failure would be reported
    /// as a thread id in the same return value as the listener fd.
    pub fn bits(self) -> u32 {
        let mut b = 0;
        if self.tsync {
            b |= SECCOMP_FILTER_FLAG_TSYNC;
        }
        if self.log {
            b |= SECCOMP_FILTER_FLAG_LOG;
        }
        if self.spec_allow {
            b |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        }
        if self.new_listener {
            b |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        }
        if self.tsync && self.new_listener {
            b |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        }
        b
    }
}

/// Why a filter could not be installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyError {
    /// The program has no instruction.
    Empty,
    /// The program is longer than the kernel's limit of 4096 instructions.
    TooLong { len: usize },
    /// `prctl(PR_SET_NO_NEW_PRIVS)` failed with this errno.
    NoNewPrivs { errno: i32 },
    /// `seccomp(2)` failed with this errno; `flags` is the flag word that was passed.
    Kernel { errno: i32, flags: u32 },
    /// `TSYNC` was requested and this thread of the process could not be synchronised
    /// (it already runs a filter that is not an ancestor of ours).
    TsyncFailed { tid: i32 },
}

impl ApplyError {
    /// The errno behind the error, if it came from the kernel.
    pub fn raw_os_error(&self) -> Option<i32> {
        match *self {
            ApplyError::NoNewPrivs { errno } | ApplyError::Kernel { errno, .. } => Some(errno),
            ApplyError::TsyncFailed { .. } => Some(libc::ESRCH),
            ApplyError::Empty | ApplyError::TooLong { .. } => None,
        }
    }

    fn hint(errno: i32, flags: u32) -> &'static str {
        match errno {
            libc::EACCES => {
                "no_new_privs is not set and the caller lacks CAP_SYS_ADMIN; \
                 call set_no_new_privs() first (apply() does)"
            }
            libc::EINVAL => {
                if flags & SECCOMP_FILTER_FLAG_NEW_LISTENER != 0
                    && flags & SECCOMP_FILTER_FLAG_TSYNC != 0
                    && flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH == 0
                {
                    "the kernel rejected the program or a flag (TSYNC with NEW_LISTENER \
                     needs TSYNC_ESRCH, kernel >= 5.7)"
                } else {
                    "the kernel rejected the program or a flag: the BPF failed the kernel's \
                     checker (bad opcode, jump out of range, load outside seccomp_data, no \
                     final ret) or a flag is unknown to this kernel"
                }
            }
            libc::EFAULT => "the program's address is not readable (internal error)",
            libc::ENOMEM => {
                "out of memory, or the filters stacked on this task exceed the kernel's \
                 limit of 32768 instructions in total (each counts 4 extra)"
            }
            libc::EBUSY => {
                "a filter with a user-notification listener is already installed; only one \
                 listener is allowed per filter stack"
            }
            libc::ESRCH => "TSYNC failed: another thread runs an unrelated seccomp filter",
            libc::ENOSYS => "this kernel has no seccomp(2) (CONFIG_SECCOMP_FILTER unset)",
            libc::EOPNOTSUPP => "this kernel does not support a requested action or flag",
            _ => "unexpected error from seccomp(2)",
        }
    }
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ApplyError::Empty => write!(f, "cannot install an empty BPF program"),
            ApplyError::TooLong { len } => write!(
                f,
                "the BPF program has {len} instructions, more than the kernel's limit of \
                 {BPF_MAXINSNS}"
            ),
            ApplyError::NoNewPrivs { errno } => write!(
                f,
                "prctl(PR_SET_NO_NEW_PRIVS) failed: {}",
                std::io::Error::from_raw_os_error(errno)
            ),
            ApplyError::Kernel { errno, flags } => write!(
                f,
                "seccomp(SECCOMP_SET_MODE_FILTER, flags={flags:#x}) failed: {}: {}",
                std::io::Error::from_raw_os_error(errno),
                ApplyError::hint(errno, flags)
            ),
            ApplyError::TsyncFailed { tid } => write!(
                f,
                "seccomp TSYNC failed: thread {tid} runs a seccomp filter unrelated to ours"
            ),
        }
    }
}

impl std::error::Error for ApplyError {}

/// Sets `no_new_privs` on the calling thread (`prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)`), which
/// lets an unprivileged task install a filter and is inherited across `fork` and `execve`.
pub fn set_no_new_privs() -> std::io::Result<()> {
    // SAFETY: prctl(PR_SET_NO_NEW_PRIVS) takes integer arguments only and touches no memory
    // of ours; the variadic arguments are passed as c_ulong as the kernel expects.
    let r = unsafe {
        libc::prctl(
            libc::PR_SET_NO_NEW_PRIVS,
            1 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn seccomp_set_filter(prog: &[Insn], flags: u32) -> Result<libc::c_long, i32> {
    let fprog = libc::sock_fprog {
        len: prog.len() as libc::c_ushort,
        // The kernel only reads the array; the `*mut` is the C declaration's, not a write.
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: `Insn` is `#[repr(C)]` with the same fields, sizes and order as the kernel's
    // `struct sock_filter` (u16, u8, u8, u32), so `prog` is a valid `sock_filter` array of
    // `prog.len()` (<= 4096, checked by the caller) elements. `fprog` and `prog` outlive the
    // call, and the kernel copies the program before returning and does not keep the pointers.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_SET_MODE_FILTER as libc::c_ulong,
            flags as libc::c_ulong,
            &fprog as *const libc::sock_fprog,
        )
    };
    if r < 0 {
        Err(errno())
    } else {
        Ok(r)
    }
}

/// Installs `prog` as a seccomp filter on the calling thread (or on every thread with
/// `flags.tsync`) with `seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog)`.
///
/// The caller must already have `no_new_privs` set (see [`set_no_new_privs`]) or hold
/// `CAP_SYS_ADMIN`; [`apply`] does both steps.
///
/// Returns the user-notification listener fd when `flags.new_listener` is set, `None`
/// otherwise.
///
/// Kernels before 4.17 do not know `SECCOMP_FILTER_FLAG_SPEC_ALLOW` and refuse it with
/// `EINVAL`; in that case the call is retried once without it (such kernels do not apply the
/// forced mitigation the flag opts out of anyway). If the retry fails too, its error is the one
/// returned.
///
/// Allocates nothing: safe to call between `fork` and `execve`.
pub fn install_filter(prog: &[Insn], flags: FilterFlags) -> Result<Option<OwnedFd>, ApplyError> {
    if prog.is_empty() {
        return Err(ApplyError::Empty);
    }
    if prog.len() > BPF_MAXINSNS {
        return Err(ApplyError::TooLong { len: prog.len() });
    }
    let mut bits = flags.bits();
    let mut result = seccomp_set_filter(prog, bits);
    if result == Err(libc::EINVAL) && bits & SECCOMP_FILTER_FLAG_SPEC_ALLOW != 0 {
        bits &= !SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        result = seccomp_set_filter(prog, bits);
    }
    match result {
        Err(errno) => Err(ApplyError::Kernel { errno, flags: bits }),
        Ok(r) if flags.new_listener => {
            // SAFETY: with NEW_LISTENER a successful seccomp() returns a new file descriptor
            // that nothing else owns; we take sole ownership of it here.
            Ok(Some(unsafe { OwnedFd::from_raw_fd(r as libc::c_int) }))
        }
        // Without TSYNC_ESRCH, a TSYNC failure is reported as the id of the offending thread.
        Ok(r) if flags.tsync && r > 0 => Err(ApplyError::TsyncFailed { tid: r as i32 }),
        Ok(_) => Ok(None),
    }
}

/// Sets `no_new_privs`, then installs `prog` with [`install_filter`]. The listener fd, if
/// `flags.new_listener` asked for one, is closed; use [`install_filter`] to keep it.
///
/// Allocates nothing: safe to call between `fork` and `execve`.
pub fn apply(prog: &[Insn], flags: FilterFlags) -> Result<(), ApplyError> {
    set_no_new_privs().map_err(|e| ApplyError::NoNewPrivs {
        errno: e.raw_os_error().unwrap_or(0),
    })?;
    install_filter(prog, flags).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_bits() {
        assert_eq!(FilterFlags::default().bits(), 1 << 2);
        let all = FilterFlags {
            spec_allow: true,
            log: true,
            tsync: true,
            new_listener: true,
        };
        assert_eq!(all.bits(), 0b11111);
        let tsync = FilterFlags {
            spec_allow: false,
            tsync: true,
            ..FilterFlags::default()
        };
        assert_eq!(tsync.bits(), 1);
    }

    #[test]
    fn refuses_bad_lengths_without_syscall() {
        assert_eq!(
            install_filter(&[], FilterFlags::default()).unwrap_err(),
            ApplyError::Empty
        );
        let long = vec![Insn::ret(0x7fff_0000); BPF_MAXINSNS + 1];
        let e = install_filter(&long, FilterFlags::default()).unwrap_err();
        assert_eq!(e, ApplyError::TooLong { len: 4097 });
        assert!(e.to_string().contains("4097"));
    }

    #[test]
    fn messages_carry_hints() {
        let e = ApplyError::Kernel {
            errno: libc::EACCES,
            flags: 4,
        };
        assert!(e.to_string().contains("no_new_privs"), "{e}");
        let e = ApplyError::Kernel {
            errno: libc::EINVAL,
            flags: 4,
        };
        assert!(e.to_string().contains("rejected the program"), "{e}");
    }
}
