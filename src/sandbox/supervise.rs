//! `run --report`: say which system calls the policy refused, why, and with what arguments.
//!
//! # How
//!
//! The program runs under a variant of its policy ([`notify_variant`]) in which every
//! refusing action (`errno N`, `kill`, `kill-thread`, `trap`, and `trace`/`notify`, which
//! fail with `ENOSYS` when nobody listens) becomes `notify`. Permitted calls are decided in
//! the kernel exactly as before (and served by its action cache); a refused call blocks its
//! thread and reaches sysgate, which looks the call up in the resolved policy
//! ([`crate::ir::Policy::decide`]), reports it once per (architecture, syscall, action), and
//! answers as the original filter would have. The filter is inherited over `fork`, `clone`
//! and `execve`, so one listener sees every thread and every descendant.
//!
//! # Getting the listener
//!
//! The listener fd is created in the child by the `seccomp()` call that installs the
//! filter, and everything the child does after that call is filtered. So the child does
//! nothing after it that a policy might refuse without sysgate being able to answer: before
//! installing, it computes the fd number the listener will get (the lowest free one) and
//! sends it over the status pipe; after installing, it only waits for one byte on a second
//! pipe. The parent takes the listener with `pidfd_getfd` (retrying until the filter is in
//! place), then writes the byte. If the policy refuses `read`, the child's wait is itself a
//! notification, which the parent (now holding the listener) lets through. Until the child
//! executes the program, its calls are sysgate's own and are let through silently — except
//! `execve`, which is decided like any other call.
//!
//! # Answers
//!
//! - `errno N`: the call fails with `N`, as without `--report`.
//! - `trace N` / `notify` in the policy: `ENOSYS`, what the kernel returns when no tracer or
//!   supervisor is attached.
//! - `kill`: the process is killed with `SIGSYS` (exit status 159, like the kernel's
//!   `SECCOMP_RET_KILL_PROCESS`). The call never runs: the blocked thread dies waiting.
//!   If the program catches, blocks or ignores `SIGSYS`, a signal from user space could not
//!   kill it, so `SIGKILL` is used (status 137).
//! - `kill-thread`: the kernel ends only the calling thread (or, when it is the last one,
//!   the process with `SIGSYS`). User space cannot end one thread of another process, so the
//!   whole process is killed, as for `kill`: the same result for single-threaded programs,
//!   stricter for others (never looser).
//! - `trap`: when the program handles `SIGSYS`, the call fails with `ENOSYS` and `SIGSYS` is
//!   sent to the calling thread (its `si_code` is `SI_TKILL`, not `SYS_SECCOMP`, and the
//!   handler runs just after the call returns rather than instead of it). When it does not,
//!   `SIGSYS` kills the process, as the kernel's would.
//!
//! Arguments are decoded with the parameter names sysgate knows; file names are read from
//! the caller's memory with `process_vm_readv`, checked with `SECCOMP_IOCTL_NOTIF_ID_VALID`
//! before and after (so the pid still names the caller). The memory may change between the
//! read and the kernel's own read — harmless here, because the call is refused anyway.
//!
//! A refused call whose thread gets a signal while it waits for the answer is interrupted
//! and, when restarted, notified again: the summary then counts it twice.
//!
//! When the program (the direct child) exits, sysgate stops listening and prints the
//! summary; descendants still running then get `ENOSYS` for refused calls, since the kernel
//! answers that when the listener is closed.

use super::decode;
use super::notify::{self, Listener, SeccompNotif};
use crate::arch::Arch;
use crate::ir::{self, Ruling};
use crate::policy::ast::Action;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::os::fd::AsRawFd;

/// The policy with every refusing action turned into `notify`: what the supervised program
/// runs under. Permitting actions (`allow`, `log`) are kept, so those calls never leave the
/// kernel.
pub fn notify_variant(policy: &ir::Policy) -> ir::Policy {
    fn conv(r: &mut Ruling) {
        if !r.action.permits() {
            r.action = Action::Notify;
        }
    }
    let mut v = policy.clone();
    for s in &mut v.sections {
        for d in s.syscalls.values_mut() {
            d.rules.iter_mut().for_each(|r| conv(&mut r.ruling));
            conv(&mut d.otherwise);
        }
        conv(&mut s.unknown);
        conv(&mut s.default);
    }
    conv(&mut v.badarch);
    v
}

/// The longest file name read from the program's memory.
const PATH_MAX: usize = 4096;

/// What the report of one refused call says; also used for the summary.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    arch: Option<Arch>,
    nr: u32,
    action: Action,
}

/// Reports refused calls and keeps the counts for the summary.
pub struct Reporter<'a> {
    policy: &'a ir::Policy,
    out: Box<dyn Write + 'a>,
    seen: HashSet<Key>,
    counts: BTreeMap<Key, u64>,
    /// The order in which (call, action) pairs were first seen, for the summary.
    order: Vec<Key>,
}

/// How the effect of an action is described in a report.
pub fn describe_action(action: Action) -> String {
    match action {
        Action::Errno(e) => {
            let name = crate::arch::errno_name(e)
                .map(str::to_string)
                .unwrap_or_else(|| e.to_string());
            if e == 1 {
                "deny (errno EPERM)".to_string()
            } else {
                format!("errno {name}")
            }
        }
        Action::Kill => "kill (SIGSYS to the process)".to_string(),
        Action::KillThread => "kill-thread (sysgate ends the whole process)".to_string(),
        Action::Trap(_) => format!("{action} (SIGSYS)"),
        Action::Trace(_) | Action::Notify => format!("{action} (nothing attached: errno ENOSYS)"),
        Action::Allow | Action::Log => action.to_string(),
    }
}

impl<'a> Reporter<'a> {
    /// Reports to `out` (sysgate's stderr in the CLI), deciding with `policy`, the resolved
    /// policy the program runs under (not its notify variant).
    pub fn new(policy: &'a ir::Policy, out: Box<dyn Write + 'a>) -> Reporter<'a> {
        Reporter {
            policy,
            out,
            seen: HashSet::new(),
            counts: BTreeMap::new(),
            order: Vec::new(),
        }
    }

    /// The number of refused calls so far.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Handles one notification: decide, report (the first time), answer.
    pub(crate) fn handle(&mut self, listener: &Listener, n: &SeccompNotif) {
        let nr = n.data.nr as u32;
        let ruling = self.policy.decide(n.data.arch, nr, &n.data.args).clone();
        let arch = ir::section_for(n.data.arch, nr).filter(|a| self.policy.section(*a).is_some());
        let key = Key {
            arch,
            nr,
            action: ruling.action,
        };
        *self.counts.entry(key.clone()).or_insert(0) += 1;
        if self.seen.insert(key.clone()) {
            self.order.push(key);
            let line = self.describe(listener, n, arch, &ruling);
            let _ = writeln!(self.out, "{line}");
            let _ = self.out.flush();
        }
        answer(listener, n, ruling.action);
    }

    fn describe(
        &self,
        listener: &Listener,
        n: &SeccompNotif,
        arch: Option<Arch>,
        ruling: &Ruling,
    ) -> String {
        let nr = n.data.nr as u32;
        let pid = n.pid as libc::pid_t;
        let (arch_name, call) = match arch.and_then(|a| a.syscall_name(nr).map(|s| (a, s))) {
            Some((a, name)) => {
                let mut read = |addr: u64| -> Option<String> {
                    if !listener.id_valid(n.id) {
                        return None;
                    }
                    let (bytes, complete) = notify::read_c_string(pid, addr, PATH_MAX).ok()?;
                    listener
                        .id_valid(n.id)
                        .then(|| decode::quote(&bytes, complete))
                };
                (
                    a.name().to_string(),
                    decode::format_call(a, name, &n.data.args, &mut read),
                )
            }
            None => (
                arch.map_or_else(
                    || format!("audit arch {:#x}", n.data.arch),
                    |a| a.name().to_string(),
                ),
                format!("syscall {nr}"),
            ),
        };
        format!(
            "sysgate: refused: {call} on {arch_name} by pid {pid}: {} — {}",
            describe_action(ruling.action),
            ruling.origin
        )
    }

    /// Writes the summary: one line per (syscall, action), with counts.
    pub fn summary(&mut self) {
        let total = self.total();
        if total == 0 {
            let _ = writeln!(self.out, "sysgate: summary: no call was refused");
            return;
        }
        let plural = if total == 1 { "" } else { "s" };
        let _ = writeln!(self.out, "sysgate: summary: {total} refused call{plural}");
        for k in &self.order {
            let name = k
                .arch
                .and_then(|a| a.syscall_name(k.nr))
                .map_or_else(|| format!("syscall {}", k.nr), str::to_string);
            let arch = k.arch.map_or("other arch", |a| a.name());
            let _ = writeln!(
                self.out,
                "sysgate:   {:>6} × {name} on {arch}: {}",
                self.counts[k], k.action
            );
        }
        let _ = self.out.flush();
    }
}

/// Answers a notification the way the original filter would have acted.
fn answer(listener: &Listener, n: &SeccompNotif, action: Action) {
    let tid = n.pid as libc::pid_t;
    let _ = match action {
        Action::Allow | Action::Log => listener.continue_call(n.id),
        Action::Errno(e) => listener.respond(n.id, Err(i32::from(e))),
        Action::Trace(_) | Action::Notify => listener.respond(n.id, Err(libc::ENOSYS)),
        Action::Kill | Action::KillThread => {
            kill_process(listener, n);
            Ok(())
        }
        Action::Trap(_) => match proc_status(tid) {
            Some(st) if st.handles(libc::SIGSYS) => {
                let r = listener.respond(n.id, Err(libc::ENOSYS));
                let _ = notify::tgkill(st.tgid, tid, libc::SIGSYS);
                r
            }
            _ => {
                kill_process(listener, n);
                Ok(())
            }
        },
    };
}

/// Kills the caller's whole process with `SIGSYS` (or `SIGKILL` when `SIGSYS` would not
/// kill it). The call never completes: a fatal signal wakes the waiting thread to die.
fn kill_process(listener: &Listener, n: &SeccompNotif) {
    let tid = n.pid as libc::pid_t;
    let Some(st) = proc_status(tid) else {
        let _ = listener.respond(n.id, Err(libc::ENOSYS));
        return;
    };
    let Ok(pidfd) = notify::pidfd_open(st.tgid) else {
        return;
    };
    // The thread still waits, so `tgid` (read while it waited) is its process, not a reused pid.
    if !listener.id_valid(n.id) {
        return;
    }
    let sig = if st.caught(libc::SIGSYS) || st.blocked(libc::SIGSYS) || st.ignored(libc::SIGSYS) {
        libc::SIGKILL
    } else {
        libc::SIGSYS
    };
    if notify::pidfd_send_signal(&pidfd, sig).is_err() {
        let _ = listener.respond(n.id, Err(libc::ENOSYS));
    }
}

/// The fields of `/proc/TID/status` the answers need.
struct ProcStatus {
    tgid: libc::pid_t,
    blk: u64,
    ign: u64,
    cgt: u64,
}

impl ProcStatus {
    fn bit(sig: libc::c_int) -> u64 {
        1u64 << (sig - 1)
    }
    fn caught(&self, sig: libc::c_int) -> bool {
        self.cgt & Self::bit(sig) != 0
    }
    fn blocked(&self, sig: libc::c_int) -> bool {
        self.blk & Self::bit(sig) != 0
    }
    fn ignored(&self, sig: libc::c_int) -> bool {
        self.ign & Self::bit(sig) != 0
    }
    /// A handler will run for `sig` (caught and not blocked).
    fn handles(&self, sig: libc::c_int) -> bool {
        self.caught(sig) && !self.blocked(sig)
    }
}

fn proc_status(tid: libc::pid_t) -> Option<ProcStatus> {
    let text = std::fs::read_to_string(format!("/proc/{tid}/status")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    let hex = |name: &str| field(name).and_then(|v| u64::from_str_radix(&v, 16).ok());
    Some(ProcStatus {
        tgid: field("Tgid:")?.parse().ok()?,
        blk: hex("SigBlk:")?,
        ign: hex("SigIgn:")?,
        cgt: hex("SigCgt:")?,
    })
}

/// The child's status message: `(exit code, stage, value)`, as `run` sends it.
pub(super) type Status = (u8, u8, i32);

/// How the supervised child's start went.
pub(super) struct Supervised {
    /// A failure the child reported before the program ran (as in `run`).
    pub status: Option<Status>,
    pub ended: std::io::Result<super::run::Ended>,
}

fn poll_in(fds: &mut [libc::pollfd], timeout_ms: libc::c_int) -> std::io::Result<usize> {
    loop {
        // SAFETY: `fds` is a valid, initialised pollfd array of `fds.len()` entries.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Whether `fd` has one of `revents` now (a pipe at end of file reports `POLLHUP` only; a
/// listener whose filter has no user left reports `POLLHUP` and has nothing to receive).
fn ready(fd: libc::c_int, revents: libc::c_short) -> bool {
    let mut p = [libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }];
    poll_in(&mut p, 0).is_ok_and(|n| n > 0) && p[0].revents & revents != 0
}

/// The child's progress as the parent sees it through the status pipe.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Still sysgate's code (before `execve` succeeded).
    Setup,
    /// The program runs (the pipe was closed by a successful `execve`).
    Program,
    /// The child reported a failure.
    Failed(Status),
}

/// The parent's side of `run --report`: take the listener (the child announced its number
/// with stage `listener_stage`), release the child, answer notifications until the child
/// exits, wait for it.
pub(super) fn supervise(
    pid: libc::pid_t,
    rd: libc::c_int,
    sync_wr: libc::c_int,
    listener_stage: u8,
    reporter: &mut Reporter<'_>,
) -> Result<Supervised, String> {
    use super::run::{read_report, wait_child};
    let finish = |status: Option<Status>| Supervised {
        status,
        ended: wait_child(pid),
    };
    let abort = |msg: String| -> Result<Supervised, String> {
        // SAFETY: killing our own child, which has not started the program.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        let _ = wait_child(pid);
        Err(msg)
    };
    let number = match read_report(rd) {
        Some((0, stage, fd)) if stage == listener_stage => fd,
        other => return Ok(finish(other)),
    };
    let pidfd = match notify::pidfd_open(pid) {
        Ok(p) => p,
        Err(e) => return abort(format!("pidfd_open: {e}")),
    };
    // The child sent the number before installing the filter: retry until the filter (and so
    // the listener) is in place, or the child reports a failure.
    let fd = loop {
        match notify::pidfd_getfd(&pidfd, number) {
            Ok(fd) => break fd,
            Err(e) if e.raw_os_error() == Some(libc::EBADF) => {
                let mut p = [libc::pollfd {
                    fd: rd,
                    events: libc::POLLIN,
                    revents: 0,
                }];
                if poll_in(&mut p, 1).is_ok_and(|n| n > 0) {
                    return Ok(finish(Some(read_report(rd).unwrap_or((
                        super::run::EXIT_SYSGATE,
                        listener_stage,
                        0,
                    )))));
                }
            }
            Err(e) => {
                return abort(format!(
                    "cannot take the seccomp listener from the child (pidfd_getfd): {e}"
                ))
            }
        }
    };
    let listener = match Listener::new(fd) {
        Ok(l) => l,
        Err(e) => return abort(format!("seccomp user notification: {e}")),
    };
    // Release the child.
    // SAFETY: writing one byte from a local to our pipe.
    unsafe { libc::write(sync_wr, [1u8].as_ptr().cast(), 1) };

    let mut phase = Phase::Setup;
    let update = |phase: &mut Phase| {
        if *phase == Phase::Setup && ready(rd, libc::POLLIN | libc::POLLHUP | libc::POLLERR) {
            *phase = match read_report(rd) {
                Some(s) => Phase::Failed(s),
                None => Phase::Program,
            };
        }
    };
    let host = Arch::host();
    let exec_nrs = [host.syscall_nr("execve"), host.syscall_nr("execveat")];
    let handle = |phase: &mut Phase, reporter: &mut Reporter<'_>| {
        let Ok(n) = listener.recv() else { return };
        update(phase);
        let own = *phase != Phase::Program
            && n.pid as libc::pid_t == pid
            && !exec_nrs.contains(&Some(n.data.nr as u32));
        if own {
            // sysgate's own calls between installing the filter and executing the program.
            let _ = listener.continue_call(n.id);
        } else {
            reporter.handle(&listener, &n);
        }
    };
    loop {
        let mut fds = [
            libc::pollfd {
                fd: listener.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: std::os::fd::AsRawFd::as_raw_fd(&pidfd),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        if let Err(e) = poll_in(&mut fds, -1) {
            return abort(format!("poll: {e}"));
        }
        if fds[0].revents & libc::POLLIN != 0 {
            handle(&mut phase, reporter);
        }
        if fds[1].revents != 0 || fds[0].revents & (libc::POLLHUP | libc::POLLERR) != 0 {
            break;
        }
    }
    // The child has exited: answer what is already queued, then stop listening.
    while ready(listener.as_raw_fd(), libc::POLLIN) {
        handle(&mut phase, reporter);
    }
    drop(listener);
    update(&mut phase);
    Ok(finish(match phase {
        Phase::Failed(s) => Some(s),
        _ => None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn variant_notifies_only_refusals() {
        let p = Policy::parse(
            "t",
            "default allow\ndeny mkdir\nkill reboot\nlog getpid\narch x86_64\n",
        )
        .unwrap();
        let v = notify_variant(&p.resolved);
        let s = &v.sections[0];
        let nr = |n| Arch::X86_64.syscall_nr(n).unwrap();
        assert_eq!(s.decide(nr("mkdir"), &[0; 6]).action, Action::Notify);
        assert_eq!(s.decide(nr("reboot"), &[0; 6]).action, Action::Notify);
        assert_eq!(s.decide(nr("getpid"), &[0; 6]).action, Action::Log);
        assert_eq!(s.decide(nr("read"), &[0; 6]).action, Action::Allow);
        assert_eq!(s.unknown.action, Action::Notify);
        assert_eq!(v.badarch.action, Action::Notify);
        // The origin stays, for the report.
        assert_eq!(s.decide(nr("mkdir"), &[0; 6]).origin.line, 2);
    }

    #[test]
    fn actions_are_described() {
        assert_eq!(describe_action(Action::Errno(1)), "deny (errno EPERM)");
        assert_eq!(describe_action(Action::Errno(38)), "errno ENOSYS");
    }
}
