//! Policies compiled by sysgate, loaded into the real kernel in a forked child; each call is
//! made through a real entry point (native `syscall`, `int 0x80`, x32) and the result must be
//! exactly what the policy says. Every call is also run through the emulator and the IR
//! (`oracle::check`), so the three oracles are compared on each input.
//!
//! Errno values 71.. are used so that a result can only come from the rule meant.

#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

mod common;
mod oracle;

use common::*;
use oracle::*;
use sysgate::arch::Arch;
use sysgate::policy::ast::Action;

const A: Action = Action::Allow;
fn e(n: u16) -> Action {
    Action::Errno(n)
}

/// A pid no process can have (above PID_MAX_LIMIT, 2^22).
const NOPID: u64 = 0x1000_0000;
/// A file descriptor no process has open (above any fd table this test can have).
const NOFD: u64 = 0x10000;

fn n64(name: &str) -> u64 {
    nr(Arch::X86_64, name)
}
fn n32(name: &str) -> u64 {
    nr(Arch::I386, name)
}

#[test]
fn deny_list_with_default_allow() {
    let c = compile(
        "default allow
arch x86_64 i386 x32
errno 71 getppid
deny getpgid
errno 72 close if arg0 == 0x10005
errno 73 dup if arg0 >= 0x20000 && arg0 < 0x20010
trap kill if arg1 == 0 && arg0 == 0x10000000
kill-thread lseek if arg2 == 77
",
    );
    for door in [Door::Native, Door::I386, Door::X32] {
        let n = |name: &str| match door {
            Door::I386 => n32(name),
            _ => n64(name),
        };
        // What an allowed call returns: x32 is not compiled in, so ENOSYS there.
        let ok = |r: i64| match door {
            Door::X32 => Real::Ret(-ENOSYS),
            _ => Real::Ret(r),
        };
        check1(&c, door, n("getppid"), 0, e(71), Real::Ret(-71));
        check1(&c, door, n("getpgid"), NOPID, e(1), ok(-ESRCH));
        for (fd, want) in [
            (NOFD + 4, A),
            (NOFD + 5, e(72)),
            (NOFD + 6, A),
            (0x1ffff, A),
            (0x20000, e(73)),
            (0x2000f, e(73)),
            (0x20010, A),
        ] {
            let name = if fd >= 0x1ffff { "dup" } else { "close" };
            check1(&c, door, n(name), fd, want, ok(-EBADF));
        }
        // kill(pid, 0) with an impossible pid: ESRCH when allowed.
        let kill = |pid: u64, sig: u64, want| {
            check(
                &c,
                door,
                n("kill"),
                [pid, sig, 0, 0, 0, 0],
                want,
                ok(-ESRCH),
            )
        };
        kill(NOPID, 0, Action::Trap(0));
        kill(NOPID + 1, 0, A);
        kill(NOPID - 1, 0, A);
        // lseek on a bad fd: EBADF when allowed.
        for (whence, want) in [(76, A), (77, Action::KillThread), (78, A)] {
            check(
                &c,
                door,
                n("lseek"),
                [NOFD, 0, whence, 0, 0, 0],
                want,
                ok(-EBADF),
            );
        }
        // Calls no rule names.
        let pid = match door {
            Door::X32 => Real::Ret(-ENOSYS),
            _ => Real::Pid,
        };
        check1(&c, door, n("getpid"), 0, A, pid);
    }
    sweep(&c);
}

#[test]
fn allow_list_with_default_errno() {
    let c = compile(
        "default errno 74
unknown errno 75
arch x86_64 i386 x32
allow write exit_group
allow getpid
allow close if arg0 < 0x10000
errno 76 dup if arg0 > 0x50000
allow dup
",
    );
    check1(&c, Door::Native, n64("getpid"), 0, A, Real::Pid);
    check1(&c, Door::I386, n32("getpid"), 0, A, Real::Pid);
    check1(&c, Door::X32, n64("getpid"), 0, A, Real::Ret(-ENOSYS));
    for door in [Door::Native, Door::I386, Door::X32] {
        let n = |name: &str| match door {
            Door::I386 => n32(name),
            _ => n64(name),
        };
        let ok = |r: i64| match door {
            Door::X32 => Real::Ret(-ENOSYS),
            _ => Real::Ret(r),
        };
        check1(&c, door, n("getppid"), 0, e(74), ok(0));
        check1(&c, door, n("getpgid"), NOPID, e(74), ok(-ESRCH));
        check1(&c, door, n("close"), 0xffff, A, ok(-EBADF));
        check1(&c, door, n("close"), 0x10000, e(74), ok(-EBADF));
        check1(&c, door, n("close"), 0x10001, e(74), ok(-EBADF));
        check1(&c, door, n("dup"), 0x4ffff, A, ok(-EBADF));
        check1(&c, door, n("dup"), 0x50000, A, ok(-EBADF));
        check1(&c, door, n("dup"), 0x50001, e(76), ok(-EBADF));
        check1(&c, door, n("dup"), u64::from(u32::MAX), e(76), ok(-EBADF));
    }
    // Numbers beyond every table: `unknown`.
    check1(&c, Door::Native, 1000, 0, e(75), Real::Ret(-ENOSYS));
    check1(&c, Door::I386, 600, 0, e(75), Real::Ret(-ENOSYS));
    check1(&c, Door::X32, 1000, 0, e(75), Real::Ret(-ENOSYS));
}

/// 64-bit comparisons on x86_64 registers, on syscalls that take no arguments (so every
/// register is free and the real result is known): every operator at v-1, v, v+1 and with
/// the high word changed.
#[test]
fn sixty_four_bit_conditions_native_and_x32() {
    let c = compile(
        "default allow
arch x86_64 i386 x32
errno 71 getpid if arg0 == 0x100000005
errno 72 getppid if arg1 > 0xffffffff
errno 73 getuid if arg2 >= 0x123456789
errno 74 getgid if arg3 < 0x100000000
errno 75 geteuid if arg4 <= 0x80000000
errno 76 getegid if arg5 != 9
errno 77 gettid if arg0 & 0x100000000
errno 78 sched_yield if (arg0 & 0xff000000ff) == 0x1200000003
errno 79 getpgrp if arg1 in {3, 0x100000003, 0xffffffffffffffff}
errno 80 getpid if arg2 not in {0, 0x200000000}
",
    );
    let uid = i64::from(unsafe { libc::getuid() });
    let gid = i64::from(unsafe { libc::getgid() });
    let euid = i64::from(unsafe { libc::geteuid() });
    let egid = i64::from(unsafe { libc::getegid() });
    let pgrp = i64::from(unsafe { libc::getpgrp() });
    let at = |i: usize, v: u64| {
        let mut a = [0u64; 6];
        a[i] = v;
        a
    };
    let cases: Vec<(&str, [u64; 6], Action, Real)> = vec![
        ("getpid", at(0, 0x1_0000_0004), A, Real::Pid),
        ("getpid", at(0, 0x1_0000_0005), e(71), Real::Pid),
        ("getpid", at(0, 0x1_0000_0006), A, Real::Pid),
        ("getpid", at(0, 5), A, Real::Pid),
        ("getpid", at(0, 0x2_0000_0005), A, Real::Pid),
        ("getpid", [0x1_0000_0005, 0, 7, 0, 0, 0], e(71), Real::Pid),
        ("getpid", at(2, 7), e(80), Real::Pid),
        ("getpid", at(2, 0x2_0000_0000), A, Real::Pid),
        ("getpid", at(2, 0x1_0000_0000), e(80), Real::Pid),
        ("getpid", at(2, 0x2_0000_0001), e(80), Real::Pid),
        ("getppid", at(1, 0xffff_fffe), A, Real::Ppid),
        ("getppid", at(1, 0xffff_ffff), A, Real::Ppid),
        ("getppid", at(1, 0x1_0000_0000), e(72), Real::Ppid),
        ("getppid", at(1, u64::MAX), e(72), Real::Ppid),
        ("getuid", at(2, 0x1_2345_6788), A, Real::Ret(uid)),
        ("getuid", at(2, 0x1_2345_6789), e(73), Real::Ret(uid)),
        ("getuid", at(2, 0x1_2345_678a), e(73), Real::Ret(uid)),
        ("getuid", at(2, 0x2345_6789), A, Real::Ret(uid)),
        ("getuid", at(2, 0x2_0000_0000), e(73), Real::Ret(uid)),
        ("getgid", at(3, 0), e(74), Real::Ret(gid)),
        ("getgid", at(3, 0xffff_ffff), e(74), Real::Ret(gid)),
        ("getgid", at(3, 0x1_0000_0000), A, Real::Ret(gid)),
        ("getgid", at(3, 0x1_0000_0001), A, Real::Ret(gid)),
        ("geteuid", at(4, 0x7fff_ffff), e(75), Real::Ret(euid)),
        ("geteuid", at(4, 0x8000_0000), e(75), Real::Ret(euid)),
        ("geteuid", at(4, 0x8000_0001), A, Real::Ret(euid)),
        ("geteuid", at(4, 0x1_0000_0000), A, Real::Ret(euid)),
        ("geteuid", at(4, 0x1_8000_0000), A, Real::Ret(euid)),
        ("getegid", at(5, 8), e(76), Real::Ret(egid)),
        ("getegid", at(5, 9), A, Real::Ret(egid)),
        ("getegid", at(5, 10), e(76), Real::Ret(egid)),
        ("getegid", at(5, 0x1_0000_0009), e(76), Real::Ret(egid)),
        ("gettid", at(0, 0xffff_ffff), A, Real::Pid),
        ("gettid", at(0, 0x1_0000_0000), e(77), Real::Pid),
        ("gettid", at(0, 0x3_0000_0000), e(77), Real::Pid),
        ("gettid", at(0, 0x2_ffff_ffff), A, Real::Pid),
        ("sched_yield", at(0, 0x12_0000_0003), e(78), Real::Ret(0)),
        ("sched_yield", at(0, 0x12_7777_7703), e(78), Real::Ret(0)),
        ("sched_yield", at(0, 0x12_0000_0004), A, Real::Ret(0)),
        ("sched_yield", at(0, 0x13_0000_0003), A, Real::Ret(0)),
        ("sched_yield", at(0, 0x0000_0003), A, Real::Ret(0)),
        ("sched_yield", at(0, 0x8012_0000_0003), e(78), Real::Ret(0)),
        ("getpgrp", at(1, 2), A, Real::Ret(pgrp)),
        ("getpgrp", at(1, 3), e(79), Real::Ret(pgrp)),
        ("getpgrp", at(1, 4), A, Real::Ret(pgrp)),
        ("getpgrp", at(1, 0x1_0000_0003), e(79), Real::Ret(pgrp)),
        ("getpgrp", at(1, 0x2_0000_0003), A, Real::Ret(pgrp)),
        ("getpgrp", at(1, u64::MAX), e(79), Real::Ret(pgrp)),
        ("getpgrp", at(1, 0xffff_ffff), A, Real::Ret(pgrp)),
        ("getpgrp", at(1, 0xffff_fffe_ffff_ffff), A, Real::Ret(pgrp)),
    ];
    for (name, args, want, real) in &cases {
        check(&c, Door::Native, n64(name), *args, *want, *real);
    }
    // x32 has 64-bit registers: the same decisions; allowed calls get ENOSYS.
    for (name, args, want, _) in &cases {
        check(&c, Door::X32, n64(name), *args, *want, Real::Ret(-ENOSYS));
    }
    assert!(sweep(&c) > 1000);
}

/// On i386 every argument is 32 bits: the same policy's 64-bit constants can never match
/// (or always match, for `<`), and whatever a 64-bit caller leaves in the upper half of a
/// register through `int 0x80` must not change the decision.
#[test]
fn i386_conditions_use_the_low_word_only() {
    let c = compile(
        "default allow
arch x86_64 i386
errno 81 getpgid if arg0 == 0x10000005
errno 82 close if arg0 >= 0x20000 && arg0 <= 0x20002
errno 83 dup if arg0 in {0x30000, 0x30007}
errno 84 getpid if arg0 & 0x4
errno 85 getppid if (arg0 & 0xf0) == 0x30
errno 86 kill if arg0 != 0x10000009
errno 87 lseek if arg1 < 0x10 || arg1 > 0xfffffff0
errno 88 getuid if arg0 == 0x100000005
errno 89 getgid if arg0 < 0x100000000
",
    );
    let highs = [
        0u64,
        1 << 32,
        0xdead_beef_0000_0000,
        0xffff_ffff_0000_0000,
        0x8000_0000_0000_0000,
    ];
    let uid = i64::from(unsafe { libc::getuid() });
    let cases: Vec<(&str, u64, u64, Action, i64)> = vec![
        // (name, argument index, low word, decision, real result when allowed)
        ("getpgid", 0, 0x1000_0004, A, -ESRCH),
        ("getpgid", 0, 0x1000_0005, e(81), -ESRCH),
        ("getpgid", 0, 0x1000_0006, A, -ESRCH),
        ("close", 0, 0x1ffff, A, -EBADF),
        ("close", 0, 0x20000, e(82), -EBADF),
        ("close", 0, 0x20002, e(82), -EBADF),
        ("close", 0, 0x20003, A, -EBADF),
        ("dup", 0, 0x30000, e(83), -EBADF),
        ("dup", 0, 0x30001, A, -EBADF),
        ("dup", 0, 0x30006, A, -EBADF),
        ("dup", 0, 0x30007, e(83), -EBADF),
        ("dup", 0, 0x30008, A, -EBADF),
        ("getppid", 0, 0x2f, A, 0),
        ("getppid", 0, 0x30, e(85), 0),
        ("getppid", 0, 0x3f, e(85), 0),
        ("getppid", 0, 0x40, A, 0),
        ("getppid", 0, 0xffff_ff37, e(85), 0),
        ("kill", 0, 0x1000_0008, e(86), -ESRCH),
        ("kill", 0, 0x1000_0009, A, -ESRCH),
        ("kill", 0, 0x1000_000a, e(86), -ESRCH),
        ("lseek", 1, 0xf, e(87), -EBADF),
        ("lseek", 1, 0x10, A, -EBADF),
        ("lseek", 1, 0xffff_fff0, A, -EBADF),
        ("lseek", 1, 0xffff_fff1, e(87), -EBADF),
        ("getuid", 0, 5, A, uid),
        ("getgid", 0, 0xffff_ffff, e(89), 0),
    ];
    let gid = i64::from(unsafe { libc::getgid() });
    for &(name, i, low, want, real) in &cases {
        for high in highs {
            let mut args = [0u64; 6];
            args[i as usize] = high | low;
            if name == "lseek" {
                args[0] = NOFD;
            }
            let real = match name {
                "getppid" => Real::Ppid,
                "getgid" => Real::Ret(gid),
                _ => Real::Ret(real),
            };
            check(&c, Door::I386, n32(name), args, want, real);
        }
    }
    // getpid: bit 2 of the low word; the high word's bit 2 (bit 34) does not count.
    for (a0, want) in [
        (3u64, A),
        (4, e(84)),
        (0x4_0000_0000, A),
        (0xffff_fffb_ffff_fffb, A),
        (0xffff_ffff_0000_0004, e(84)),
    ] {
        check1(&c, Door::I386, n32("getpid"), a0, want, Real::Pid);
    }
    // The policy does not target x32: badarch (kill by default).
    check1(
        &c,
        Door::X32,
        n64("getpid"),
        0,
        Action::Kill,
        Real::Ret(-ENOSYS),
    );
    assert!(sweep(&c) > 1000);
}

#[test]
fn x32_door() {
    let all = compile("default allow\narch x86_64 i386 x32\nerrno 90 getpid\n");
    check1(&all, Door::X32, n64("getpid"), 0, e(90), Real::Ret(-ENOSYS));
    check1(&all, Door::X32, n64("getppid"), 0, A, Real::Ret(-ENOSYS));
    check1(&all, Door::Native, n64("getpid"), 0, e(90), Real::Pid);
    check1(&all, Door::I386, n32("getpid"), 0, e(90), Real::Pid);
    check1(&all, Door::Native, n64("getppid"), 0, A, Real::Ppid);

    let no_x32 = compile("default allow\narch x86_64 i386\nerrno 90 getpid\n");
    check1(
        &no_x32,
        Door::X32,
        n64("getpid"),
        0,
        Action::Kill,
        Real::Pid,
    );
    check1(
        &no_x32,
        Door::X32,
        n64("getppid"),
        0,
        Action::Kill,
        Real::Pid,
    );
    check1(&no_x32, Door::Native, n64("getppid"), 0, A, Real::Ppid);

    let badarch = compile("default allow\nbadarch errno 91\narch x86_64 i386\nerrno 90 getpid\n");
    check1(&badarch, Door::X32, n64("getpid"), 0, e(91), Real::Pid);
    check1(&badarch, Door::X32, n64("getppid"), 0, e(91), Real::Pid);
    check1(&badarch, Door::I386, n32("getpid"), 0, e(90), Real::Pid);

    // The harness's own native `write` must get through: badarch allow.
    let x32_only = compile("default allow\nbadarch allow\narch x32\nerrno 90 getpid\n");
    check1(
        &x32_only,
        Door::X32,
        n64("getpid"),
        0,
        e(90),
        Real::Ret(-ENOSYS),
    );
    check1(
        &x32_only,
        Door::X32,
        n64("getppid"),
        0,
        A,
        Real::Ret(-ENOSYS),
    );
    check1(&x32_only, Door::Native, n64("getpid"), 0, A, Real::Pid);
    check1(&x32_only, Door::I386, n32("getpid"), 0, A, Real::Pid);
    for c in [&all, &no_x32, &badarch, &x32_only] {
        sweep(c);
    }
}

#[test]
fn every_action_reaches_the_kernel() {
    let c = compile(
        "default allow
arch x86_64 i386 x32
log getppid
trap 5 getpid
kill-thread getpgid
kill gettid
errno 4095 getuid
errno 93 sched_yield if arg0 == 1
trap sched_yield if arg0 == 2
kill sched_yield if arg0 == 3
log sched_yield if arg0 == 4
",
    );
    for door in [Door::Native, Door::I386] {
        let n = |name: &str| match door {
            Door::I386 => n32(name),
            _ => n64(name),
        };
        check1(&c, door, n("getppid"), 0, Action::Log, Real::Ppid);
        check1(&c, door, n("getpid"), 0, Action::Trap(5), Real::Pid);
        check1(&c, door, n("getpgid"), NOPID, Action::KillThread, Real::Pid);
        check1(&c, door, n("gettid"), 0, Action::Kill, Real::Pid);
        check1(&c, door, n("getuid"), 0, e(4095), Real::Pid);
        check1(&c, door, n("sched_yield"), 0, A, Real::Ret(0));
        check1(&c, door, n("sched_yield"), 1, e(93), Real::Ret(0));
        check1(&c, door, n("sched_yield"), 2, Action::Trap(0), Real::Ret(0));
        check1(&c, door, n("sched_yield"), 3, Action::Kill, Real::Ret(0));
        check1(&c, door, n("sched_yield"), 4, Action::Log, Real::Ret(0));
        check1(&c, door, n("sched_yield"), 5, A, Real::Ret(0));
    }
    sweep(&c);
}

/// Argument width follows the parameter type (DESIGN section 4): `close(unsigned int fd)`
/// uses only the low 32 bits of the register on x86_64, so a rule on `arg0` must too, or
/// `close((1 << 32) | fd)` closes `fd` past a rule meant for it.
#[test]
fn native_32_bit_parameter_ignores_high_word() {
    let c = compile("default allow\narch x86_64\nerrno 72 close if arg0 == 0x10005\n");
    check1(
        &c,
        Door::Native,
        n64("close"),
        0x1_0001_0005,
        e(72),
        Real::Ret(-EBADF),
    );
}

/// `&&`, `||`, `!` and parentheses mixing 32- and 64-bit tests and several arguments.
#[test]
fn compound_conditions() {
    let c = compile(
        "default allow
arch x86_64 i386 x32
errno 94 getpid if !(arg0 == 1 || arg1 > 0x100000000) && (arg2 & 0x80000000)
errno 95 getpid if (arg0 == 1 && !(arg1 in {2, 3})) || arg3 not in {0, 4}
kill kill if arg0 == 0x10000011 && arg1 == 0
",
    );
    let at = |a: [u64; 4]| [a[0], a[1], a[2], a[3], 0, 0];
    for (args, want) in [
        (at([0, 0, 0x8000_0000, 0]), e(94)),
        (at([1, 0, 0x8000_0000, 0]), e(95)),
        (at([1, 2, 0x8000_0000, 0]), A),
        (at([0, 0x1_0000_0001, 0x8000_0000, 0]), A),
        (at([0, 0x1_0000_0000, 0x8000_0000, 0]), e(94)),
        (at([0, 0, 0x1_0000_0000, 0]), A),
        (at([0, 0, 0x1_8000_0000, 4]), e(94)),
        (at([0, 0, 0, 5]), e(95)),
        (at([0, 0, 0, 0x1_0000_0004]), e(95)),
        (at([1, 3, 0, 4]), A),
    ] {
        check(&c, Door::Native, n64("getpid"), args, want, Real::Pid);
    }
    // i386: 32-bit view of the same registers.
    for (args, want) in [
        (at([0, 0x1_0000_0001, 0x8000_0000, 0]), e(94)),
        (at([1 << 32 | 1, 2, 0, 0x1_0000_0004]), A),
        (at([1 << 32 | 1, 7, 0, 0]), e(95)),
    ] {
        check(&c, Door::I386, n32("getpid"), args, want, Real::Pid);
    }
    check(
        &c,
        Door::Native,
        n64("kill"),
        [0x1000_0011, 0, 0, 0, 0, 0],
        Action::Kill,
        Real::Ret(-ESRCH),
    );
    check(
        &c,
        Door::Native,
        n64("kill"),
        [0x1000_0012, 0, 0, 0, 0, 0],
        A,
        Real::Ret(-ESRCH),
    );
    sweep(&c);
}
