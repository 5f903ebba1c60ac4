//! Running a closure in a forked child under a seccomp filter.

use sysgate::bpf::Insn;
use sysgate::sandbox::{install_filter, set_no_new_privs, FilterFlags};

/// How a filtered child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The closure returned this value (typically a raw syscall return, negative errno).
    Returned(i64),
    /// The child was killed by this signal: `SIGSYS` for `KILL_*` and `TRAP`; `SIGILL` when the
    /// filter also denied `exit_group`/`exit` with an errno, so the child could not exit.
    Signaled(i32),
    /// The child exited with this status without reporting a result (e.g. the filter made
    /// the result `write` fail, or the closure panicked: status 101).
    Exited(i32),
    /// Setting `no_new_privs` or installing the filter failed with this errno.
    InstallFailed(i32),
}

/// The raw errno of a syscall that the closure returned, if it failed: `Returned(-e)` gives
/// `Some(e)` for 1 <= e <= 4095.
pub fn expect_errno(o: &Outcome) -> Option<i32> {
    match *o {
        Outcome::Returned(r) if (-4095..=-1).contains(&r) => Some(-r as i32),
        _ => None,
    }
}

/// The signal that killed the child, if any.
pub fn expect_signal(o: &Outcome) -> Option<i32> {
    match *o {
        Outcome::Signaled(s) => Some(s),
        _ => None,
    }
}

/// The value the closure returned, if it did.
pub fn expect_returned(o: &Outcome) -> Option<i64> {
    match *o {
        Outcome::Returned(r) => Some(r),
        _ => None,
    }
}

/// [`run_filtered_with`] with the default flags (`SPEC_ALLOW`).
pub fn run_filtered<F: FnOnce() -> i64>(prog: &[Insn], f: F) -> Outcome {
    run_filtered_with(prog, FilterFlags::default(), f)
}

const TAG_RETURNED: u8 = 0;
const TAG_INSTALL_FAILED: u8 = 1;
const RECORD: usize = 9;

/// For a [`Outcome::Returned`] result the filter must allow `write(2)` and `exit_group(2)`
/// (x86_64 numbers 1 and 231), which the child uses to report and to end.
///
/// Forks; in the child sets `no_new_privs`, installs `prog` with `flags`, runs `f` and sends
/// its result to the parent through a pipe, then `_exit(0)`s. The parent waits for the child
/// and reports how it ended.
///
/// Safe to use from multi-threaded test binaries: between `fork` and `_exit` the child only
/// makes raw system calls (no allocation, no locks, no stdio). `f` must keep to that rule too:
/// use [`raw_syscall`](super::raw_syscall) and plain arithmetic. The child is made
/// non-dumpable, so `SIGSYS` deaths leave no core dump.
pub fn run_filtered_with<F: FnOnce() -> i64>(prog: &[Insn], flags: FilterFlags, f: F) -> Outcome {
    run_filtered_pid(prog, flags, f).1
}

/// [`run_filtered_with`], also returning the child's pid (so a test can check the exact value
/// of `getpid` in the child).
pub fn run_filtered_pid<F: FnOnce() -> i64>(
    prog: &[Insn],
    flags: FilterFlags,
    f: F,
) -> (i32, Outcome) {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` is a valid array of two c_ints for pipe2 to fill.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(r, 0, "pipe2: {}", std::io::Error::last_os_error());
    let [rd, wr] = fds;
    // SAFETY: fork has no memory-safety preconditions; the child below only performs
    // async-signal-safe operations until it calls _exit, as required in a multi-threaded parent.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        child(rd, wr, prog, flags, f);
    }
    // SAFETY: `wr` is our copy of the pipe's write end, closed exactly once.
    unsafe { libc::close(wr) };
    let mut status = 0;
    loop {
        // SAFETY: `status` is a valid c_int to receive the wait status of our own child.
        let w = unsafe { libc::waitpid(pid, &mut status, 0) };
        if w == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        assert_eq!(e.raw_os_error(), Some(libc::EINTR), "waitpid: {e}");
    }
    // The child has exited, so whatever it wrote is in the pipe. Other threads of this test
    // process may have forked meanwhile and hold copies of the write end, so do not wait for
    // end-of-file: read only what is there.
    let mut buf = [0u8; RECORD];
    let mut got = 0;
    // SAFETY: `rd` is the open read end of our pipe; setting O_NONBLOCK is a plain fcntl.
    unsafe { libc::fcntl(rd, libc::F_SETFL, libc::O_NONBLOCK) };
    while got < RECORD {
        // SAFETY: the destination is the unfilled tail of `buf`, valid for RECORD - got bytes.
        let n = unsafe { libc::read(rd, buf[got..].as_mut_ptr().cast(), RECORD - got) };
        if n > 0 {
            got += n as usize;
        } else if n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        } else {
            break;
        }
    }
    // SAFETY: `rd` is our read end, closed exactly once.
    unsafe { libc::close(rd) };

    (pid, decode(status, &buf[..got]))
}

fn decode(status: libc::c_int, rec: &[u8]) -> Outcome {
    if libc::WIFSIGNALED(status) {
        return Outcome::Signaled(libc::WTERMSIG(status));
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    if rec.len() == RECORD && code == 0 {
        let value = i64::from_ne_bytes(rec[1..].try_into().unwrap());
        return match rec[0] {
            TAG_RETURNED => Outcome::Returned(value),
            TAG_INSTALL_FAILED => Outcome::InstallFailed(value as i32),
            t => panic!("bad record tag {t} from child"),
        };
    }
    Outcome::Exited(code)
}

/// The forked child: never returns.
fn child<F: FnOnce() -> i64>(
    rd: libc::c_int,
    wr: libc::c_int,
    prog: &[Insn],
    flags: FilterFlags,
    f: F,
) -> ! {
    // SAFETY: closes the child's copy of the read end (ours to close); integer-only prctl.
    // Both are plain system calls, async-signal-safe. A non-dumpable process never dumps core,
    // whatever core_pattern says, so SIGSYS deaths stay cheap and leave no files.
    unsafe {
        libc::close(rd);
        libc::prctl(libc::PR_SET_DUMPABLE, 0 as libc::c_ulong, 0, 0, 0);
    }
    let installed = match set_no_new_privs() {
        Err(e) => Err(e.raw_os_error().unwrap_or(0)),
        Ok(()) => install_filter(prog, flags)
            .map(drop)
            .map_err(|e| e.raw_os_error().unwrap_or(0)),
    };
    let (tag, value) = match installed {
        Err(errno) => (TAG_INSTALL_FAILED, errno as i64),
        Ok(()) => {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                Ok(v) => (TAG_RETURNED, v),
                // Never unwind back into the test harness's copy of the parent's stack.
                Err(_) => child_exit(101),
            }
        }
    };
    let mut rec = [0u8; RECORD];
    rec[0] = tag;
    rec[1..].copy_from_slice(&value.to_ne_bytes());
    // SAFETY: `rec` is valid for RECORD bytes; `wr` is the child's open write end.
    let n = unsafe { libc::write(wr, rec.as_ptr().cast(), RECORD) };
    child_exit(if n == RECORD as isize { 0 } else { 102 })
}

/// Ends the child with `exit_group(code)`. If the filter makes `exit_group` and `exit` fail
/// (an `ERRNO` or `TRACE` action), executes `ud2` so the child dies by `SIGILL` whatever libc
/// does (glibc's `_exit` would end in `hlt` and SIGSEGV, musl's would spin forever).
fn child_exit(code: i32) -> ! {
    // SAFETY: exit_group/exit take an integer and do not return when allowed; if they return,
    // `ud2` raises #UD, which the kernel turns into a forced SIGILL. No memory is touched.
    unsafe {
        libc::syscall(libc::SYS_exit_group, code as libc::c_long);
        libc::syscall(libc::SYS_exit, code as libc::c_long);
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("ud2", options(noreturn, nomem, nostack));
        #[cfg(not(target_arch = "x86_64"))]
        libc::_exit(code)
    }
}
