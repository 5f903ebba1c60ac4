//! The parts of starting a program in a child that `run` and `record` share: the program's
//! path and arguments made ready for `execv` before forking (a child may only issue system
//! calls), close-on-exec pipes, the fork itself, and the child's report of why it could not
//! execute.
//!
//! The report is six bytes (`code`, [`Stage`], errno as little-endian `i32`) on a pipe that
//! a successful `execve` closes, so the parent reads either a reason or end-of-file
//! ([`read_report`](super::run::read_report)).

use super::exec::find_program;
use super::run::{errno, fail, RunError, Stage, EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND, EXIT_SYSGATE};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

/// A program found on `PATH`, with its arguments as C strings.
pub(super) struct Target {
    /// The command as the user wrote it, for messages.
    pub cmd: String,
    path: CString,
    /// Owns the strings `argv` points into.
    _args: Vec<CString>,
    /// Null-terminated.
    argv: Vec<*const libc::c_char>,
}

impl Target {
    /// Finds `command[0]` (exit status 127 when it is not there).
    pub fn new(command: &[String]) -> Result<Target, RunError> {
        let Some(cmd) = command.first() else {
            return Err(fail(EXIT_SYSGATE, "no program given"));
        };
        let path = find_program(cmd)
            .map_err(|e| fail(EXIT_NOT_FOUND, format!("cannot run '{cmd}': {e}")))?;
        let to_c = |s: &[u8]| {
            CString::new(s).map_err(|_| fail(EXIT_SYSGATE, "an argument contains a NUL byte"))
        };
        let path = to_c(path.as_os_str().as_bytes())?;
        let args = command
            .iter()
            .map(|a| to_c(a.as_bytes()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut argv: Vec<*const libc::c_char> = args.iter().map(|c| c.as_ptr()).collect();
        argv.push(std::ptr::null());
        Ok(Target {
            cmd: cmd.clone(),
            path,
            _args: args,
            argv,
        })
    }
}

/// A pipe, both ends close-on-exec: (read end, write end).
pub(super) fn pipe() -> Result<(OwnedFd, OwnedFd), RunError> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(fail(
            EXIT_SYSGATE,
            format!("pipe: {}", io::Error::last_os_error()),
        ));
    }
    // SAFETY: pipe2 succeeded: both descriptors are open and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Forks. The caller blocked the forwarded signals and passes the mask they replaced, which
/// is restored if there is no child. Returns 0 in the child, the child's pid in the parent.
pub(super) fn fork(old: &libc::sigset_t) -> Result<libc::pid_t, RunError> {
    // SAFETY: sysgate is single-threaded here; both callers' children only issue system
    // calls (and `run`'s pre_exec, documented to do the same) before execve or _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        let e = io::Error::last_os_error();
        // SAFETY: restoring the mask the caller saved.
        unsafe { libc::sigprocmask(libc::SIG_SETMASK, old, std::ptr::null_mut()) };
        return Err(fail(EXIT_SYSGATE, format!("fork: {e}")));
    }
    Ok(pid)
}

/// In the child: closes the parent's ends of the pipes, so that a read on the child's
/// own end sees end-of-file if the parent is gone. The `OwnedFd`s are never dropped in the
/// child, which leaves by `execve` or `_exit`, so nothing is closed twice.
pub(super) fn close_parent_ends(fds: &[&OwnedFd]) {
    for fd in fds {
        // SAFETY: closing a descriptor this process holds; `close` is async-signal-safe.
        unsafe { libc::close(fd.as_raw_fd()) };
    }
}

/// The child's end of the report pipe.
pub(super) struct Report<'a>(pub &'a OwnedFd);

impl Report<'_> {
    /// Writes a report (`code` 0: not a failure, see [`Stage::Listener`]).
    pub fn send(&self, code: u8, stage: Stage, value: i32) {
        let v = value.to_le_bytes();
        let buf = [code, stage as u8, v[0], v[1], v[2], v[3]];
        // SAFETY: writing a small buffer to our pipe.
        unsafe { libc::write(self.0.as_raw_fd(), buf.as_ptr().cast(), buf.len()) };
    }

    /// Reports the failure of `stage` and leaves.
    pub fn fail(&self, code: u8, stage: Stage, errno: i32) -> ! {
        self.send(code, stage, errno);
        // SAFETY: leaving without running destructors or atexit handlers of the parent's copy.
        unsafe { libc::_exit(code as libc::c_int) }
    }

    /// Executes `t`; if that fails, reports why (126, or 127 when it is gone) and leaves.
    pub fn exec(&self, t: &Target) -> ! {
        // SAFETY: `path` and every element of `argv` are valid NUL-terminated strings that
        // live until the call, and `argv` ends with a null pointer. execv only returns on
        // failure.
        unsafe { libc::execv(t.path.as_ptr(), t.argv.as_ptr()) };
        let e = errno();
        let code = if e == libc::ENOENT {
            EXIT_NOT_FOUND
        } else {
            EXIT_CANNOT_EXECUTE
        };
        self.fail(code, Stage::Exec, e)
    }
}
