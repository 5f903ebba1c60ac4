//! Syscall name/number tables per ABI.
//!
//! Eight of the nine tables come from the `syscalls` crate, which is generated from the
//! kernel's own `syscall.tbl` files. x32 is not in that crate: it is built here from the
//! x86_64 table (the entries the kernel marks `common`, with bit 30 set) plus the x32-only
//! range 512–547. arm's private syscalls above `__ARM_NR_BASE` (e.g. `set_tls`, which
//! glibc calls on every thread start) are added by hand for the same reason.

use super::{Arch, X32_SYSCALL_BIT};
use std::collections::HashMap;
use std::sync::OnceLock;

type Table = Vec<(&'static str, u32)>;

/// The table for `arch`, sorted by number; built once on first use.
pub(super) fn table(arch: Arch) -> &'static [(&'static str, u32)] {
    static TABLES: [OnceLock<Table>; 9] = [const { OnceLock::new() }; 9];
    let idx = Arch::ALL.iter().position(|a| *a == arch).unwrap_or(0);
    TABLES[idx].get_or_init(|| {
        let mut t = build(arch);
        t.sort_by_key(|(_, nr)| *nr);
        t
    })
}

/// The table for `arch` indexed by name; built once on first use.
pub(super) fn by_name(arch: Arch) -> &'static HashMap<&'static str, u32> {
    static MAPS: [OnceLock<HashMap<&'static str, u32>>; 9] = [const { OnceLock::new() }; 9];
    let idx = Arch::ALL.iter().position(|a| *a == arch).unwrap_or(0);
    MAPS[idx].get_or_init(|| table(arch).iter().copied().collect())
}

macro_rules! from_crate {
    ($m:ident) => {
        syscalls::$m::Sysno::iter()
            // The crate spells Rust keywords as raw identifiers (`r#break`).
            .map(|s| (s.name().trim_start_matches("r#"), s.id() as u32))
            .collect::<Table>()
    };
}

fn build(arch: Arch) -> Table {
    match arch {
        Arch::X86_64 => from_crate!(x86_64),
        Arch::I386 => from_crate!(x86),
        Arch::X32 => x32(),
        Arch::Aarch64 => from_crate!(aarch64),
        Arch::Arm => {
            let mut t = from_crate!(arm);
            t.extend(ARM_PRIVATE.iter().copied());
            t
        }
        Arch::Riscv64 => from_crate!(riscv64),
        Arch::S390x => from_crate!(s390x),
        Arch::Ppc64le => from_crate!(powerpc64),
        Arch::Loongarch64 => from_crate!(loongarch64),
    }
}

/// arm's `__ARM_NR_*` calls (arch/arm/include/uapi/asm/unistd.h, base 0x0f0000).
const ARM_PRIVATE: [(&str, u32); 6] = [
    ("breakpoint", 0x0f_0001),
    ("cacheflush", 0x0f_0002),
    ("usr26", 0x0f_0003),
    ("usr32", 0x0f_0004),
    ("set_tls", 0x0f_0005),
    ("get_tls", 0x0f_0006),
];

/// Entries of the x86_64 table marked `64` in arch/x86/entry/syscalls/syscall_64.tbl: they
/// are not reachable with the x32 bit (x32 has its own numbers for most of them below).
const X86_64_ONLY: [u32; 47] = [
    13, 15, 16, 19, 20, 45, 46, 47, 54, 55, 59, 101, 127, 128, 129, 131, 134, 156, 174, 177, 178,
    180, 205, 206, 209, 211, 214, 215, 222, 236, 244, 246, 247, 273, 274, 278, 279, 295, 296, 297,
    299, 307, 310, 311, 322, 327, 328,
];

/// The x32-only entries, 512–547 (marked `x32` in syscall_64.tbl).
const X32_ONLY: [&str; 36] = [
    "rt_sigaction",
    "rt_sigreturn",
    "ioctl",
    "readv",
    "writev",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "execve",
    "ptrace",
    "rt_sigpending",
    "rt_sigtimedwait",
    "rt_sigqueueinfo",
    "sigaltstack",
    "timer_create",
    "mq_notify",
    "kexec_load",
    "waitid",
    "set_robust_list",
    "get_robust_list",
    "vmsplice",
    "move_pages",
    "preadv",
    "pwritev",
    "rt_tgsigqueueinfo",
    "recvmmsg",
    "sendmmsg",
    "process_vm_readv",
    "process_vm_writev",
    "setsockopt",
    "getsockopt",
    "io_setup",
    "io_submit",
    "execveat",
    "preadv2",
    "pwritev2",
];

fn x32() -> Table {
    let only64 = &X86_64_ONLY;
    let mut t: Table = syscalls::x86_64::Sysno::iter()
        .filter(|s| !only64.contains(&(s.id() as u32)))
        .map(|s| (s.name(), s.id() as u32 | X32_SYSCALL_BIT))
        .collect();
    t.extend(
        X32_ONLY
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, (512 + i as u32) | X32_SYSCALL_BIT)),
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_numbers() {
        // Spot checks against the kernel's syscall tables.
        assert_eq!(Arch::X86_64.syscall_nr("unshare"), Some(272));
        assert_eq!(Arch::I386.syscall_nr("unshare"), Some(310));
        assert_eq!(Arch::I386.syscall_nr("socketcall"), Some(102));
        assert_eq!(Arch::X32.syscall_nr("unshare"), Some(272 | X32_SYSCALL_BIT));
        assert_eq!(Arch::X32.syscall_nr("execve"), Some(520 | X32_SYSCALL_BIT));
        assert_eq!(
            Arch::X32.syscall_nr("pwritev2"),
            Some(547 | X32_SYSCALL_BIT)
        );
        assert_eq!(Arch::Aarch64.syscall_nr("unshare"), Some(97));
        assert_eq!(Arch::Aarch64.syscall_nr("open"), None);
        assert_eq!(Arch::Arm.syscall_nr("set_tls"), Some(0x0f_0005));
        assert_eq!(Arch::S390x.syscall_nr("socketcall"), Some(102));
    }

    #[test]
    fn x32_excludes_64_bit_only_entries() {
        assert_eq!(Arch::X32.syscall_name(59 | X32_SYSCALL_BIT), None);
        assert_eq!(Arch::X32.syscall_name(16 | X32_SYSCALL_BIT), None);
        assert_eq!(Arch::X32.syscall_name(514 | X32_SYSCALL_BIT), Some("ioctl"));
        let names: Vec<_> = Arch::X32.syscalls().iter().map(|(n, _)| *n).collect();
        let mut dedup = names.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(names.len(), dedup.len(), "x32 names must be unique");
    }
}
