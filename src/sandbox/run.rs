//! Running a program in a sandboxed child and waiting for it.
//!
//! [`run`] forks. The child restricts itself (Landlock first, then `no_new_privs`, then the
//! seccomp filter as the very last step) and executes the program. The parent forwards the
//! usual termination signals to the child, waits, and reports how the child ended.
//!
//! A failure in the child before the program starts is sent to the parent over a pipe that
//! is closed on a successful `execve` (`O_CLOEXEC`), so the parent can print the reason and
//! the child never writes to the program's stderr.

use super::apply::{apply, install_filter, set_no_new_privs, FilterFlags};
use super::exec::execve_action;
use super::spawn::{self, Report, Target};
use super::supervise::{self, Reporter};
use crate::compile::Program;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

/// Exit status when sysgate itself failed.
pub const EXIT_SYSGATE: u8 = 125;
/// Exit status when the program exists but cannot be executed.
pub const EXIT_CANNOT_EXECUTE: u8 = 126;
/// Exit status when the program is not found.
pub const EXIT_NOT_FOUND: u8 = 127;

/// A restriction the child applies to itself before the seccomp filter (e.g. Landlock).
/// It runs in the forked child, so it should only issue system calls.
pub type PreExec<'a> = &'a mut dyn FnMut() -> io::Result<()>;

/// How the program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this status.
    Exited(i32),
    /// It was killed by this signal.
    Signaled(i32),
}

impl Ended {
    /// The shell convention: the exit status, or 128 + the signal number.
    pub fn code(self) -> i32 {
        match self {
            Ended::Exited(c) => c,
            Ended::Signaled(s) => 128 + s,
        }
    }
}

/// Why the program could not be started.
#[derive(Debug)]
pub struct RunError {
    /// The status to exit with: [`EXIT_SYSGATE`], [`EXIT_CANNOT_EXECUTE`] or [`EXIT_NOT_FOUND`].
    pub exit_code: u8,
    pub message: String,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RunError {}

pub(super) fn fail(exit_code: u8, message: impl Into<String>) -> RunError {
    RunError {
        exit_code,
        message: message.into(),
    }
}

/// The step of the child's setup that failed, as sent over the pipe.
#[derive(Clone, Copy)]
#[repr(u8)]
pub(super) enum Stage {
    Signals = 1,
    PreExec = 2,
    Seccomp = 3,
    Exec = 4,
    /// Not a failure: the number the seccomp listener will get (`run --report`).
    Listener = 5,
}

/// The child's process id, for the signal handler (0 when there is no child).
static CHILD: AtomicI32 = AtomicI32::new(0);

/// The signals the parent forwards to the child.
pub const FORWARDED: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

extern "C" fn forward(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // A signal the terminal sent to the whole foreground process group (si_code > 0, e.g.
    // SI_KERNEL for ^C) already reached the child; only forward signals sent to us alone.
    // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler.
    let code = if info.is_null() {
        0
    } else {
        unsafe { (*info).si_code }
    };
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 && code <= 0 {
        // SAFETY: kill is async-signal-safe; pid is our own child.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

fn sigset(sigs: &[libc::c_int]) -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set; sigaddset only writes into it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &s in sigs {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

/// Blocks the forwarded signals (so none is lost or handled before the parent knows the
/// child's pid) and returns the mask to restore; call it just before `fork`.
pub(super) fn block_forwarded() -> libc::sigset_t {
    let blocked = sigset(&FORWARDED);
    let mut old = sigset(&[]);
    // SAFETY: both sets are valid sigset_t values.
    unsafe { libc::sigprocmask(libc::SIG_BLOCK, &blocked, &mut old) };
    old
}

/// In the parent after `fork`: forwards the signals to `pid` from now on and restores the
/// mask [`block_forwarded`] saved.
pub(super) fn forward_to(pid: libc::pid_t, old: &libc::sigset_t) {
    CHILD.store(pid, Ordering::SeqCst);
    for &s in &FORWARDED {
        // SAFETY: a zeroed sigaction with a valid SA_SIGINFO handler and an empty mask.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = forward as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(s, &sa, std::ptr::null_mut());
        }
    }
    // SAFETY: restoring the mask saved by block_forwarded.
    unsafe { libc::sigprocmask(libc::SIG_SETMASK, old, std::ptr::null_mut()) };
}

/// Stops forwarding: the child is gone.
pub(super) fn stop_forwarding() {
    CHILD.store(0, Ordering::SeqCst);
}

/// Runs `command` in a child restricted by `pre_exec` (if any) and then by `prog`, and waits
/// for it. Returns how the program ended, or why it could not be started.
///
/// `prog` must allow `execve`; this is checked before anything is started.
pub fn run(
    prog: &Program,
    flags: FilterFlags,
    command: &[String],
    pre_exec: Option<PreExec<'_>>,
) -> Result<Ended, RunError> {
    run_inner(prog, prog, flags, command, pre_exec, None)
}

/// Like [`run`], and reports every refused system call to `reporter` (see
/// [`supervise`]): the program runs under `notify_prog`, the compiled
/// [`notify_variant`](super::supervise::notify_variant) of the policy `prog` was compiled
/// from, and sysgate answers each refused call as `prog` would have.
pub fn run_reported(
    prog: &Program,
    notify_prog: &Program,
    flags: FilterFlags,
    command: &[String],
    pre_exec: Option<PreExec<'_>>,
    reporter: &mut Reporter<'_>,
) -> Result<Ended, RunError> {
    run_inner(prog, notify_prog, flags, command, pre_exec, Some(reporter))
}

fn run_inner(
    prog: &Program,
    install: &Program,
    flags: FilterFlags,
    command: &[String],
    pre_exec: Option<PreExec<'_>>,
    reporter: Option<&mut Reporter<'_>>,
) -> Result<Ended, RunError> {
    let target = Target::new(command)?;
    let action = execve_action(prog);
    if !action.permits() {
        return Err(fail(
            EXIT_SYSGATE,
            format!(
                "the policy does not allow execve ({action}), so no program can start under \
                 it; add 'allow execve' before the rule that refuses it"
            ),
        ));
    }
    // Only a restriction before exec (Landlock's) can be why the program was not executable.
    let restricted = pre_exec.is_some();
    let (rd, wr) = spawn::pipe()?;
    // With a reporter: the pipe on which the child waits until the parent holds the listener.
    let sync = match reporter {
        Some(_) => Some(spawn::pipe()?),
        None => None,
    };

    // Block the forwarded signals across fork so none is lost or handled before the
    // parent knows the child's pid; the child unblocks them before executing.
    let old = block_forwarded();
    let pid = spawn::fork(&old)?;
    if pid == 0 {
        spawn::close_parent_ends(&[&rd]);
        if let Some((_, sync_wr)) = &sync {
            spawn::close_parent_ends(&[sync_wr]);
        }
        let sync_rd = sync.as_ref().map(|s| &s.0);
        child(
            &Report(&wr),
            &old,
            pre_exec,
            install,
            flags,
            &target,
            sync_rd,
        );
    }
    // Parent: the child's ends are closed here (the parent does not use them).
    drop(wr);
    let sync_wr = sync.map(|(_, w)| w);
    forward_to(pid, &old);

    let (report, ended) = match (reporter, sync_wr) {
        (Some(r), Some(sync_wr)) => {
            let s = supervise::supervise(
                pid,
                rd.as_raw_fd(),
                sync_wr.as_raw_fd(),
                Stage::Listener as u8,
                r,
            );
            drop(sync_wr);
            match s {
                Ok(s) => (s.status, s.ended),
                Err(msg) => {
                    stop_forwarding();
                    return Err(fail(EXIT_SYSGATE, format!("--report: {msg}")));
                }
            }
        }
        _ => {
            let report = read_report(rd.as_raw_fd());
            (report, wait_child(pid))
        }
    };
    drop(rd);
    stop_forwarding();
    if let Some((code, stage, errno)) = report {
        return Err(describe(
            code,
            stage,
            errno,
            &target.cmd,
            pre_exec_hint(stage, errno, restricted),
        ));
    }
    ended.map_err(|e| fail(EXIT_SYSGATE, format!("waitpid: {e}")))
}

fn pre_exec_hint(stage: u8, errno: i32, restricted: bool) -> &'static str {
    if restricted && stage == Stage::Exec as u8 && errno == libc::EACCES {
        " (with filesystem rules, allow the program, its interpreter and libraries with \
         --fs-exec, e.g. --fs-exec /usr)"
    } else {
        ""
    }
}

pub(super) fn describe(code: u8, stage: u8, errno: i32, cmd: &str, hint: &str) -> RunError {
    let e = io::Error::from_raw_os_error(errno);
    let what = match stage {
        s if s == Stage::Signals as u8 => "cannot reset the signal mask for",
        s if s == Stage::PreExec as u8 => "cannot apply Landlock for",
        s if s == Stage::Seccomp as u8 => "cannot install the seccomp filter for",
        s if s == Stage::Listener as u8 => "cannot hand the seccomp listener over for",
        _ => "cannot run",
    };
    let e = if errno == 0 {
        "unknown error".to_string()
    } else {
        e.to_string()
    };
    fail(code, format!("{what} '{cmd}': {e}{hint}"))
}

/// Reads the child's failure report: empty when the program was executed.
pub(super) fn read_report(rd: libc::c_int) -> Option<(u8, u8, i32)> {
    let mut buf = [0u8; 6];
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: reading into the unfilled tail of `buf`.
        let n = unsafe { libc::read(rd, buf[got..].as_mut_ptr().cast(), buf.len() - got) };
        if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        if n <= 0 {
            break;
        }
        got += n as usize;
    }
    (got == buf.len()).then(|| {
        (
            buf[0],
            buf[1],
            i32::from_le_bytes([buf[2], buf[3], buf[4], buf[5]]),
        )
    })
}

pub(super) fn wait_child(pid: libc::pid_t) -> io::Result<Ended> {
    loop {
        let mut status = 0;
        // SAFETY: `status` is a valid out-pointer; pid is our child.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if libc::WIFEXITED(status) {
            return Ok(Ended::Exited(libc::WEXITSTATUS(status)));
        }
        if libc::WIFSIGNALED(status) {
            return Ok(Ended::Signaled(libc::WTERMSIG(status)));
        }
    }
}

/// The child: restrict, then execute. Never returns.
///
/// With `sync_rd` (`run --report`), the filter is installed with a listener: the child first
/// sends the listener's fd number (the lowest free one, which `seccomp()` will return), then
/// installs, then waits for a byte on `sync_rd` while the parent takes the listener.
fn child(
    report: &Report<'_>,
    mask: &libc::sigset_t,
    pre_exec: Option<PreExec<'_>>,
    prog: &Program,
    flags: FilterFlags,
    target: &Target,
    sync_rd: Option<&OwnedFd>,
) -> ! {
    if restore_signals(mask).is_err() {
        report.fail(EXIT_SYSGATE, Stage::Signals, errno());
    }
    if let Some(f) = pre_exec {
        if let Err(e) = f() {
            report.fail(EXIT_SYSGATE, Stage::PreExec, e.raw_os_error().unwrap_or(0));
        }
    }
    if let Some(sync_rd) = sync_rd {
        // SAFETY: F_DUPFD returns the lowest free descriptor (a copy of the report pipe),
        // closed at once: the child is single-threaded, so seccomp() will return that number.
        let number = unsafe { libc::fcntl(report.0.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
        if number < 0 {
            report.fail(EXIT_SYSGATE, Stage::Listener, errno());
        }
        // SAFETY: closing the descriptor just made.
        unsafe { libc::close(number) };
        report.send(0, Stage::Listener, number);
        if let Err(e) = set_no_new_privs() {
            report.fail(EXIT_SYSGATE, Stage::Seccomp, e.raw_os_error().unwrap_or(0));
        }
        let flags = FilterFlags {
            new_listener: true,
            ..flags
        };
        match install_filter(&prog.insns, flags) {
            Err(e) => report.fail(EXIT_SYSGATE, Stage::Seccomp, e.raw_os_error().unwrap_or(0)),
            Ok(fd) => {
                // Keep the listener open until execve closes it (it is close-on-exec).
                let got = fd.map(std::os::fd::IntoRawFd::into_raw_fd);
                if got != Some(number) {
                    // The parent waits for `number`: stop rather than leave it waiting.
                    // SAFETY: leaving at once, as `Report::fail` does.
                    unsafe { libc::_exit(EXIT_SYSGATE as libc::c_int) };
                }
            }
        }
        let mut byte = 0u8;
        // SAFETY: reading one byte into a local; the result does not matter (the parent
        // holds the listener once the byte arrives or the call was let through).
        unsafe { libc::read(sync_rd.as_raw_fd(), (&mut byte as *mut u8).cast(), 1) };
    } else if let Err(e) = apply(&prog.insns, flags) {
        report.fail(EXIT_SYSGATE, Stage::Seccomp, e.raw_os_error().unwrap_or(0));
    }
    report.exec(target)
}

/// Undoes, in a child about to execute a program, what sysgate changed in its own signal
/// state: the mask it was started with, and SIGPIPE's default action. Rust starts programs
/// with SIGPIPE ignored, and an ignored signal stays ignored across `execve`, so without this
/// `yes | head -1` under `sysgate run` would end with "Broken pipe" errors instead of quietly
/// (the standard library's `Command` resets it the same way). Fails with the errno.
pub(super) fn restore_signals(mask: &libc::sigset_t) -> Result<(), i32> {
    // SAFETY: plain signal-state calls with valid arguments, in a single-threaded child.
    unsafe {
        if libc::signal(libc::SIGPIPE, libc::SIG_DFL) == libc::SIG_ERR
            || libc::sigprocmask(libc::SIG_SETMASK, mask, std::ptr::null_mut()) != 0
        {
            return Err(errno());
        }
    }
    Ok(())
}

pub(super) fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}
