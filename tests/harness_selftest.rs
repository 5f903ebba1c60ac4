//! Proves the kernel-test harness against the real kernel with hand-assembled filters.
//! Every assertion checks an exact value the kernel must produce.

#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

mod common;

use common::*;
use sysgate::bpf::insn::{BPF_A, BPF_ALU, BPF_JEQ, BPF_K, BPF_OR, BPF_RET};
use sysgate::bpf::{ret, Insn};
use sysgate::sandbox::FilterFlags;

const ENOSYS: i64 = 38;
const SIGSYS: i32 = 31;

fn call(door: Door, nr: u64) -> i64 {
    raw_syscall(door, nr, [0; 6])
}

/// `ld [4]; jeq arch ? next : ALLOW; ld [0]; jeq nr ? ret action : ALLOW; ALLOW`.
fn match_one(arch: u32, nr: u32, action: u32) -> Vec<Insn> {
    vec![
        Insn::load_abs(4),
        Insn::jump(BPF_JEQ, arch, 0, 3),
        Insn::load_abs(0),
        Insn::jump(BPF_JEQ, nr, 0, 1),
        Insn::ret(action),
        Insn::ret(ret::ALLOW),
    ]
}

/// For syscall `nr` of `arch`, fail with errno `0x800 | (word at offset & 0x7ff)`: the filter
/// reports the 32-bit word it saw (`ret A`). Everything else is allowed.
fn report_word(arch: u32, nr: u32, offset: u32) -> Vec<Insn> {
    vec![
        Insn::load_abs(4),
        Insn::jump(BPF_JEQ, arch, 0, 6),
        Insn::load_abs(0),
        Insn::jump(BPF_JEQ, nr, 0, 4),
        Insn::load_abs(offset),
        Insn::and(0x7ff),
        Insn::new(BPF_ALU | BPF_OR | BPF_K, 0, 0, ret::ERRNO | 0x800),
        Insn::new(BPF_RET | BPF_A, 0, 0, 0),
        Insn::ret(ret::ALLOW),
    ]
}

fn allow_all() -> Vec<Insn> {
    vec![Insn::ret(ret::ALLOW)]
}

#[test]
fn native_getppid_gets_errno_getpid_untouched() {
    let prog = match_one(AUDIT_ARCH_X86_64, nr64::GETPPID as u32, ret::ERRNO | 77);
    let o = run_filtered(&prog, || call(Door::Native, nr64::GETPPID));
    assert_eq!(o, Outcome::Returned(-77));
    assert_eq!(expect_errno(&o), Some(77));

    let (pid, o) = run_filtered_pid(&prog, FilterFlags::default(), || {
        call(Door::Native, nr64::GETPID)
    });
    assert_eq!(o, Outcome::Returned(pid as i64));

    // The same number through the i386 door is a different arch: allowed, real parent pid.
    let parent = std::process::id() as i64;
    let o = run_filtered(&prog, || call(Door::I386, nr32::GETPPID));
    assert_eq!(o, Outcome::Returned(parent));
}

#[test]
fn i386_door_is_seen_as_i386() {
    let prog = match_one(AUDIT_ARCH_I386, nr32::GETPID as u32, ret::ERRNO | 78);
    let o = run_filtered(&prog, || call(Door::I386, nr32::GETPID));
    assert_eq!(o, Outcome::Returned(-78));

    let (pid, o) = run_filtered_pid(&prog, FilterFlags::default(), || {
        call(Door::Native, nr64::GETPID)
    });
    assert_eq!(o, Outcome::Returned(pid as i64));

    // Without a filter in the way, int 0x80 getpid gives the real pid.
    let (pid, o) = run_filtered_pid(&allow_all(), FilterFlags::default(), || {
        call(Door::I386, nr32::GETPID)
    });
    assert_eq!(o, Outcome::Returned(pid as i64));
}

#[test]
fn x86_64_only_filter_kills_int80_caller() {
    let prog = vec![
        Insn::load_abs(4),
        Insn::jump(BPF_JEQ, AUDIT_ARCH_X86_64, 1, 0),
        Insn::ret(ret::KILL_PROCESS),
        Insn::ret(ret::ALLOW),
    ];
    let o = run_filtered(&prog, || call(Door::I386, nr32::GETPID));
    assert_eq!(o, Outcome::Signaled(SIGSYS));
    assert_eq!(expect_signal(&o), Some(SIGSYS));

    let (pid, o) = run_filtered_pid(&prog, FilterFlags::default(), || {
        call(Door::Native, nr64::GETPID)
    });
    assert_eq!(o, Outcome::Returned(pid as i64));
}

#[test]
fn x32_door_keeps_bit_30_in_nr() {
    let x32_getpid = (nr64::GETPID | X32_SYSCALL_BIT) as u32;
    let prog = match_one(AUDIT_ARCH_X86_64, x32_getpid, ret::ERRNO | 79);
    let o = run_filtered(&prog, || call(Door::X32, nr64::GETPID));
    assert_eq!(o, Outcome::Returned(-79));

    // Native getpid (bit 30 clear) does not match the x32 number.
    let (pid, o) = run_filtered_pid(&prog, FilterFlags::default(), || {
        call(Door::Native, nr64::GETPID)
    });
    assert_eq!(o, Outcome::Returned(pid as i64));

    // Allowed through, the kernel (no CONFIG_X86_X32_ABI) has nothing to run: ENOSYS.
    let o = run_filtered(&allow_all(), || call(Door::X32, nr64::GETPID));
    assert_eq!(o, Outcome::Returned(-ENOSYS));
}

#[test]
fn kill_and_trap_end_in_sigsys() {
    for action in [
        ret::KILL_PROCESS,
        ret::KILL_THREAD,
        ret::TRAP,
        ret::TRAP | 5,
    ] {
        let o = run_filtered(&[Insn::ret(action)], || call(Door::Native, nr64::GETPID));
        assert_eq!(o, Outcome::Signaled(SIGSYS), "action {action:#x}");
    }
}

#[test]
fn errno_values_pass_through_and_cap_at_4095() {
    let getpid = nr64::GETPID as u32;
    for (data, expected) in [(1, -1), (4095, -4095), (4096, -4095), (0xffff, -4095)] {
        let prog = match_one(AUDIT_ARCH_X86_64, getpid, ret::ERRNO | data);
        let o = run_filtered(&prog, || call(Door::Native, nr64::GETPID));
        assert_eq!(o, Outcome::Returned(expected), "errno data {data}");
    }
    // ERRNO with data 0 skips the call and returns 0 (not the pid).
    let prog = match_one(AUDIT_ARCH_X86_64, getpid, ret::ERRNO);
    let o = run_filtered(&prog, || call(Door::Native, nr64::GETPID));
    assert_eq!(o, Outcome::Returned(0));
}

#[test]
fn filter_that_blocks_the_harness_write_is_not_a_result() {
    // ERRNO for every call, including the harness's own write and exit_group: the child
    // cannot report nor exit, and the harness ends it with `ud2` (SIGILL).
    let o = run_filtered(&[Insn::ret(ret::ERRNO | 1)], || {
        call(Door::Native, nr64::GETPID)
    });
    assert_eq!(o, Outcome::Signaled(libc::SIGILL));
    assert_eq!(expect_returned(&o), None);
}

const ARG: u64 = 0x0000_0123_0000_0456;

#[test]
fn native_args_are_64_bit_split_low_then_high() {
    let arg = |door, nr| move || raw_syscall(door, nr, [ARG, 0, 0, 0, 0, 0]);
    let low = report_word(AUDIT_ARCH_X86_64, nr64::GETPGID as u32, 16);
    let high = report_word(AUDIT_ARCH_X86_64, nr64::GETPGID as u32, 20);
    assert_eq!(
        run_filtered(&low, arg(Door::Native, nr64::GETPGID)),
        Outcome::Returned(-0xc56)
    );
    assert_eq!(
        run_filtered(&high, arg(Door::Native, nr64::GETPGID)),
        Outcome::Returned(-0x923)
    );
    // args[1] (offsets 24/28) is what the second register held: zero here.
    let second = report_word(AUDIT_ARCH_X86_64, nr64::GETPGID as u32, 24);
    assert_eq!(
        run_filtered(&second, arg(Door::Native, nr64::GETPGID)),
        Outcome::Returned(-0x800)
    );
}

#[test]
fn i386_args_high_word_is_the_register_upper_half() {
    let arg = |v: u64| move || raw_syscall(Door::I386, nr32::GETPGID, [v, 0, 0, 0, 0, 0]);
    let low = report_word(AUDIT_ARCH_I386, nr32::GETPGID as u32, 16);
    let high = report_word(AUDIT_ARCH_I386, nr32::GETPGID as u32, 20);
    assert_eq!(run_filtered(&low, arg(ARG)), Outcome::Returned(-0xc56));
    // A real 32-bit task has zero upper halves, so the high word is 0 ...
    assert_eq!(run_filtered(&high, arg(0x456)), Outcome::Returned(-0x800));
    // ... but a 64-bit task using int 0x80 can put anything there: the kernel's
    // syscall_get_arguments() copies the full 64-bit rbx into seccomp_data.args[0] while the
    // i386 system call itself only uses ebx. A filter for AUDIT_ARCH_I386 must therefore
    // look at the low word only, or a caller can dodge an argument match.
    assert_eq!(run_filtered(&high, arg(ARG)), Outcome::Returned(-0x923));
}

#[test]
fn i386_door_passes_all_six_arguments() {
    // Offsets 16 + 8*i: each argument register, including ebp for the sixth.
    for i in 0..6u32 {
        let prog = report_word(AUDIT_ARCH_I386, nr32::GETPGID as u32, 16 + 8 * i);
        let mut args = [0u64; 6];
        args[i as usize] = 0xffff_ffff_0000_0100 + i as u64;
        let o = run_filtered(&prog, || raw_syscall(Door::I386, nr32::GETPGID, args));
        assert_eq!(o, Outcome::Returned(-(0x900 + i as i64)), "argument {i}");
    }
}

#[test]
fn exact_two_word_compare_on_close() {
    // close(fd) fails with 80 only when args[0] is exactly 0x123_0000_0456.
    let prog = vec![
        Insn::load_abs(4),
        Insn::jump(BPF_JEQ, AUDIT_ARCH_X86_64, 0, 7),
        Insn::load_abs(0),
        Insn::jump(BPF_JEQ, nr64::CLOSE as u32, 0, 5),
        Insn::load_abs(16),
        Insn::jump(BPF_JEQ, 0x456, 0, 3),
        Insn::load_abs(20),
        Insn::jump(BPF_JEQ, 0x123, 0, 1),
        Insn::ret(ret::ERRNO | 80),
        Insn::ret(ret::ALLOW),
    ];
    let close = |fd: u64| move || raw_syscall(Door::Native, nr64::CLOSE, [fd, 0, 0, 0, 0, 0]);
    assert_eq!(run_filtered(&prog, close(ARG)), Outcome::Returned(-80));
    // Same low word, high word 0: the filter allows; the kernel closes fd 0x456, not open.
    assert_eq!(run_filtered(&prog, close(0x456)), Outcome::Returned(-9));
    // The filter only matches AUDIT_ARCH_X86_64: i386 close with the same register value is
    // allowed and closes fd 0x456.
    let o = run_filtered(&prog, || {
        raw_syscall(Door::I386, nr32::CLOSE, [ARG, 0, 0, 0, 0, 0])
    });
    assert_eq!(o, Outcome::Returned(-9));
}

#[test]
fn install_failures_are_reported() {
    // A load beyond struct seccomp_data (64 bytes) fails the kernel's checker.
    let bad = [Insn::load_abs(64), Insn::ret(ret::ALLOW)];
    let o = run_filtered(&bad, || 0);
    assert_eq!(o, Outcome::InstallFailed(libc::EINVAL));
    // No final return.
    let o = run_filtered(&[Insn::load_abs(0)], || 0);
    assert_eq!(o, Outcome::InstallFailed(libc::EINVAL));
}

#[test]
fn flags_are_accepted() {
    for flags in [
        FilterFlags::default(),
        FilterFlags {
            spec_allow: false,
            ..FilterFlags::default()
        },
        FilterFlags {
            log: true,
            tsync: true,
            ..FilterFlags::default()
        },
        FilterFlags {
            new_listener: true,
            tsync: true,
            ..FilterFlags::default()
        },
    ] {
        let (pid, o) = run_filtered_pid(&allow_all(), flags, || call(Door::Native, nr64::GETPID));
        assert_eq!(o, Outcome::Returned(pid as i64), "{flags:?}");
    }
}

#[test]
fn listener_fd_is_returned() {
    use std::os::fd::AsRawFd;
    let flags = FilterFlags {
        new_listener: true,
        ..FilterFlags::default()
    };
    let install = || match sysgate::sandbox::install_filter(&[Insn::ret(ret::ALLOW)], flags) {
        Ok(Some(fd)) => Ok(fd),
        Ok(None) => Err(-1000),
        Err(e) => Err(-(e.raw_os_error().unwrap_or(999) as i64)),
    };
    // In the child (already under the harness's filter, without listener): install with
    // NEW_LISTENER, keep the fd, and try a second listener, which the kernel refuses (EBUSY).
    let o = run_filtered(&allow_all(), || {
        let first = match install() {
            Ok(fd) => fd,
            Err(e) => return e,
        };
        if first.as_raw_fd() < 3 {
            return -2000;
        }
        let second = install().err().unwrap_or(0);
        drop(first);
        second
    });
    assert_eq!(o, Outcome::Returned(-(libc::EBUSY as i64)));
    // Once the first listener fd is closed, its filter has no listener any more and a new
    // one can be created.
    let o = run_filtered_with(&allow_all(), flags, || match install() {
        Ok(fd) => fd.as_raw_fd() as i64,
        Err(e) => e,
    });
    assert!(matches!(o, Outcome::Returned(fd) if fd >= 3), "{o:?}");
}

#[test]
fn require_or_skip_behaviour() {
    assert!(require_or_skip("always there", true));
    let strict = std::env::var("SYSGATE_REQUIRE_INTEROP").as_deref() == Ok("1");
    let r = std::panic::catch_unwind(|| require_or_skip("component for the self-test", false));
    if strict {
        assert!(r.is_err());
    } else {
        assert_eq!(r.ok(), Some(false));
    }
}
