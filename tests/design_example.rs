//! The example policy of DESIGN.md §4 does what its text says, on x86_64, i386, x32 and
//! aarch64: checked in the emulator and against the resolved policy for every statement,
//! and in the kernel for the native and i386 doors.
//!
//! Expected values are written from the kernel's UAPI headers (CLONE_NEWUSER = 0x10000000,
//! AF_ALG = 38, …), not computed by sysgate.

mod common;

use common::{expect_errno, raw_syscall, run_filtered, Door};
use sysgate::arch::{Arch, X32_SYSCALL_BIT};
use sysgate::bpf::emulator::{run, SeccompData};
use sysgate::policy::{Options, Policy};

const EXAMPLE: &str = include_str!("data/design_example.policy");

const ALLOW: u32 = 0x7fff_0000;
const EPERM: u32 = 0x0005_0001;
const ENOSYS: u32 = 0x0005_0026;

const ARCHES: [Arch; 4] = [Arch::X86_64, Arch::I386, Arch::X32, Arch::Aarch64];

fn policy(arches: &[Arch]) -> Policy {
    let src = sysgate::policy::diag::Source::new("design.policy", EXAMPLE);
    Policy::from_source(
        src,
        &Options {
            arches: Some(arches.to_vec()),
        },
    )
    .unwrap()
}

/// The filter's answer, checked to equal the resolved policy's.
fn decide(p: &Policy, prog: &[sysgate::bpf::Insn], arch: Arch, nr: u32, args: [u64; 6]) -> u32 {
    let data = SeccompData {
        nr,
        arch: arch.audit_arch(),
        instruction_pointer: 0,
        args,
    };
    let got = run(prog, &data).unwrap().ret;
    let ir = p
        .resolved
        .decide(arch.audit_arch(), nr, &args)
        .action
        .ret_value();
    assert_eq!(
        got, ir,
        "filter and policy disagree: {arch} nr {nr:#x} {args:?}"
    );
    got
}

fn nr(arch: Arch, name: &str) -> u32 {
    arch.syscall_nr(name)
        .unwrap_or_else(|| panic!("{name} on {arch}"))
}

#[test]
fn every_statement_decides_as_written() {
    let p = policy(&ARCHES);
    let prog = p.compile().unwrap().insns;
    let d = |arch, name: &str, args: [u64; 6]| decide(&p, &prog, arch, nr(arch, name), args);
    for arch in ARCHES {
        // default allow
        assert_eq!(d(arch, "read", [0; 6]), ALLOW, "{arch}");
        assert_eq!(d(arch, "openat", [0; 6]), ALLOW, "{arch}");
        // the deny block: groups and names
        for name in [
            "mount",
            "umount2",
            "init_module",
            "finit_module",
            "delete_module",
            "reboot",
            "swapon",
            "swapoff",
            "settimeofday",
            "clock_settime",
            "adjtimex",
            "keyctl",
            "add_key",
            "request_key",
            "bpf",
            "perf_event_open",
            "userfaultfd",
            "kexec_load",
        ] {
            assert_eq!(d(arch, name, [0; 6]), EPERM, "{arch} {name}");
        }
        // clone3 -> ENOSYS
        assert_eq!(d(arch, "clone3", [0; 6]), ENOSYS, "{arch}");
        // clone flags: CLONE_NEWUSER 0x10000000, CLONE_NEWNS 0x20000, CLONE_NEWNET 0x40000000
        for bad in [
            0x1000_0000u64,
            0x2_0000,
            0x4000_0000,
            0x1000_0000 | 0x100 | 0x11,
        ] {
            assert_eq!(
                d(arch, "clone", [bad, 0, 0, 0, 0, 0]),
                EPERM,
                "{arch} {bad:#x}"
            );
        }
        // CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD, a thread: allowed.
        assert_eq!(
            d(arch, "clone", [0x0001_0f00, 0, 0, 0, 0, 0]),
            ALLOW,
            "{arch}"
        );
        assert_eq!(d(arch, "clone", [0x11, 0, 0, 0, 0, 0]), ALLOW, "{arch}");
        // socket domains: AF_ALG 38, AF_VSOCK 40 denied; AF_INET 2, AF_UNIX 1 allowed.
        assert_eq!(d(arch, "socket", [38, 5, 0, 0, 0, 0]), EPERM, "{arch}");
        assert_eq!(d(arch, "socket", [40, 1, 0, 0, 0, 0]), EPERM, "{arch}");
        assert_eq!(d(arch, "socket", [2, 1, 0, 0, 0, 0]), ALLOW, "{arch}");
        assert_eq!(d(arch, "socket", [1, 1, 0, 0, 0, 0]), ALLOW, "{arch}");
        // personality: the listed personas only (PER_LINUX32 = 8).
        for ok in [0u64, 8, 0x20000, 0x20008, 0xffff_ffff] {
            assert_eq!(
                d(arch, "personality", [ok, 0, 0, 0, 0, 0]),
                ALLOW,
                "{arch} {ok:#x}"
            );
        }
        for bad in [1u64, 7, 9, 0x20001, 0x0040_0000] {
            assert_eq!(
                d(arch, "personality", [bad, 0, 0, 0, 0, 0]),
                EPERM,
                "{arch} {bad:#x}"
            );
        }
    }
    // unknown errno ENOSYS: numbers beyond each table.
    for (arch, n) in [
        (Arch::X86_64, 1000),
        (Arch::X86_64, 0x3fff_ffff),
        (Arch::I386, 1000),
        (Arch::X32, X32_SYSCALL_BIT | 1000),
        (Arch::Aarch64, 1000),
        (Arch::Aarch64, u32::MAX),
    ] {
        assert_eq!(decide(&p, &prog, arch, n, [0; 6]), ENOSYS, "{arch} {n:#x}");
    }
    // @raw-io exists on x86 only: iopl is denied on x86_64/i386 (aarch64 has no iopl).
    assert_eq!(d(Arch::X86_64, "iopl", [0; 6]), EPERM);
    assert_eq!(d(Arch::I386, "iopl", [0; 6]), EPERM);
    assert_eq!(Arch::Aarch64.syscall_nr("iopl"), None);
}

#[test]
fn socketcall_is_governed_conservatively_on_i386() {
    let p = policy(&ARCHES);
    let prog = p.compile().unwrap().insns;
    let sc = nr(Arch::I386, "socketcall");
    // socketcall(SYS_SOCKET = 1, …): the domain is behind the pointer, so the deny rule
    // applies to every socket() made this way.
    assert_eq!(
        decide(&p, &prog, Arch::I386, sc, [1, 0x1000, 0, 0, 0, 0]),
        EPERM
    );
    // Other socket calls through socketcall are untouched (SYS_CONNECT = 3).
    assert_eq!(
        decide(&p, &prog, Arch::I386, sc, [3, 0x1000, 0, 0, 0, 0]),
        ALLOW
    );
    // And a warning says so, on the `deny socket` line.
    let line = EXAMPLE
        .lines()
        .position(|l| l.starts_with("deny socket"))
        .unwrap()
        + 1;
    assert!(p
        .warnings
        .iter()
        .any(|w| w.message.contains("socketcall") && w.line as usize == line));
}

#[test]
fn the_kernel_agrees_natively_and_through_int_0x80() {
    // x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl) and i386 ones (syscall_32.tbl).
    const PERSONALITY_64: u64 = 135;
    const SOCKET_64: u64 = 41;
    const CLONE3_64: u64 = 435;
    const KEYCTL_64: u64 = 250;
    const PERSONALITY_32: u64 = 136;
    const SOCKETCALL_32: u64 = 102;
    const SOCKET_32: u64 = 359;
    let p = policy(&[Arch::X86_64, Arch::I386, Arch::X32]);
    let prog = p.compile().unwrap().insns;
    let call = |door, nr, args| run_filtered(&prog, move || raw_syscall(door, nr, args));

    assert_eq!(
        expect_errno(&call(Door::Native, PERSONALITY_64, [1, 0, 0, 0, 0, 0])),
        Some(1)
    );
    // personality(0xffffffff) only queries: allowed, returns the current persona (0).
    assert_eq!(
        common::expect_returned(&call(
            Door::Native,
            PERSONALITY_64,
            [0xffff_ffff, 0, 0, 0, 0, 0]
        )),
        Some(0)
    );
    assert_eq!(
        expect_errno(&call(Door::Native, SOCKET_64, [38, 5, 0, 0, 0, 0])),
        Some(1)
    );
    // clone3 with a null argument: ENOSYS from the filter (the kernel would say EFAULT).
    assert_eq!(
        expect_errno(&call(Door::Native, CLONE3_64, [0, 0, 0, 0, 0, 0])),
        Some(38)
    );
    assert_eq!(
        expect_errno(&call(Door::Native, KEYCTL_64, [0, 0, 0, 0, 0, 0])),
        Some(1)
    );
    // A 32-bit persona with garbage in the high word is still the persona the kernel sees.
    assert_eq!(
        expect_errno(&call(
            Door::Native,
            PERSONALITY_64,
            [0xdead_0000_0000_0001, 0, 0, 0, 0, 0]
        )),
        Some(1)
    );

    assert_eq!(
        expect_errno(&call(Door::I386, PERSONALITY_32, [1, 0, 0, 0, 0, 0])),
        Some(1)
    );
    assert_eq!(
        expect_errno(&call(Door::I386, SOCKET_32, [40, 1, 0, 0, 0, 0])),
        Some(1)
    );
    assert_eq!(
        expect_errno(&call(Door::I386, SOCKETCALL_32, [1, 0, 0, 0, 0, 0])),
        Some(1)
    );
    // socketcall(SYS_CONNECT) with a null pointer is allowed through: the kernel says EFAULT.
    assert_eq!(
        expect_errno(&call(Door::I386, SOCKETCALL_32, [3, 0, 0, 0, 0, 0])),
        Some(14)
    );
}
