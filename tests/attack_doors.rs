//! The ways around a deny-list: the same syscall through another ABI's entry point (i386
//! `int 0x80`, x32 bit 30), numbers the tables do not know, `-1`, and junk in the upper half
//! of the number register. Each call is checked in the kernel, the emulator and the IR.

#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

mod common;
mod oracle;

use common::*;
use oracle::*;
use sysgate::policy::ast::Action;

const UNSHARE64: u64 = 272;
const UNSHARE32: u64 = 310;
const GETPID32: u64 = 20;
const DENY: Action = Action::Errno(1);

/// `unshare(0)` does nothing and returns 0; through x32 (not compiled in) ENOSYS.
fn unshare_real(door: Door) -> Real {
    match door {
        Door::X32 => Real::Ret(-ENOSYS),
        _ => Real::Ret(0),
    }
}

fn unshare_nr(door: Door) -> u64 {
    match door {
        Door::I386 => UNSHARE32,
        _ => UNSHARE64,
    }
}

/// The deny-list with every `unknown` setting this test cares about, and the action
/// `unknown` then means.
fn all_arch_policies() -> Vec<(Compiled, Action)> {
    [
        ("", Action::Errno(38)),
        ("unknown errno 38\n", Action::Errno(38)),
        ("unknown errno 94\n", Action::Errno(94)),
        ("unknown kill\n", Action::Kill),
    ]
    .into_iter()
    .map(|(unknown, action)| {
        (
            compile(&format!(
                "default allow\n{unknown}deny unshare\narch x86_64 i386 x32\n"
            )),
            action,
        )
    })
    .collect()
}

#[test]
fn unshare_is_denied_through_every_door() {
    for (c, _) in all_arch_policies() {
        for door in [Door::Native, Door::I386, Door::X32] {
            check1(&c, door, unshare_nr(door), 0, DENY, unshare_real(door));
            // The kernel takes the number from the low 32 bits of rax/eax: junk above must
            // not turn `unshare` into something else for the filter either.
            for junk in [1u64 << 32, 0xffff_ffff_0000_0000] {
                check1(
                    &c,
                    door,
                    unshare_nr(door) | junk,
                    0,
                    DENY,
                    unshare_real(door),
                );
            }
        }
        // Other calls stay allowed.
        check1(&c, Door::Native, 39, 0, Action::Allow, Real::Pid);
        check1(&c, Door::I386, GETPID32, 0, Action::Allow, Real::Pid);
        sweep(&c);
    }
}

#[test]
fn numbers_beyond_the_tables_get_unknown() {
    for (c, unknown) in all_arch_policies() {
        let gone = Real::Ret(-ENOSYS);
        for nr in [
            500,
            // x32-only numbers are not x86_64 syscalls.
            512,
            547,
            1000,
            0x3fff_ffff,
            // -1: the kernel's "no syscall" (seccomp sees 0xffffffff); IR keeps it in x86_64.
            u64::MAX,
            0xffff_ffff,
        ] {
            check1(&c, Door::Native, nr, 0, unknown, gone);
        }
        for nr in [600, 1000, 0x3fff_ffff, 0x4000_0000 | GETPID32, 0xffff_ffff] {
            check1(&c, Door::I386, nr, 0, unknown, gone);
        }
        // x32: beyond the table, and x86_64-only numbers (13 = x86_64 rt_sigaction, which
        // x32 has at 512) with bit 30.
        for nr in [1000, 0x3fff_ffff, 13, 548] {
            check1(&c, Door::X32, nr, 0, unknown, gone);
        }
        // Bit 31 natively: not x86_64, decided as x32 (seccomp sees 0x80000110).
        check1(&c, Door::Native, 0x8000_0000 | UNSHARE64, 0, unknown, gone);
    }
}

#[test]
fn x86_64_only_policy_kills_the_other_doors() {
    for (badarch, action) in [
        ("", Action::Kill),
        ("badarch trap\n", Action::Trap(0)),
        ("badarch errno 95\n", Action::Errno(95)),
    ] {
        let c = compile(&format!(
            "default allow\n{badarch}deny unshare\narch x86_64\n"
        ));
        check1(&c, Door::Native, UNSHARE64, 0, DENY, Real::Ret(0));
        check1(&c, Door::I386, UNSHARE32, 0, action, Real::Ret(0));
        check1(&c, Door::X32, UNSHARE64, 0, action, Real::Ret(-ENOSYS));
        check1(&c, Door::I386, GETPID32, 0, action, Real::Pid);
        check1(&c, Door::X32, 39, 0, action, Real::Ret(-ENOSYS));
        check1(&c, Door::X32, 1000, 0, action, Real::Ret(-ENOSYS));
        check1(
            &c,
            Door::Native,
            0x8000_0000 | UNSHARE64,
            0,
            action,
            Real::Ret(-ENOSYS),
        );
        // Still x86_64: unknown numbers and -1.
        check1(
            &c,
            Door::Native,
            1000,
            0,
            Action::Errno(38),
            Real::Ret(-ENOSYS),
        );
        check1(
            &c,
            Door::Native,
            u64::MAX,
            0,
            Action::Errno(38),
            Real::Ret(-ENOSYS),
        );
        check1(&c, Door::Native, 39, 0, Action::Allow, Real::Pid);
        sweep(&c);
    }
}

/// An allow-list is not widened by another door: i386 and x32 are decided by their own
/// sections, and a number only valid on one ABI is `unknown` on the others.
#[test]
fn allow_list_per_door() {
    let c = compile(
        "default errno 96
unknown errno 97
arch x86_64 i386 x32
allow write exit_group getpid
",
    );
    check1(&c, Door::Native, 39, 0, Action::Allow, Real::Pid);
    check1(&c, Door::I386, GETPID32, 0, Action::Allow, Real::Pid);
    check1(&c, Door::X32, 39, 0, Action::Allow, Real::Ret(-ENOSYS));
    for door in [Door::Native, Door::I386, Door::X32] {
        check1(
            &c,
            door,
            unshare_nr(door),
            0,
            Action::Errno(96),
            unshare_real(door),
        );
    }
    // i386's getpid number (20) natively is x86_64 `writev`: denied by default.
    check1(
        &c,
        Door::Native,
        20,
        0x10000,
        Action::Errno(96),
        Real::Ret(-EBADF),
    );
    // x86_64's getpid number (39) through int 0x80 is i386 `mkdir`: denied by default.
    check1(&c, Door::I386, 39, 0, Action::Errno(96), Real::Ret(0));
    check1(
        &c,
        Door::Native,
        600,
        0,
        Action::Errno(97),
        Real::Ret(-ENOSYS),
    );
    check1(&c, Door::X32, 13, 0, Action::Errno(97), Real::Ret(-ENOSYS));
    check1(
        &c,
        Door::Native,
        u64::MAX,
        0,
        Action::Errno(97),
        Real::Ret(-ENOSYS),
    );
    sweep(&c);
}

/// `umode_t` is 16 bits: the kernel truncates the register, so `fchmod(fd, 0x10000 | m)`
/// sets mode `m`. A rule on `mode` must decide on those 16 bits, through every door, or
/// `deny fchmod if mode == 04755` could be dodged by setting bit 16.
#[test]
fn mode_bits_above_16_do_not_dodge_a_rule() {
    use std::os::unix::fs::PermissionsExt;
    const FCHMOD64: u64 = 91;
    const FCHMOD32: u64 = 94;
    const HIGH: u64 = 0x1_0000;

    // The independent fact: without a filter, the kernel ignores bit 16.
    let dir = tmpdir("umode");
    let path = dir.join("f");
    let file = std::fs::File::create(&path).expect("create");
    let fd = std::os::fd::AsRawFd::as_raw_fd(&file) as u64;
    let r = raw_syscall(Door::Native, FCHMOD64, [fd, HIGH | 0o640, 0, 0, 0, 0]);
    assert_eq!(r, 0, "fchmod with bit 16 set");
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
    assert_eq!(mode & 0o7777, 0o640, "the kernel keeps the low 16 bits");

    let eq = compile("default allow\narch x86_64 i386 x32\ndeny fchmod if mode == 0o4755\n");
    let ge = compile("default allow\narch x86_64 i386 x32\ndeny fchmod if mode >= 0o4000\n");
    // fd -1: an allowed call fails with EBADF and changes nothing.
    let bad_fd = u64::MAX;
    for (door, nr) in [(Door::Native, FCHMOD64), (Door::I386, FCHMOD32)] {
        let args = |mode: u64| [bad_fd, mode, 0, 0, 0, 0];
        let allowed = Real::Ret(-EBADF);
        check(&eq, door, nr, args(HIGH | 0o4755), DENY, allowed);
        check(&eq, door, nr, args(0o4755), DENY, allowed);
        check(&eq, door, nr, args(HIGH | 0o755), Action::Allow, allowed);
        check(&ge, door, nr, args(HIGH | 0o755), Action::Allow, allowed);
        check(&ge, door, nr, args(0xffff_0000 | 0o6755), DENY, allowed);
        check(&ge, door, nr, args(0o755), Action::Allow, allowed);
    }
    sweep(&eq);
    sweep(&ge);
}

/// The legacy `setuid` of i386 (`setuid16`) takes a 16-bit `old_uid_t`: the kernel drops
/// the bits above, so a rule on `uid` must hold for `uid | 0x10000` too. The native
/// `setuid` takes 32 bits and is compared on all of them. Likewise `fchown`'s owner.
#[test]
fn uid_bits_above_16_do_not_dodge_a_legacy_setuid_rule() {
    const SETUID64: u64 = 105;
    const SETUID16: u64 = 23;
    const GETUID64: u64 = 102;
    const HIGH: u64 = 0x1_0000;
    let uid = raw_syscall(Door::Native, GETUID64, [0; 6]) as u64;

    // The independent fact: without a filter, setuid16(0x10000 | uid) sets `uid` (had the
    // kernel kept bit 16, the child's uid would be 0x10000 | uid, or the call refused).
    let none = compile("default allow\narch x86_64 i386 x32\n");
    let got = run_filtered(&none.prog.insns, || {
        let r = raw_syscall(Door::I386, SETUID16, [HIGH | uid, 0, 0, 0, 0, 0]);
        if r != 0 {
            return -1000 + r;
        }
        raw_syscall(Door::Native, GETUID64, [0; 6])
    });
    assert_eq!(got, Outcome::Returned(uid as i64), "setuid16 keeps 16 bits");

    let c = compile(&format!(
        "default allow\narch x86_64 i386 x32\ndeny setuid if uid == {uid}\n"
    ));
    for (door, nr, arg) in [
        (Door::I386, SETUID16, HIGH | uid),
        (Door::I386, SETUID16, uid),
        (Door::Native, SETUID64, uid),
    ] {
        check(&c, door, nr, [arg, 0, 0, 0, 0, 0], DENY, Real::Ret(0));
    }
    // Natively bit 16 is part of the uid: another uid, which the rule does not name.
    let d = seen(Door::Native, SETUID64, [HIGH | uid, 0, 0, 0, 0, 0]);
    assert_eq!(model(&c, &d), Action::Allow);
    sweep(&c);

    // The same for i386's fchown (fchown16): fd -1, so an allowed call fails with EBADF.
    const FCHOWN16: u64 = 95;
    let c = compile("default allow\narch x86_64 i386 x32\ndeny fchown if owner == 0\n");
    let bad_fd = u64::MAX;
    for owner in [0, HIGH] {
        let args = [bad_fd, owner, 0xffff, 0, 0, 0];
        check(&c, Door::I386, FCHOWN16, args, DENY, Real::Ret(-EBADF));
    }
    let args = [bad_fd, HIGH | 1, 0xffff, 0, 0, 0];
    check(
        &c,
        Door::I386,
        FCHOWN16,
        args,
        Action::Allow,
        Real::Ret(-EBADF),
    );
    sweep(&c);
}

/// A parameter sysgate has no hand-written signature for takes the kernel's declared type:
/// `dup2`'s `newfd` is an `unsigned int`, so natively junk above bit 31 does not dodge
/// `newfd == 100` (the kernel reads 100). oldfd -1: an allowed call fails with EBADF.
#[test]
fn int_parameters_ignore_the_upper_half_of_the_register() {
    const DUP2: u64 = 33;
    // By name on the 64-bit ABIs; by position on all (i386 has no names for it).
    for text in [
        "default allow\narch x86_64 x32\ndeny dup2 if newfd == 100\n",
        "default allow\narch x86_64 i386 x32\ndeny dup2 if arg1 == 100\n",
    ] {
        let c = compile(text);
        for newfd in [100, (1 << 32) | 100, 0xffff_ffff_0000_0064] {
            let args = [u64::MAX, newfd, 0, 0, 0, 0];
            check(&c, Door::Native, DUP2, args, DENY, Real::Ret(-EBADF));
        }
        let other = [u64::MAX, (1 << 32) | 101, 0, 0, 0, 0];
        check(
            &c,
            Door::Native,
            DUP2,
            other,
            Action::Allow,
            Real::Ret(-EBADF),
        );
        sweep(&c);
    }
}
