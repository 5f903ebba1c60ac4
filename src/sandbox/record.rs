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
use super::exec::find_program;
use super::recording::Recording;
use super::run::{
    block_forwarded, errno, fail, forward_to, restore_signals, stop_forwarding, Ended, RunError,
    Stage, EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND, EXIT_SYSGATE,
};
use crate::arch::{Arch, X32_SYSCALL_BIT};
use crate::bpf::{ret, Insn};
use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;

/// What to record besides the syscall names.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordOptions {
    /// Record the argument values policies usually constrain (see
    /// [`recording::TRACKED`](super::recording::TRACKED)).
    pub args: bool,
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
    let Some(cmd) = command.first() else {
        return Err(fail(EXIT_SYSGATE, "no program given"));
    };
    let path =
        find_program(cmd).map_err(|e| fail(EXIT_NOT_FOUND, format!("cannot run '{cmd}': {e}")))?;
    let to_c = |s: &[u8]| {
        CString::new(s).map_err(|_| fail(EXIT_SYSGATE, "an argument contains a NUL byte"))
    };
    let cpath = to_c(path.as_os_str().as_bytes())?;
    let argv = command
        .iter()
        .map(|a| to_c(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|c| c.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    let filter = [Insn::ret(ret::TRACE)];

    // `report`: the child's failure before the program starts (closed by a successful
    // execve). `sync`: the child waits on it until the parent is its tracer.
    let mut report = [0 as libc::c_int; 2];
    let mut sync = [0 as libc::c_int; 2];
    // SAFETY: each array has room for the two descriptors pipe2 writes.
    unsafe {
        if libc::pipe2(report.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return Err(fail(
                EXIT_SYSGATE,
                format!("pipe: {}", io::Error::last_os_error()),
            ));
        }
        if libc::pipe2(sync.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            let e = io::Error::last_os_error();
            libc::close(report[0]);
            libc::close(report[1]);
            return Err(fail(EXIT_SYSGATE, format!("pipe: {e}")));
        }
    }
    let old = block_forwarded();
    // SAFETY: the child only issues system calls before execve or _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        let e = io::Error::last_os_error();
        // SAFETY: restoring the mask; closing our own descriptors.
        unsafe {
            libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
            for fd in report.into_iter().chain(sync) {
                libc::close(fd);
            }
        }
        return Err(fail(EXIT_SYSGATE, format!("fork: {e}")));
    }
    if pid == 0 {
        child(report[1], sync[0], &old, &filter, &cpath, &ptrs);
    }
    // SAFETY: closing the child's ends.
    unsafe {
        libc::close(report[1]);
        libc::close(sync[0]);
    }
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
    // SAFETY: writing one byte to our pipe, then closing it.
    unsafe {
        libc::write(sync[1], (&byte as *const u8).cast(), 1);
        libc::close(sync[1]);
    }
    let mut rec = Recording::default();
    let ended = trace_loop(pid, opts, &mut rec);
    stop_forwarding();
    let child_report = super::run::read_report(report[0]);
    // SAFETY: closing our read end.
    unsafe { libc::close(report[0]) };
    if let Some(e) = seize_error {
        return Err(fail(
            EXIT_SYSGATE,
            format!("cannot trace '{cmd}' (ptrace): {e}"),
        ));
    }
    if let Some((code, stage, errno)) = child_report {
        let e = io::Error::from_raw_os_error(errno);
        let what = match stage {
            s if s == Stage::Signals as u8 => "cannot reset the signal mask for",
            s if s == Stage::Seccomp as u8 => "cannot install the tracing seccomp filter for",
            _ => "cannot run",
        };
        return Err(fail(code, format!("{what} '{cmd}': {e}")));
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
                        Some(arch) => rec.add(arch, nr, &info.args, opts.args),
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
    wr: libc::c_int,
    sync_rd: libc::c_int,
    mask: &libc::sigset_t,
    filter: &[Insn],
    cpath: &CString,
    argv: &[*const libc::c_char],
) -> ! {
    let report = |code: u8, stage: u8, errno: i32| -> ! {
        let e = errno.to_le_bytes();
        let buf = [code, stage, e[0], e[1], e[2], e[3]];
        // SAFETY: writing a small buffer to our pipe, then leaving at once.
        unsafe {
            libc::write(wr, buf.as_ptr().cast(), buf.len());
            libc::_exit(code as libc::c_int)
        }
    };
    if restore_signals(mask).is_err() {
        report(EXIT_SYSGATE, Stage::Signals as u8, errno());
    }
    let mut byte = 0u8;
    // SAFETY: reading one byte into a local.
    let n = unsafe { libc::read(sync_rd, (&mut byte as *mut u8).cast(), 1) };
    if n != 1 || byte != 1 {
        // SAFETY: leaving without running the parent's destructors.
        unsafe { libc::_exit(EXIT_SYSGATE as libc::c_int) };
    }
    if let Err(e) = set_no_new_privs() {
        report(
            EXIT_SYSGATE,
            Stage::Seccomp as u8,
            e.raw_os_error().unwrap_or(0),
        );
    }
    if let Err(e) = install_filter(filter, FilterFlags::default()) {
        report(
            EXIT_SYSGATE,
            Stage::Seccomp as u8,
            e.raw_os_error().unwrap_or(0),
        );
    }
    // SAFETY: valid NUL-terminated strings, `argv` ends with a null pointer.
    unsafe { libc::execv(cpath.as_ptr(), argv.as_ptr()) };
    let e = errno();
    let code = if e == libc::ENOENT {
        EXIT_NOT_FOUND
    } else {
        EXIT_CANNOT_EXECUTE
    };
    report(code, Stage::Exec as u8, e)
}
