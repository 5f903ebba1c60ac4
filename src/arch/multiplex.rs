//! Syscalls that some ABIs also reach through a multiplexer: `socketcall(2)` and `ipc(2)`.
//!
//! On i386, s390x and powerpc the socket calls and the SysV IPC calls were first only
//! available as `socketcall(call, args)` and `ipc(call, first, second, third, ptr, fifth)`;
//! the direct syscalls were added later (Linux 4.3 for x86 sockets, 5.1 for IPC on most) but
//! the multiplexers were never removed. A filter that denies `socket` must therefore also
//! deny `socketcall` with `call == SYS_SOCKET`, or the rule is trivially bypassed.
//!
//! The call numbers come from `linux/net.h` (`SYS_SOCKET`…) and `linux/ipc.h`
//! (`SEMOP`…). `ipc` keeps a version number in the high 16 bits of `call`, hence
//! [`Multiplexer::call_mask`]. The arguments of a multiplexed call sit behind a pointer
//! (`socketcall`) or in shifted registers (`ipc`), so argument conditions on the original
//! syscall cannot simply be reused for the multiplexed entry.
//!
//! `semtimedop_time64`, `recvmmsg_time64` and the like have no multiplexed form (the
//! multiplexers take the old 32-bit `timespec`); the multiplexed `SEMTIMEDOP` and
//! `SYS_RECVMMSG` are listed under `semtimedop` and `recvmmsg`.

use super::Arch;

/// A multiplexing syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Multiplexer {
    Socketcall,
    Ipc,
}

impl Multiplexer {
    /// The multiplexer's own syscall name.
    pub const fn syscall_name(self) -> &'static str {
        match self {
            Multiplexer::Socketcall => "socketcall",
            Multiplexer::Ipc => "ipc",
        }
    }
    /// The bits of argument 0 that select the call (`ipc` keeps a version in the high 16).
    pub const fn call_mask(self) -> u32 {
        match self {
            Multiplexer::Socketcall => 0xffff_ffff,
            Multiplexer::Ipc => 0xffff,
        }
    }
}

/// One way a syscall is reached through a multiplexer: `via` with argument 0 == `call`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Multiplexed {
    pub via: Multiplexer,
    pub call: u32,
}

/// `socketcall` calls (`linux/net.h`), as (call, the syscall it performs).
/// `SYS_SEND`/`SYS_RECV` perform `send`/`recv`, which the kernel implements as
/// `sendto`/`recvfrom` with no address.
const SOCKETCALL: [(u32, &str); 20] = [
    (1, "socket"),
    (2, "bind"),
    (3, "connect"),
    (4, "listen"),
    (5, "accept"),
    (6, "getsockname"),
    (7, "getpeername"),
    (8, "socketpair"),
    (9, "send"),
    (10, "recv"),
    (11, "sendto"),
    (12, "recvfrom"),
    (13, "shutdown"),
    (14, "setsockopt"),
    (15, "getsockopt"),
    (16, "sendmsg"),
    (17, "recvmsg"),
    (18, "accept4"),
    (19, "recvmmsg"),
    (20, "sendmmsg"),
];

/// `ipc` calls (`linux/ipc.h`).
const IPC: [(u32, &str); 12] = [
    (1, "semop"),
    (2, "semget"),
    (3, "semctl"),
    (4, "semtimedop"),
    (11, "msgsnd"),
    (12, "msgrcv"),
    (13, "msgget"),
    (14, "msgctl"),
    (21, "shmat"),
    (22, "shmdt"),
    (23, "shmget"),
    (24, "shmctl"),
];

/// Extra calls that perform a syscall under another name: `sendto` with no address is
/// `SYS_SEND`, `recvfrom` with no address is `SYS_RECV`.
const SOCKETCALL_ALIASES: [(u32, &str); 2] = [(9, "sendto"), (10, "recvfrom")];

fn has(arch: Arch, via: Multiplexer) -> bool {
    arch.syscall_nr(via.syscall_name()).is_some()
}

/// The multiplexer entries that also perform syscall `name` on `arch` (empty when `arch`
/// has no multiplexer for it). Sorted by multiplexer, then call number.
///
/// `sendto` also covers `SYS_SEND` and `recvfrom` also covers `SYS_RECV`; `accept` is
/// only `SYS_ACCEPT` and `accept4` only `SYS_ACCEPT4`.
pub fn multiplexed(arch: Arch, name: &str) -> Vec<Multiplexed> {
    let mut out = Vec::new();
    for (via, calls, aliases) in [
        (
            Multiplexer::Socketcall,
            &SOCKETCALL[..],
            &SOCKETCALL_ALIASES[..],
        ),
        (Multiplexer::Ipc, &IPC[..], &[][..]),
    ] {
        if !has(arch, via) {
            continue;
        }
        let mut calls: Vec<u32> = calls
            .iter()
            .chain(aliases)
            .filter(|(_, n)| *n == name)
            .map(|(c, _)| *c)
            .collect();
        calls.sort_unstable();
        out.extend(calls.into_iter().map(|call| Multiplexed { via, call }));
    }
    out
}

/// Every call of multiplexer `via` on `arch` as (call number, syscall name), sorted by
/// number; empty when `arch` does not have that multiplexer. Each call appears once,
/// under its own name (`9` is `send`, `10` is `recv`).
pub fn multiplexed_calls(arch: Arch, via: Multiplexer) -> Vec<(u32, &'static str)> {
    if !has(arch, via) {
        return Vec::new();
    }
    match via {
        Multiplexer::Socketcall => SOCKETCALL.to_vec(),
        Multiplexer::Ipc => IPC.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc(call: u32) -> Multiplexed {
        Multiplexed {
            via: Multiplexer::Socketcall,
            call,
        }
    }
    fn ipc(call: u32) -> Multiplexed {
        Multiplexed {
            via: Multiplexer::Ipc,
            call,
        }
    }

    #[test]
    fn socket_calls_on_multiplexing_arches() {
        for a in [Arch::I386, Arch::S390x, Arch::Ppc64le] {
            assert_eq!(multiplexed(a, "socket"), vec![sc(1)], "{a}");
            assert_eq!(multiplexed(a, "connect"), vec![sc(3)]);
            assert_eq!(multiplexed(a, "accept"), vec![sc(5)]);
            assert_eq!(multiplexed(a, "accept4"), vec![sc(18)]);
            assert_eq!(multiplexed(a, "sendto"), vec![sc(9), sc(11)]);
            assert_eq!(multiplexed(a, "recvfrom"), vec![sc(10), sc(12)]);
            assert_eq!(multiplexed(a, "send"), vec![sc(9)]);
            assert_eq!(multiplexed(a, "sendmmsg"), vec![sc(20)]);
            assert_eq!(multiplexed(a, "semop"), vec![ipc(1)]);
            assert_eq!(multiplexed(a, "semtimedop"), vec![ipc(4)]);
            assert_eq!(multiplexed(a, "msgrcv"), vec![ipc(12)]);
            assert_eq!(multiplexed(a, "shmctl"), vec![ipc(24)]);
            assert!(multiplexed(a, "openat").is_empty());
        }
    }

    #[test]
    fn nothing_where_there_is_no_multiplexer() {
        for a in [
            Arch::X86_64,
            Arch::X32,
            Arch::Aarch64,
            Arch::Arm,
            Arch::Riscv64,
            Arch::Loongarch64,
        ] {
            assert!(multiplexed(a, "socket").is_empty(), "{a}");
            assert!(multiplexed(a, "shmat").is_empty(), "{a}");
            assert!(multiplexed_calls(a, Multiplexer::Socketcall).is_empty());
            assert!(multiplexed_calls(a, Multiplexer::Ipc).is_empty());
        }
    }

    #[test]
    fn call_lists() {
        let s = multiplexed_calls(Arch::I386, Multiplexer::Socketcall);
        assert_eq!(s.len(), 20);
        assert_eq!(s[0], (1, "socket"));
        assert_eq!(s[19], (20, "sendmmsg"));
        assert!(s.windows(2).all(|w| w[0].0 + 1 == w[1].0));
        let i = multiplexed_calls(Arch::S390x, Multiplexer::Ipc);
        assert_eq!(i.len(), 12);
        assert!(i.contains(&(21, "shmat")));
        assert!(i.contains(&(13, "msgget")));
        // Every name listed is a real syscall name somewhere.
        let all = crate::arch::all_syscall_names();
        for (_, n) in s.iter().chain(&i) {
            assert!(all.contains(n), "{n}");
        }
    }
}
