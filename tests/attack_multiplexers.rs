//! The i386 multiplexers are doors too: a rule on `shmget` or `connect` must also stop
//! `ipc(SHMGET, …)` and `socketcall(SYS_CONNECT, …)` made through `int 0x80`, in the kernel.

mod common;

use common::{expect_errno, raw_syscall, run_filtered, Door};
use sysgate::policy::Policy;

// i386 numbers from arch/x86/entry/syscalls/syscall_32.tbl; call numbers from
// include/uapi/linux/net.h and ipc/syscall.c.
const IPC: u64 = 117;
const SOCKETCALL: u64 = 102;
const SEMGET: u64 = 2;
const SHMDT: u64 = 22;
const SHMGET: u64 = 23;
const SYS_SOCKET: u64 = 1;
const SYS_CONNECT: u64 = 3;
const EFAULT: i32 = 14;
const EINVAL: i32 = 22;

fn program(text: &str) -> Vec<sysgate::bpf::Insn> {
    Policy::parse("mux.policy", text)
        .unwrap()
        .compile()
        .unwrap()
        .insns
}

fn i386(prog: &[sysgate::bpf::Insn], nr: u64, args: [u64; 6]) -> Option<i32> {
    expect_errno(&run_filtered(prog, move || {
        raw_syscall(Door::I386, nr, args)
    }))
}

#[test]
fn ipc_calls_follow_the_rules_of_their_syscalls() {
    let prog = program("default allow\narch x86_64 i386 x32\nerrno 71 shmget semget msgget\n");
    assert_eq!(i386(&prog, IPC, [SHMGET, 0, 0, 0, 0, 0]), Some(71));
    assert_eq!(i386(&prog, IPC, [SEMGET, 0, 0, 0, 0, 0]), Some(71));
    // The kernel ignores the version in the upper 16 bits of the call: so must the filter.
    assert_eq!(
        i386(&prog, IPC, [(1 << 16) | SHMGET, 0, 0, 0, 0, 0]),
        Some(71)
    );
    // Other ipc calls run: shmdt(NULL) fails with EINVAL in the kernel.
    assert_eq!(i386(&prog, IPC, [SHMDT, 0, 0, 0, 0, 0]), Some(EINVAL));
}

#[test]
fn socketcall_follows_the_rules_of_socket_calls() {
    let prog = program("default allow\narch x86_64 i386 x32\nerrno 72 connect\n");
    assert_eq!(
        i386(&prog, SOCKETCALL, [SYS_CONNECT, 0, 0, 0, 0, 0]),
        Some(72)
    );
    // socket() through socketcall runs (and faults on the null argument pointer).
    assert_eq!(
        i386(&prog, SOCKETCALL, [SYS_SOCKET, 0, 0, 0, 0, 0]),
        Some(EFAULT)
    );
    // An allow-list that allows socket but not connect: the same through socketcall.
    let allow = program("default errno 73\narch x86_64 i386 x32\nallow write exit_group socket\n");
    assert_eq!(
        i386(&allow, SOCKETCALL, [SYS_SOCKET, 0, 0, 0, 0, 0]),
        Some(EFAULT)
    );
    assert_eq!(
        i386(&allow, SOCKETCALL, [SYS_CONNECT, 0, 0, 0, 0, 0]),
        Some(73)
    );
}
