//! `sysgate record`: runs a program and records every system call it makes, with the
//! architecture the kernel saw it on, so that [`recording`](super::recording) can write the
//! smallest allow-list that lets the program run.
//!
//! # Method: a tracing seccomp filter and ptrace
//!
//! The child installs a one-instruction filter, `ret TRACE`, right before `execve`, and the
//! parent is its ptrace tracer (`PTRACE_SEIZE` with `PTRACE_O_TRACESECCOMP`, `TRACEFORK`,
//! `TRACEVFORK`, `TRACECLONE`, `TRACEEXEC` and `EXITKILL`). Every system call of the program,
//! of all its threads and of all its descendants (they inherit both the filter and the
//! tracer) then stops once, at its entry, in a `PTRACE_EVENT_SECCOMP` stop, where
//! `PTRACE_GET_SYSCALL_INFO` returns exactly what a seccomp filter is given: the
//! `AUDIT_ARCH` value, the number (x32 calls keep bit 30) and the six arguments.
//!
//! Compared with syscall-stops (`PTRACE_SYSCALL`), this stops half as often (no exit stops)
//! and needs no per-thread bookkeeping of entry and exit; and since the filter is the last
//! thing installed before `execve`, nothing sysgate's child does before is recorded, while
//! the `execve` itself (which a policy must allow for `sysgate run` to start the program) is.
//! An `int 0x80` call from a 64-bit program is reported as i386, as seccomp sees it.
//!
//! Consequences, the same as under `sysgate run`: the program runs with `no_new_privs`
//! (set-user-ID programs do not gain privileges), and it cannot itself be traced by another
//! debugger. Recording waits until the program *and every descendant* have ended.

use super::apply::{install_filter, set_no_new_privs, FilterFlags};
use super::recording::Recording;
use super::run::{
    block_forwarded, describe, errno, fail, forward_to, read_report, restore_signals,
    stop_forwarding, Ended, RunError, Stage, EXIT_SYSGATE,
};
use super::spawn::{self, Report, Target};
use crate::arch::{Arch, X32_SYSCALL_BIT};
use crate::bpf::{ret, Insn};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

/// What to record besides the syscall names.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordOptions {
    /// Record the argument values policies usually constrain (see
    /// [`recording::TRACKED`](super::recording::TRACKED)).
    pub args: bool,
    /// Count the values of the arguments whose checks a `--mix` profile lays out (see
    /// [`recording::PROFILED`](super::recording::PROFILED)), for
    /// [`Recording::to_profile`].
    pub profile: bool,
}

const PTRACE_SEIZE: libc::c_uint = 0x4206;
const PTRACE_LISTEN: libc::c_uint = 0x4208;
const PTRACE_GET_SYSCALL_INFO: libc::c_uint = 0x420e;
const PTRACE_SYSCALL_INFO_SECCOMP: u8 = 3;
const PTRACE_EVENT_STOP: i32 = 128;

/// `struct ptrace_syscall_info` with the `seccomp` member of its union (the largest).
#[repr(C)]
#[derive(Default)]
struct SyscallInfo {
    op: u8,
    pad: [u8; 3],
    arch: u32,
    instruction_pointer: u64,
    stack_pointer: u64,
    nr: u64,
    args: [u64; 6],
    ret_data: u32,
    pad2: u32,
}

/// The architecture a seccomp stop reports: `AUDIT_ARCH` plus bit 30 for x32.
pub fn arch_of(audit_arch: u32, nr: u32) -> Option<Arch> {
    let arches = Arch::from_audit_arch(audit_arch);
    if arches.contains(&Arch::X32) && nr & X32_SYSCALL_BIT != 0 && nr != u32::MAX {
        return Some(Arch::X32);
    }
    arches.into_iter().find(|a| *a != Arch::X32)
}

/// Runs `command`, recording every system call of it and of its threads and descendants
/// from its `execve` on, until all of them have ended. Returns how the program ended and
/// what it did, or why it could not be started (exit codes as in [`run`](super::run())).
pub fn record(command: &[String], opts: RecordOptions) -> Result<(Ended, Recording), RunError> {
    let target = Target::new(command)?;
    let cmd = &target.cmd;
    let filter = [Insn::ret(ret::TRACE)];

    // `report`: the child's failure before the program starts (closed by a successful
    // execve). `sync`: the child waits on it until the parent is its tracer.
    let (report_rd, report_wr) = spawn::pipe()?;
    let (sync_rd, sync_wr) = spawn::pipe()?;
    let old = block_forwarded();
    let pid = spawn::fork(&old)?;
    if pid == 0 {
        spawn::close_parent_ends(&[&report_rd, &sync_wr]);
        child(&Report(&report_wr), &sync_rd, &old, &filter, &target);
    }
    drop((report_wr, sync_rd));
    forward_to(pid, &old);

    let options = libc::PTRACE_O_TRACESYSGOOD
        | libc::PTRACE_O_TRACESECCOMP
        | libc::PTRACE_O_TRACEFORK
        | libc::PTRACE_O_TRACEVFORK
        | libc::PTRACE_O_TRACECLONE
        | libc::PTRACE_O_TRACEEXEC
        | libc::PTRACE_O_EXITKILL;
    // SAFETY: attaching to our own child, which is blocked reading `sync`.
    let seized = unsafe { libc::ptrace(PTRACE_SEIZE, pid, 0usize, options as usize) };
    let seize_error = (seized != 0).then(io::Error::last_os_error);
    // The byte releases the child; without a tracer it must not run the program (a traced
    // call without a tracer fails with ENOSYS), so it is told to stop instead.
    let byte: u8 = if seize_error.is_none() { 1 } else { 0 };
    // SAFETY: writing one byte to our pipe.
    unsafe { libc::write(sync_wr.as_raw_fd(), (&byte as *const u8).cast(), 1) };
    drop(sync_wr);
    let mut rec = Recording::default();
    let ended = trace_loop(pid, opts, &mut rec);
    stop_forwarding();
    let child_report = read_report(report_rd.as_raw_fd());
    drop(report_rd);
    if let Some(e) = seize_error {
        return Err(fail(
            EXIT_SYSGATE,
            format!("cannot trace '{cmd}' (ptrace): {e}"),
        ));
    }
    if let Some((code, stage, errno)) = child_report {
        let hint = if stage == Stage::Seccomp as u8 {
            " (the filter that stops each call for the tracer)"
        } else {
            ""
        };
        return Err(describe(code, stage, errno, cmd, hint));
    }
    let ended = ended.map_err(|e| fail(EXIT_SYSGATE, format!("waitpid: {e}")))?;
    Ok((ended, rec))
}

/// Resumes tracee `pid` from a stop, delivering `sig` (0 for none).
fn resume(pid: libc::pid_t, sig: i32) {
    // SAFETY: PTRACE_CONT on a stopped tracee; an error (it vanished) is harmless.
    unsafe {
        libc::ptrace(libc::PTRACE_CONT, pid, 0usize, sig as usize);
    }
}

/// Serves every stop of every tracee until none is left; returns how `first` ended.
fn trace_loop(first: libc::pid_t, opts: RecordOptions, rec: &mut Recording) -> io::Result<Ended> {
    let mut ended = None;
    loop {
        let mut status = 0;
        // SAFETY: `status` is a valid out-pointer.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::__WALL) };
        if pid < 0 {
            let e = io::Error::last_os_error();
            match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::ECHILD) => break,
                _ => return Err(e),
            }
        }
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            if pid == first {
                ended = Some(if libc::WIFEXITED(status) {
                    Ended::Exited(libc::WEXITSTATUS(status))
                } else {
                    Ended::Signaled(libc::WTERMSIG(status))
                });
            }
            continue;
        }
        if !libc::WIFSTOPPED(status) {
            continue;
        }
        let sig = libc::WSTOPSIG(status);
        let event = status >> 16;
        match event {
            0 => {
                // A signal-delivery stop: deliver the signal.
                resume(pid, sig);
            }
            e if e == libc::PTRACE_EVENT_SECCOMP => {
                let mut info = SyscallInfo::default();
                // SAFETY: the kernel writes at most `size_of::<SyscallInfo>()` bytes into it.
                let n = unsafe {
                    libc::ptrace(
                        PTRACE_GET_SYSCALL_INFO,
                        pid,
                        std::mem::size_of::<SyscallInfo>(),
                        &mut info as *mut SyscallInfo,
                    )
                };
                if n > 0 && info.op == PTRACE_SYSCALL_INFO_SECCOMP {
                    let nr = info.nr as u32;
                    match arch_of(info.arch, nr) {
                        Some(arch) => rec.add_call(arch, nr, &info.args, opts.args, opts.profile),
                        None => rec.add_foreign(info.arch, nr),
                    }
                }
                resume(pid, 0);
            }
            PTRACE_EVENT_STOP => {
                if matches!(
                    sig,
                    libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU
                ) {
                    // A group-stop: stay stopped (job control) until SIGCONT.
                    // SAFETY: PTRACE_LISTEN on a tracee in a group-stop.
                    unsafe {
                        libc::ptrace(PTRACE_LISTEN, pid, 0usize, 0usize);
                    }
                } else {
                    // The first stop of a new tracee.
                    resume(pid, 0);
                }
            }
            // fork, vfork, clone, exec, vfork-done.
            _ => resume(pid, 0),
        }
    }
    Ok(ended.unwrap_or(Ended::Exited(EXIT_SYSGATE as i32)))
}

/// The child: wait until traced, install the tracing filter, execute. Never returns.
fn child(
    report: &Report<'_>,
    sync_rd: &OwnedFd,
    mask: &libc::sigset_t,
    filter: &[Insn],
    target: &Target,
) -> ! {
    if restore_signals(mask).is_err() {
        report.fail(EXIT_SYSGATE, Stage::Signals, errno());
    }
    let mut byte = 0u8;
    // SAFETY: reading one byte into a local.
    let n = unsafe { libc::read(sync_rd.as_raw_fd(), (&mut byte as *mut u8).cast(), 1) };
    if n != 1 || byte != 1 {
        // SAFETY: leaving without running the parent's destructors.
        unsafe { libc::_exit(EXIT_SYSGATE as libc::c_int) };
    }
    if let Err(e) = set_no_new_privs() {
        report.fail(EXIT_SYSGATE, Stage::Seccomp, e.raw_os_error().unwrap_or(0));
    }
    if let Err(e) = install_filter(filter, FilterFlags::default()) {
        report.fail(EXIT_SYSGATE, Stage::Seccomp, e.raw_os_error().unwrap_or(0));
    }
    report.exec(target)
}
