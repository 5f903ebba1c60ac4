//! The logic of `examples/sandbox_self.rs`, checked in a forked child: under the built-in
//! `strict` policy, writing to an open descriptor works and creating a socket, creating a
//! file or forking fails with EPERM.

#[allow(unused_imports)]
mod common;

use common::{expect_errno, expect_returned, run_filtered};
use sysgate::policy::Policy;

fn strict() -> Vec<sysgate::bpf::Insn> {
    Policy::builtin("strict").unwrap().compile().unwrap().insns
}

fn errno() -> i64 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as i64
}

#[test]
fn strict_allows_writing_to_stdio() {
    let prog = strict();
    let o = run_filtered(&prog, || {
        let msg = b"";
        // SAFETY: writing zero bytes from a valid buffer to stdout.
        let n = unsafe { libc::write(1, msg.as_ptr().cast(), 0) };
        if n < 0 {
            -errno()
        } else {
            n as i64
        }
    });
    assert_eq!(expect_returned(&o), Some(0), "{o:?}");
}

#[test]
fn strict_refuses_sockets_files_and_processes() {
    let prog = strict();
    let o = run_filtered(&prog, || {
        // SAFETY: plain socket(2) call with constant arguments.
        let r = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
        if r < 0 {
            -errno()
        } else {
            r as i64
        }
    });
    assert_eq!(expect_errno(&o), Some(libc::EPERM), "socket: {o:?}");

    let o = run_filtered(&prog, || {
        let path = c"/tmp/sysgate-strict-should-not-exist";
        // SAFETY: a valid NUL-terminated path; O_CREAT with a mode.
        let r = unsafe { libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CREAT, 0o600) };
        if r < 0 {
            -errno()
        } else {
            r as i64
        }
    });
    assert_eq!(
        expect_errno(&o),
        Some(libc::EPERM),
        "open for writing: {o:?}"
    );

    let o = run_filtered(&prog, || {
        // SAFETY: raw fork syscall; a child, if any, exits at once.
        let r = unsafe { libc::syscall(libc::SYS_fork) };
        if r == 0 {
            // SAFETY: leaving the grandchild immediately.
            unsafe { libc::_exit(0) };
        }
        if r < 0 {
            -errno()
        } else {
            r
        }
    });
    assert_eq!(expect_errno(&o), Some(libc::EPERM), "fork: {o:?}");

    // Reading a file read-only stays possible (the dynamic loader needs it).
    let o = run_filtered(&prog, || {
        let path = c"/proc/self/stat";
        // SAFETY: a valid NUL-terminated path, read-only.
        let r = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY) };
        if r < 0 {
            -errno()
        } else {
            0
        }
    });
    assert_eq!(expect_returned(&o), Some(0), "open read-only: {o:?}");
}
