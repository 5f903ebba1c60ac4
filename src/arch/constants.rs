//! Named constants usable in policy conditions (`CLONE_*`, `AF_*`, `O_*`…), per architecture.
//!
//! Values are written from the kernel's UAPI headers (`include/uapi/linux/*.h`,
//! `include/uapi/asm-generic/*.h` and `arch/*/include/uapi/asm/*.h`), i.e. what the *kernel*
//! interprets, which is what a seccomp filter must compare. They are organised as one
//! generic table plus small per-architecture override tables, because a handful of
//! families are defined per architecture:
//!
//! - **`O_*` open flags**: `asm-generic/fcntl.h` provides the defaults (x86, s390x,
//!   riscv64, loongarch64). arm and arm64 override `O_DIRECTORY`, `O_NOFOLLOW`, `O_DIRECT`
//!   and `O_LARGEFILE` (historically to match the old ARM ABI); powerpc overrides the same
//!   four with yet another permutation. `O_TMPFILE` includes `O_DIRECTORY`, so it follows.
//!   `O_LARGEFILE` is the kernel's bit on every arch: glibc defines it as 0 on 64-bit
//!   targets, but a raw `open()` may still pass the bit and the kernel accepts it.
//! - **terminal ioctls** (`TCGETS`, `TIOCGWINSZ`, `FIONREAD`, `FIONBIO`…): powerpc kept
//!   encodings derived from its own `_IOC` layout (direction bits at 29–31, `_IOC_READ` = 2,
//!   `_IOC_WRITE` = 4, `_IOC_NONE` = 1) and the old `'t'`/`'f'` BSD numbers, so many of them
//!   differ there; the plain `0x54xx` ones (`TIOCSTI`, `TIOCLINUX`…) are the same everywhere.
//!   powerpc has no `termios2`, so `TCGETS2` and friends do not exist there.
//! - **`MAP_*` / `PROT_*` / `MCL_*`**: powerpc moves `MAP_NORESERVE`/`MAP_LOCKED` and the
//!   `MCL_*` bits; x86 adds `MAP_32BIT`/`MAP_ABOVE4G`; powerpc adds `PROT_SAO`, arm64
//!   `PROT_BTI`/`PROT_MTE`.
//! - **`F_GETLK64`…** exist only on 32-bit ABIs (`fcntl64`).
//! - **errno**: identical on all nine targets (they use `asm-generic/errno.h`), except
//!   that powerpc gives `EDEADLOCK` its own value 58. [`errno`] returns the generic value;
//!   `constant(Arch::Ppc64le, "EDEADLOCK")` returns 58.
//!
//! Signals, `AF_*`, `SOCK_*` (on these nine arches), `CLONE_*`, `PR_*`, `PER_*`,
//! `SECCOMP_*`, `MADV_*`, `FUTEX_*`, `CAP_*`… are architecture-independent here.
//! (MIPS, SPARC, Alpha and PA-RISC would need many more overrides; they are not targets.)

use super::Arch;

/// (name, value) pairs.
type Table = &'static [(&'static str, u64)];

/// Per-architecture differences: values that replace or add to [`GENERIC`], and names
/// that do not exist on that architecture.
struct Overrides {
    values: Table,
    absent: &'static [&'static str],
}

const NONE: Overrides = Overrides {
    values: &[],
    absent: &[],
};

/// The value of the named constant on `arch`, or `None` if it is unknown there.
pub fn constant(arch: Arch, name: &str) -> Option<u64> {
    let o = overrides(arch);
    if o.absent.contains(&name) {
        return None;
    }
    if let Some((_, v)) = o.values.iter().find(|(n, _)| *n == name) {
        return Some(*v);
    }
    if let Some(e) = errno(name) {
        return Some(u64::from(e));
    }
    GENERIC.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Every constant name (for "did you mean" suggestions and documentation).
pub fn constant_names() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = GENERIC.iter().map(|(n, _)| *n).collect();
    v.extend(ERRNO.iter().map(|(n, _)| *n));
    for a in Arch::ALL {
        v.extend(overrides(a).values.iter().map(|(n, _)| *n));
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// The value of errno `name` (`EPERM` → 1). The same on every target architecture
/// (see the module documentation for powerpc's `EDEADLOCK`).
pub fn errno(name: &str) -> Option<u16> {
    ERRNO.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// The canonical name of errno `n` (`11` → `EAGAIN`, not `EWOULDBLOCK`).
pub fn errno_name(n: u16) -> Option<&'static str> {
    ERRNO.iter().find(|(_, v)| *v == n).map(|(name, _)| *name)
}

fn overrides(arch: Arch) -> &'static Overrides {
    match arch {
        Arch::X86_64 | Arch::X32 => &X86_64_OVERRIDES,
        Arch::I386 => &I386_OVERRIDES,
        Arch::Arm => &ARM_OVERRIDES,
        Arch::Aarch64 => &AARCH64_OVERRIDES,
        Arch::Ppc64le => &PPC64_OVERRIDES,
        Arch::S390x | Arch::Riscv64 | Arch::Loongarch64 => &NONE,
    }
}

/// Errno values (`asm-generic/errno-base.h`, `asm-generic/errno.h`). The canonical name
/// of a value comes first; aliases follow it.
const ERRNO: &[(&str, u16)] = &[
    ("EPERM", 1),
    ("ENOENT", 2),
    ("ESRCH", 3),
    ("EINTR", 4),
    ("EIO", 5),
    ("ENXIO", 6),
    ("E2BIG", 7),
    ("ENOEXEC", 8),
    ("EBADF", 9),
    ("ECHILD", 10),
    ("EAGAIN", 11),
    ("EWOULDBLOCK", 11),
    ("ENOMEM", 12),
    ("EACCES", 13),
    ("EFAULT", 14),
    ("ENOTBLK", 15),
    ("EBUSY", 16),
    ("EEXIST", 17),
    ("EXDEV", 18),
    ("ENODEV", 19),
    ("ENOTDIR", 20),
    ("EISDIR", 21),
    ("EINVAL", 22),
    ("ENFILE", 23),
    ("EMFILE", 24),
    ("ENOTTY", 25),
    ("ETXTBSY", 26),
    ("EFBIG", 27),
    ("ENOSPC", 28),
    ("ESPIPE", 29),
    ("EROFS", 30),
    ("EMLINK", 31),
    ("EPIPE", 32),
    ("EDOM", 33),
    ("ERANGE", 34),
    ("EDEADLK", 35),
    ("EDEADLOCK", 35),
    ("ENAMETOOLONG", 36),
    ("ENOLCK", 37),
    ("ENOSYS", 38),
    ("ENOTEMPTY", 39),
    ("ELOOP", 40),
    ("ENOMSG", 42),
    ("EIDRM", 43),
    ("ECHRNG", 44),
    ("EL2NSYNC", 45),
    ("EL3HLT", 46),
    ("EL3RST", 47),
    ("ELNRNG", 48),
    ("EUNATCH", 49),
    ("ENOCSI", 50),
    ("EL2HLT", 51),
    ("EBADE", 52),
    ("EBADR", 53),
    ("EXFULL", 54),
    ("ENOANO", 55),
    ("EBADRQC", 56),
    ("EBADSLT", 57),
    ("EBFONT", 59),
    ("ENOSTR", 60),
    ("ENODATA", 61),
    ("ETIME", 62),
    ("ENOSR", 63),
    ("ENONET", 64),
    ("ENOPKG", 65),
    ("EREMOTE", 66),
    ("ENOLINK", 67),
    ("EADV", 68),
    ("ESRMNT", 69),
    ("ECOMM", 70),
    ("EPROTO", 71),
    ("EMULTIHOP", 72),
    ("EDOTDOT", 73),
    ("EBADMSG", 74),
    ("EOVERFLOW", 75),
    ("ENOTUNIQ", 76),
    ("EBADFD", 77),
    ("EREMCHG", 78),
    ("ELIBACC", 79),
    ("ELIBBAD", 80),
    ("ELIBSCN", 81),
    ("ELIBMAX", 82),
    ("ELIBEXEC", 83),
    ("EILSEQ", 84),
    ("ERESTART", 85),
    ("ESTRPIPE", 86),
    ("EUSERS", 87),
    ("ENOTSOCK", 88),
    ("EDESTADDRREQ", 89),
    ("EMSGSIZE", 90),
    ("EPROTOTYPE", 91),
    ("ENOPROTOOPT", 92),
    ("EPROTONOSUPPORT", 93),
    ("ESOCKTNOSUPPORT", 94),
    ("EOPNOTSUPP", 95),
    ("ENOTSUP", 95),
    ("EPFNOSUPPORT", 96),
    ("EAFNOSUPPORT", 97),
    ("EADDRINUSE", 98),
    ("EADDRNOTAVAIL", 99),
    ("ENETDOWN", 100),
    ("ENETUNREACH", 101),
    ("ENETRESET", 102),
    ("ECONNABORTED", 103),
    ("ECONNRESET", 104),
    ("ENOBUFS", 105),
    ("EISCONN", 106),
    ("ENOTCONN", 107),
    ("ESHUTDOWN", 108),
    ("ETOOMANYREFS", 109),
    ("ETIMEDOUT", 110),
    ("ECONNREFUSED", 111),
    ("EHOSTDOWN", 112),
    ("EHOSTUNREACH", 113),
    ("EALREADY", 114),
    ("EINPROGRESS", 115),
    ("ESTALE", 116),
    ("EUCLEAN", 117),
    ("ENOTNAM", 118),
    ("ENAVAIL", 119),
    ("EISNAM", 120),
    ("EREMOTEIO", 121),
    ("EDQUOT", 122),
    ("ENOMEDIUM", 123),
    ("EMEDIUMTYPE", 124),
    ("ECANCELED", 125),
    ("ENOKEY", 126),
    ("EKEYEXPIRED", 127),
    ("EKEYREVOKED", 128),
    ("EKEYREJECTED", 129),
    ("EOWNERDEAD", 130),
    ("ENOTRECOVERABLE", 131),
    ("ERFKILL", 132),
    ("EHWPOISON", 133),
];

/// Values shared by all nine targets unless an override table says otherwise.
const GENERIC: Table = &[
    // linux/sched.h
    ("CSIGNAL", 0xff),
    ("CLONE_NEWTIME", 0x80),
    ("CLONE_VM", 0x100),
    ("CLONE_FS", 0x200),
    ("CLONE_FILES", 0x400),
    ("CLONE_SIGHAND", 0x800),
    ("CLONE_PIDFD", 0x1000),
    ("CLONE_PTRACE", 0x2000),
    ("CLONE_VFORK", 0x4000),
    ("CLONE_PARENT", 0x8000),
    ("CLONE_THREAD", 0x1_0000),
    ("CLONE_NEWNS", 0x2_0000),
    ("CLONE_SYSVSEM", 0x4_0000),
    ("CLONE_SETTLS", 0x8_0000),
    ("CLONE_PARENT_SETTID", 0x10_0000),
    ("CLONE_CHILD_CLEARTID", 0x20_0000),
    ("CLONE_DETACHED", 0x40_0000),
    ("CLONE_UNTRACED", 0x80_0000),
    ("CLONE_CHILD_SETTID", 0x100_0000),
    ("CLONE_NEWCGROUP", 0x200_0000),
    ("CLONE_NEWUTS", 0x400_0000),
    ("CLONE_NEWIPC", 0x800_0000),
    ("CLONE_NEWUSER", 0x1000_0000),
    ("CLONE_NEWPID", 0x2000_0000),
    ("CLONE_NEWNET", 0x4000_0000),
    ("CLONE_IO", 0x8000_0000),
    ("CLONE_CLEAR_SIGHAND", 0x1_0000_0000),
    ("CLONE_INTO_CGROUP", 0x2_0000_0000),
    // linux/socket.h
    ("AF_UNSPEC", 0),
    ("AF_UNIX", 1),
    ("AF_LOCAL", 1),
    ("AF_INET", 2),
    ("AF_AX25", 3),
    ("AF_IPX", 4),
    ("AF_APPLETALK", 5),
    ("AF_NETROM", 6),
    ("AF_BRIDGE", 7),
    ("AF_ATMPVC", 8),
    ("AF_X25", 9),
    ("AF_INET6", 10),
    ("AF_ROSE", 11),
    ("AF_DECnet", 12),
    ("AF_NETBEUI", 13),
    ("AF_SECURITY", 14),
    ("AF_KEY", 15),
    ("AF_NETLINK", 16),
    ("AF_ROUTE", 16),
    ("AF_PACKET", 17),
    ("AF_ASH", 18),
    ("AF_ECONET", 19),
    ("AF_ATMSVC", 20),
    ("AF_RDS", 21),
    ("AF_SNA", 22),
    ("AF_IRDA", 23),
    ("AF_PPPOX", 24),
    ("AF_WANPIPE", 25),
    ("AF_LLC", 26),
    ("AF_IB", 27),
    ("AF_MPLS", 28),
    ("AF_CAN", 29),
    ("AF_TIPC", 30),
    ("AF_BLUETOOTH", 31),
    ("AF_IUCV", 32),
    ("AF_RXRPC", 33),
    ("AF_ISDN", 34),
    ("AF_PHONET", 35),
    ("AF_IEEE802154", 36),
    ("AF_CAIF", 37),
    ("AF_ALG", 38),
    ("AF_NFC", 39),
    ("AF_VSOCK", 40),
    ("AF_KCM", 41),
    ("AF_QIPCRTR", 42),
    ("AF_SMC", 43),
    ("AF_XDP", 44),
    ("AF_MCTP", 45),
    ("PF_UNSPEC", 0),
    ("PF_UNIX", 1),
    ("PF_LOCAL", 1),
    ("PF_INET", 2),
    ("PF_INET6", 10),
    ("PF_NETLINK", 16),
    ("PF_PACKET", 17),
    ("PF_BLUETOOTH", 31),
    ("PF_ALG", 38),
    ("PF_VSOCK", 40),
    // linux/net.h, asm-generic/fcntl.h (SOCK_NONBLOCK = O_NONBLOCK, SOCK_CLOEXEC = O_CLOEXEC)
    ("SOCK_STREAM", 1),
    ("SOCK_DGRAM", 2),
    ("SOCK_RAW", 3),
    ("SOCK_RDM", 4),
    ("SOCK_SEQPACKET", 5),
    ("SOCK_DCCP", 6),
    ("SOCK_PACKET", 10),
    ("SOCK_NONBLOCK", 0x800),
    ("SOCK_CLOEXEC", 0x8_0000),
    // linux/in.h, linux/socket.h
    ("IPPROTO_IP", 0),
    ("IPPROTO_ICMP", 1),
    ("IPPROTO_IGMP", 2),
    ("IPPROTO_IPIP", 4),
    ("IPPROTO_TCP", 6),
    ("IPPROTO_EGP", 8),
    ("IPPROTO_PUP", 12),
    ("IPPROTO_UDP", 17),
    ("IPPROTO_IDP", 22),
    ("IPPROTO_TP", 29),
    ("IPPROTO_DCCP", 33),
    ("IPPROTO_IPV6", 41),
    ("IPPROTO_RSVP", 46),
    ("IPPROTO_GRE", 47),
    ("IPPROTO_ESP", 50),
    ("IPPROTO_AH", 51),
    ("IPPROTO_ICMPV6", 58),
    ("IPPROTO_MTP", 92),
    ("IPPROTO_BEETPH", 94),
    ("IPPROTO_ENCAP", 98),
    ("IPPROTO_PIM", 103),
    ("IPPROTO_COMP", 108),
    ("IPPROTO_L2TP", 115),
    ("IPPROTO_SCTP", 132),
    ("IPPROTO_UDPLITE", 136),
    ("IPPROTO_MPLS", 137),
    ("IPPROTO_ETHERNET", 143),
    ("IPPROTO_RAW", 255),
    ("IPPROTO_MPTCP", 262),
    ("SOL_IP", 0),
    ("SOL_SOCKET", 1),
    ("SOL_TCP", 6),
    ("SOL_UDP", 17),
    ("SOL_IPV6", 41),
    ("SOL_ICMPV6", 58),
    ("SOL_RAW", 255),
    ("SOL_PACKET", 263),
    ("SOL_NETLINK", 270),
    ("SOL_ALG", 279),
    // asm-generic/mman-common.h, asm-generic/mman.h
    ("PROT_NONE", 0),
    ("PROT_READ", 1),
    ("PROT_WRITE", 2),
    ("PROT_EXEC", 4),
    ("PROT_SEM", 8),
    ("PROT_GROWSDOWN", 0x100_0000),
    ("PROT_GROWSUP", 0x200_0000),
    ("MAP_SHARED", 1),
    ("MAP_PRIVATE", 2),
    ("MAP_SHARED_VALIDATE", 3),
    ("MAP_TYPE", 0xf),
    ("MAP_FIXED", 0x10),
    ("MAP_ANONYMOUS", 0x20),
    ("MAP_ANON", 0x20),
    ("MAP_GROWSDOWN", 0x100),
    ("MAP_DENYWRITE", 0x800),
    ("MAP_EXECUTABLE", 0x1000),
    ("MAP_LOCKED", 0x2000),
    ("MAP_NORESERVE", 0x4000),
    ("MAP_POPULATE", 0x8000),
    ("MAP_NONBLOCK", 0x1_0000),
    ("MAP_STACK", 0x2_0000),
    ("MAP_HUGETLB", 0x4_0000),
    ("MAP_SYNC", 0x8_0000),
    ("MAP_FIXED_NOREPLACE", 0x10_0000),
    ("MAP_UNINITIALIZED", 0x400_0000),
    ("MCL_CURRENT", 1),
    ("MCL_FUTURE", 2),
    ("MCL_ONFAULT", 4),
    ("MLOCK_ONFAULT", 1),
    ("MADV_NORMAL", 0),
    ("MADV_RANDOM", 1),
    ("MADV_SEQUENTIAL", 2),
    ("MADV_WILLNEED", 3),
    ("MADV_DONTNEED", 4),
    ("MADV_FREE", 8),
    ("MADV_REMOVE", 9),
    ("MADV_DONTFORK", 10),
    ("MADV_DOFORK", 11),
    ("MADV_MERGEABLE", 12),
    ("MADV_UNMERGEABLE", 13),
    ("MADV_HUGEPAGE", 14),
    ("MADV_NOHUGEPAGE", 15),
    ("MADV_DONTDUMP", 16),
    ("MADV_DODUMP", 17),
    ("MADV_WIPEONFORK", 18),
    ("MADV_KEEPONFORK", 19),
    ("MADV_COLD", 20),
    ("MADV_PAGEOUT", 21),
    ("MADV_POPULATE_READ", 22),
    ("MADV_POPULATE_WRITE", 23),
    ("MADV_DONTNEED_LOCKED", 24),
    ("MADV_COLLAPSE", 25),
    ("MADV_HWPOISON", 100),
    ("MADV_SOFT_OFFLINE", 101),
    ("MADV_GUARD_INSTALL", 102),
    ("MADV_GUARD_REMOVE", 103),
    // asm-generic/fcntl.h (octal in the header)
    ("O_ACCMODE", 0o3),
    ("O_RDONLY", 0),
    ("O_WRONLY", 0o1),
    ("O_RDWR", 0o2),
    ("O_CREAT", 0o100),
    ("O_EXCL", 0o200),
    ("O_NOCTTY", 0o400),
    ("O_TRUNC", 0o1000),
    ("O_APPEND", 0o2000),
    ("O_NONBLOCK", 0o4000),
    ("O_NDELAY", 0o4000),
    ("O_DSYNC", 0o10000),
    ("FASYNC", 0o20000),
    ("O_ASYNC", 0o20000),
    ("O_DIRECT", 0o40000),
    ("O_LARGEFILE", 0o100000),
    ("O_DIRECTORY", 0o200000),
    ("O_NOFOLLOW", 0o400000),
    ("O_NOATIME", 0o1000000),
    ("O_CLOEXEC", 0o2000000),
    ("O_SYNC", 0o4010000),
    ("O_RSYNC", 0o4010000),
    ("O_PATH", 0o10000000),
    ("O_TMPFILE", 0o20200000),
    ("AT_SYMLINK_NOFOLLOW", 0x100),
    ("AT_REMOVEDIR", 0x200),
    ("AT_EACCESS", 0x200),
    ("AT_SYMLINK_FOLLOW", 0x400),
    ("AT_NO_AUTOMOUNT", 0x800),
    ("AT_EMPTY_PATH", 0x1000),
    ("AT_RECURSIVE", 0x8000),
    ("F_DUPFD", 0),
    ("F_GETFD", 1),
    ("F_SETFD", 2),
    ("F_GETFL", 3),
    ("F_SETFL", 4),
    ("F_GETLK", 5),
    ("F_SETLK", 6),
    ("F_SETLKW", 7),
    ("F_SETOWN", 8),
    ("F_GETOWN", 9),
    ("F_SETSIG", 10),
    ("F_GETSIG", 11),
    ("F_SETOWN_EX", 15),
    ("F_GETOWN_EX", 16),
    ("F_GETOWNER_UIDS", 17),
    ("F_OFD_GETLK", 36),
    ("F_OFD_SETLK", 37),
    ("F_OFD_SETLKW", 38),
    ("F_SETLEASE", 1024),
    ("F_GETLEASE", 1025),
    ("F_NOTIFY", 1026),
    ("F_DUPFD_CLOEXEC", 1030),
    ("F_SETPIPE_SZ", 1031),
    ("F_GETPIPE_SZ", 1032),
    ("F_ADD_SEALS", 1033),
    ("F_GET_SEALS", 1034),
    ("F_GET_RW_HINT", 1035),
    ("F_SET_RW_HINT", 1036),
    ("F_GET_FILE_RW_HINT", 1037),
    ("F_SET_FILE_RW_HINT", 1038),
    ("FD_CLOEXEC", 1),
    // linux/eventfd.h
    ("EFD_SEMAPHORE", 1),
    ("EFD_NONBLOCK", 0x800),
    ("EFD_CLOEXEC", 0x8_0000),
    // linux/prctl.h
    ("PR_SET_PDEATHSIG", 1),
    ("PR_GET_PDEATHSIG", 2),
    ("PR_GET_DUMPABLE", 3),
    ("PR_SET_DUMPABLE", 4),
    ("PR_GET_UNALIGN", 5),
    ("PR_SET_UNALIGN", 6),
    ("PR_GET_KEEPCAPS", 7),
    ("PR_SET_KEEPCAPS", 8),
    ("PR_GET_FPEMU", 9),
    ("PR_SET_FPEMU", 10),
    ("PR_GET_FPEXC", 11),
    ("PR_SET_FPEXC", 12),
    ("PR_GET_TIMING", 13),
    ("PR_SET_TIMING", 14),
    ("PR_SET_NAME", 15),
    ("PR_GET_NAME", 16),
    ("PR_GET_ENDIAN", 19),
    ("PR_SET_ENDIAN", 20),
    ("PR_GET_SECCOMP", 21),
    ("PR_SET_SECCOMP", 22),
    ("PR_CAPBSET_READ", 23),
    ("PR_CAPBSET_DROP", 24),
    ("PR_GET_TSC", 25),
    ("PR_SET_TSC", 26),
    ("PR_GET_SECUREBITS", 27),
    ("PR_SET_SECUREBITS", 28),
    ("PR_SET_TIMERSLACK", 29),
    ("PR_GET_TIMERSLACK", 30),
    ("PR_TASK_PERF_EVENTS_DISABLE", 31),
    ("PR_TASK_PERF_EVENTS_ENABLE", 32),
    ("PR_MCE_KILL", 33),
    ("PR_MCE_KILL_GET", 34),
    ("PR_SET_MM", 35),
    ("PR_SET_CHILD_SUBREAPER", 36),
    ("PR_GET_CHILD_SUBREAPER", 37),
    ("PR_SET_NO_NEW_PRIVS", 38),
    ("PR_GET_NO_NEW_PRIVS", 39),
    ("PR_GET_TID_ADDRESS", 40),
    ("PR_SET_THP_DISABLE", 41),
    ("PR_GET_THP_DISABLE", 42),
    ("PR_MPX_ENABLE_MANAGEMENT", 43),
    ("PR_MPX_DISABLE_MANAGEMENT", 44),
    ("PR_SET_FP_MODE", 45),
    ("PR_GET_FP_MODE", 46),
    ("PR_CAP_AMBIENT", 47),
    ("PR_SVE_SET_VL", 50),
    ("PR_SVE_GET_VL", 51),
    ("PR_GET_SPECULATION_CTRL", 52),
    ("PR_SET_SPECULATION_CTRL", 53),
    ("PR_PAC_RESET_KEYS", 54),
    ("PR_SET_TAGGED_ADDR_CTRL", 55),
    ("PR_GET_TAGGED_ADDR_CTRL", 56),
    ("PR_SET_IO_FLUSHER", 57),
    ("PR_GET_IO_FLUSHER", 58),
    ("PR_SET_SYSCALL_USER_DISPATCH", 59),
    ("PR_PAC_SET_ENABLED_KEYS", 60),
    ("PR_PAC_GET_ENABLED_KEYS", 61),
    ("PR_SCHED_CORE", 62),
    ("PR_SME_SET_VL", 63),
    ("PR_SME_GET_VL", 64),
    ("PR_SET_MDWE", 65),
    ("PR_GET_MDWE", 66),
    ("PR_SET_MEMORY_MERGE", 67),
    ("PR_GET_MEMORY_MERGE", 68),
    ("PR_RISCV_V_SET_CONTROL", 69),
    ("PR_RISCV_V_GET_CONTROL", 70),
    ("PR_RISCV_SET_ICACHE_FLUSH_CTX", 71),
    ("PR_PPC_GET_DEXCR", 72),
    ("PR_PPC_SET_DEXCR", 73),
    ("PR_GET_SHADOW_STACK_STATUS", 74),
    ("PR_SET_SHADOW_STACK_STATUS", 75),
    ("PR_LOCK_SHADOW_STACK_STATUS", 76),
    ("PR_SET_VMA", 0x5356_4d41),
    ("PR_SET_PTRACER", 0x5961_6d61),
    ("PR_CAP_AMBIENT_IS_SET", 1),
    ("PR_CAP_AMBIENT_RAISE", 2),
    ("PR_CAP_AMBIENT_LOWER", 3),
    ("PR_CAP_AMBIENT_CLEAR_ALL", 4),
    // linux/personality.h
    ("UNAME26", 0x002_0000),
    ("ADDR_NO_RANDOMIZE", 0x004_0000),
    ("FDPIC_FUNCPTRS", 0x008_0000),
    ("MMAP_PAGE_ZERO", 0x010_0000),
    ("ADDR_COMPAT_LAYOUT", 0x020_0000),
    ("READ_IMPLIES_EXEC", 0x040_0000),
    ("ADDR_LIMIT_32BIT", 0x080_0000),
    ("SHORT_INODE", 0x100_0000),
    ("WHOLE_SECONDS", 0x200_0000),
    ("STICKY_TIMEOUTS", 0x400_0000),
    ("ADDR_LIMIT_3GB", 0x800_0000),
    ("PER_LINUX", 0),
    ("PER_LINUX_32BIT", 0x080_0000),
    ("PER_LINUX_FDPIC", 0x008_0000),
    ("PER_SVR4", 0x410_0001),
    ("PER_SVR3", 0x500_0002),
    ("PER_SCOSVR3", 0x700_0003),
    ("PER_OSR5", 0x600_0003),
    ("PER_WYSEV386", 0x500_0004),
    ("PER_ISCR4", 0x400_0005),
    ("PER_BSD", 6),
    ("PER_SUNOS", 0x400_0006),
    ("PER_XENIX", 0x500_0007),
    ("PER_LINUX32", 8),
    ("PER_LINUX32_3GB", 0x800_0008),
    ("PER_IRIX32", 0x400_0009),
    ("PER_IRIXN32", 0x400_000a),
    ("PER_IRIX64", 0x400_000b),
    ("PER_RISCOS", 0xc),
    ("PER_SOLARIS", 0x400_000d),
    ("PER_UW7", 0x410_000e),
    ("PER_OSF4", 0xf),
    ("PER_HPUX", 0x10),
    ("PER_MASK", 0xff),
    // asm-generic/ioctls.h (powerpc overrides many of these)
    ("TCGETS", 0x5401),
    ("TCSETS", 0x5402),
    ("TCSETSW", 0x5403),
    ("TCSETSF", 0x5404),
    ("TCGETA", 0x5405),
    ("TCSETA", 0x5406),
    ("TCSETAW", 0x5407),
    ("TCSETAF", 0x5408),
    ("TCSBRK", 0x5409),
    ("TCXONC", 0x540a),
    ("TCFLSH", 0x540b),
    ("TIOCEXCL", 0x540c),
    ("TIOCNXCL", 0x540d),
    ("TIOCSCTTY", 0x540e),
    ("TIOCGPGRP", 0x540f),
    ("TIOCSPGRP", 0x5410),
    ("TIOCOUTQ", 0x5411),
    ("TIOCSTI", 0x5412),
    ("TIOCGWINSZ", 0x5413),
    ("TIOCSWINSZ", 0x5414),
    ("TIOCMGET", 0x5415),
    ("TIOCMBIS", 0x5416),
    ("TIOCMBIC", 0x5417),
    ("TIOCMSET", 0x5418),
    ("TIOCGSOFTCAR", 0x5419),
    ("TIOCSSOFTCAR", 0x541a),
    ("FIONREAD", 0x541b),
    ("TIOCINQ", 0x541b),
    ("TIOCLINUX", 0x541c),
    ("TIOCCONS", 0x541d),
    ("TIOCGSERIAL", 0x541e),
    ("TIOCSSERIAL", 0x541f),
    ("TIOCPKT", 0x5420),
    ("FIONBIO", 0x5421),
    ("TIOCNOTTY", 0x5422),
    ("TIOCSETD", 0x5423),
    ("TIOCGETD", 0x5424),
    ("TCSBRKP", 0x5425),
    ("TIOCSBRK", 0x5427),
    ("TIOCCBRK", 0x5428),
    ("TIOCGSID", 0x5429),
    ("TCGETS2", 0x802c_542a),
    ("TCSETS2", 0x402c_542b),
    ("TCSETSW2", 0x402c_542c),
    ("TCSETSF2", 0x402c_542d),
    ("TIOCGRS485", 0x542e),
    ("TIOCSRS485", 0x542f),
    ("TIOCGPTN", 0x8004_5430),
    ("TIOCSPTLCK", 0x4004_5431),
    ("TIOCGDEV", 0x8004_5432),
    ("TCGETX", 0x5432),
    ("TCSETX", 0x5433),
    ("TCSETXF", 0x5434),
    ("TCSETXW", 0x5435),
    ("TIOCSIG", 0x4004_5436),
    ("TIOCVHANGUP", 0x5437),
    ("TIOCGPKT", 0x8004_5438),
    ("TIOCGPTLCK", 0x8004_5439),
    ("TIOCGEXCL", 0x8004_5440),
    ("TIOCGPTPEER", 0x5441),
    ("FIONCLEX", 0x5450),
    ("FIOCLEX", 0x5451),
    ("FIOASYNC", 0x5452),
    ("TIOCSERCONFIG", 0x5453),
    ("TIOCSERGWILD", 0x5454),
    ("TIOCSERSWILD", 0x5455),
    ("TIOCGLCKTRMIOS", 0x5456),
    ("TIOCSLCKTRMIOS", 0x5457),
    ("TIOCSERGSTRUCT", 0x5458),
    ("TIOCSERGETLSR", 0x5459),
    ("TIOCSERGETMULTI", 0x545a),
    ("TIOCSERSETMULTI", 0x545b),
    ("TIOCMIWAIT", 0x545c),
    ("TIOCGICOUNT", 0x545d),
    ("FIOQSIZE", 0x5460),
    // linux/seccomp.h
    ("SECCOMP_MODE_DISABLED", 0),
    ("SECCOMP_MODE_STRICT", 1),
    ("SECCOMP_MODE_FILTER", 2),
    ("SECCOMP_SET_MODE_STRICT", 0),
    ("SECCOMP_SET_MODE_FILTER", 1),
    ("SECCOMP_GET_ACTION_AVAIL", 2),
    ("SECCOMP_GET_NOTIF_SIZES", 3),
    ("SECCOMP_FILTER_FLAG_TSYNC", 1),
    ("SECCOMP_FILTER_FLAG_LOG", 2),
    ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4),
    ("SECCOMP_FILTER_FLAG_NEW_LISTENER", 8),
    ("SECCOMP_FILTER_FLAG_TSYNC_ESRCH", 16),
    ("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 32),
    ("SECCOMP_RET_KILL_PROCESS", 0x8000_0000),
    ("SECCOMP_RET_KILL_THREAD", 0),
    ("SECCOMP_RET_KILL", 0),
    ("SECCOMP_RET_TRAP", 0x0003_0000),
    ("SECCOMP_RET_ERRNO", 0x0005_0000),
    ("SECCOMP_RET_USER_NOTIF", 0x7fc0_0000),
    ("SECCOMP_RET_TRACE", 0x7ff0_0000),
    ("SECCOMP_RET_LOG", 0x7ffc_0000),
    ("SECCOMP_RET_ALLOW", 0x7fff_0000),
    ("SECCOMP_RET_ACTION_FULL", 0xffff_0000),
    ("SECCOMP_RET_ACTION", 0x7fff_0000),
    ("SECCOMP_RET_DATA", 0x0000_ffff),
    // linux/futex.h
    ("FUTEX_WAIT", 0),
    ("FUTEX_WAKE", 1),
    ("FUTEX_FD", 2),
    ("FUTEX_REQUEUE", 3),
    ("FUTEX_CMP_REQUEUE", 4),
    ("FUTEX_WAKE_OP", 5),
    ("FUTEX_LOCK_PI", 6),
    ("FUTEX_UNLOCK_PI", 7),
    ("FUTEX_TRYLOCK_PI", 8),
    ("FUTEX_WAIT_BITSET", 9),
    ("FUTEX_WAKE_BITSET", 10),
    ("FUTEX_WAIT_REQUEUE_PI", 11),
    ("FUTEX_CMP_REQUEUE_PI", 12),
    ("FUTEX_LOCK_PI2", 13),
    ("FUTEX_PRIVATE_FLAG", 128),
    ("FUTEX_CLOCK_REALTIME", 256),
    ("FUTEX_WAIT_PRIVATE", 128),
    ("FUTEX_WAKE_PRIVATE", 129),
    ("FUTEX_REQUEUE_PRIVATE", 131),
    ("FUTEX_CMP_REQUEUE_PRIVATE", 132),
    ("FUTEX_WAKE_OP_PRIVATE", 133),
    ("FUTEX_LOCK_PI_PRIVATE", 134),
    ("FUTEX_UNLOCK_PI_PRIVATE", 135),
    ("FUTEX_TRYLOCK_PI_PRIVATE", 136),
    ("FUTEX_WAIT_BITSET_PRIVATE", 137),
    ("FUTEX_WAKE_BITSET_PRIVATE", 138),
    ("FUTEX_WAIT_REQUEUE_PI_PRIVATE", 139),
    ("FUTEX_CMP_REQUEUE_PI_PRIVATE", 140),
    ("FUTEX_LOCK_PI2_PRIVATE", 141),
    // asm-generic/signal.h (x86, arm, powerpc and s390 agree on 1..31)
    ("SIGHUP", 1),
    ("SIGINT", 2),
    ("SIGQUIT", 3),
    ("SIGILL", 4),
    ("SIGTRAP", 5),
    ("SIGABRT", 6),
    ("SIGIOT", 6),
    ("SIGBUS", 7),
    ("SIGFPE", 8),
    ("SIGKILL", 9),
    ("SIGUSR1", 10),
    ("SIGSEGV", 11),
    ("SIGUSR2", 12),
    ("SIGPIPE", 13),
    ("SIGALRM", 14),
    ("SIGTERM", 15),
    ("SIGSTKFLT", 16),
    ("SIGCHLD", 17),
    ("SIGCONT", 18),
    ("SIGSTOP", 19),
    ("SIGTSTP", 20),
    ("SIGTTIN", 21),
    ("SIGTTOU", 22),
    ("SIGURG", 23),
    ("SIGXCPU", 24),
    ("SIGXFSZ", 25),
    ("SIGVTALRM", 26),
    ("SIGPROF", 27),
    ("SIGWINCH", 28),
    ("SIGIO", 29),
    ("SIGPOLL", 29),
    ("SIGPWR", 30),
    ("SIGSYS", 31),
    ("SIGRTMIN", 32),
    ("SIGRTMAX", 64),
    // linux/mount.h, linux/fs.h
    ("MS_RDONLY", 1),
    ("MS_NOSUID", 2),
    ("MS_NODEV", 4),
    ("MS_NOEXEC", 8),
    ("MS_SYNCHRONOUS", 16),
    ("MS_REMOUNT", 32),
    ("MS_MANDLOCK", 64),
    ("MS_DIRSYNC", 128),
    ("MS_NOSYMFOLLOW", 256),
    ("MS_NOATIME", 1024),
    ("MS_NODIRATIME", 2048),
    ("MS_BIND", 4096),
    ("MS_MOVE", 8192),
    ("MS_REC", 16384),
    ("MS_SILENT", 32768),
    ("MS_POSIXACL", 1 << 16),
    ("MS_UNBINDABLE", 1 << 17),
    ("MS_PRIVATE", 1 << 18),
    ("MS_SLAVE", 1 << 19),
    ("MS_SHARED", 1 << 20),
    ("MS_RELATIME", 1 << 21),
    ("MS_KERNMOUNT", 1 << 22),
    ("MS_I_VERSION", 1 << 23),
    ("MS_STRICTATIME", 1 << 24),
    ("MS_LAZYTIME", 1 << 25),
    ("MS_MGC_VAL", 0xc0ed_0000),
    ("MNT_FORCE", 1),
    ("MNT_DETACH", 2),
    ("MNT_EXPIRE", 4),
    ("UMOUNT_NOFOLLOW", 8),
    // linux/ptrace.h (generic requests only)
    ("PTRACE_TRACEME", 0),
    ("PTRACE_PEEKTEXT", 1),
    ("PTRACE_PEEKDATA", 2),
    ("PTRACE_PEEKUSR", 3),
    ("PTRACE_POKETEXT", 4),
    ("PTRACE_POKEDATA", 5),
    ("PTRACE_POKEUSR", 6),
    ("PTRACE_CONT", 7),
    ("PTRACE_KILL", 8),
    ("PTRACE_SINGLESTEP", 9),
    ("PTRACE_ATTACH", 16),
    ("PTRACE_DETACH", 17),
    ("PTRACE_SYSCALL", 24),
    ("PTRACE_SETOPTIONS", 0x4200),
    ("PTRACE_GETEVENTMSG", 0x4201),
    ("PTRACE_GETSIGINFO", 0x4202),
    ("PTRACE_SETSIGINFO", 0x4203),
    ("PTRACE_GETREGSET", 0x4204),
    ("PTRACE_SETREGSET", 0x4205),
    ("PTRACE_SEIZE", 0x4206),
    ("PTRACE_INTERRUPT", 0x4207),
    ("PTRACE_LISTEN", 0x4208),
    ("PTRACE_PEEKSIGINFO", 0x4209),
    ("PTRACE_GETSIGMASK", 0x420a),
    ("PTRACE_SETSIGMASK", 0x420b),
    ("PTRACE_SECCOMP_GET_FILTER", 0x420c),
    ("PTRACE_SECCOMP_GET_METADATA", 0x420d),
    ("PTRACE_GET_SYSCALL_INFO", 0x420e),
    ("PTRACE_GET_RSEQ_CONFIGURATION", 0x420f),
    ("PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG", 0x4210),
    ("PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG", 0x4211),
    // linux/keyctl.h
    ("KEYCTL_GET_KEYRING_ID", 0),
    ("KEYCTL_JOIN_SESSION_KEYRING", 1),
    ("KEYCTL_UPDATE", 2),
    ("KEYCTL_REVOKE", 3),
    ("KEYCTL_CHOWN", 4),
    ("KEYCTL_SETPERM", 5),
    ("KEYCTL_DESCRIBE", 6),
    ("KEYCTL_CLEAR", 7),
    ("KEYCTL_LINK", 8),
    ("KEYCTL_UNLINK", 9),
    ("KEYCTL_SEARCH", 10),
    ("KEYCTL_READ", 11),
    ("KEYCTL_INSTANTIATE", 12),
    ("KEYCTL_NEGATE", 13),
    ("KEYCTL_SET_REQKEY_KEYRING", 14),
    ("KEYCTL_SET_TIMEOUT", 15),
    ("KEYCTL_ASSUME_AUTHORITY", 16),
    ("KEYCTL_GET_SECURITY", 17),
    ("KEYCTL_SESSION_TO_PARENT", 18),
    ("KEYCTL_REJECT", 19),
    ("KEYCTL_INSTANTIATE_IOV", 20),
    ("KEYCTL_INVALIDATE", 21),
    ("KEYCTL_GET_PERSISTENT", 22),
    ("KEYCTL_DH_COMPUTE", 23),
    ("KEYCTL_PKEY_QUERY", 24),
    ("KEYCTL_PKEY_ENCRYPT", 25),
    ("KEYCTL_PKEY_DECRYPT", 26),
    ("KEYCTL_PKEY_SIGN", 27),
    ("KEYCTL_PKEY_VERIFY", 28),
    ("KEYCTL_RESTRICT_KEYRING", 29),
    ("KEYCTL_MOVE", 30),
    ("KEYCTL_CAPABILITIES", 31),
    ("KEYCTL_WATCH_KEY", 32),
    // linux/bpf.h (enum bpf_cmd)
    ("BPF_MAP_CREATE", 0),
    ("BPF_MAP_LOOKUP_ELEM", 1),
    ("BPF_MAP_UPDATE_ELEM", 2),
    ("BPF_MAP_DELETE_ELEM", 3),
    ("BPF_MAP_GET_NEXT_KEY", 4),
    ("BPF_PROG_LOAD", 5),
    ("BPF_OBJ_PIN", 6),
    ("BPF_OBJ_GET", 7),
    ("BPF_PROG_ATTACH", 8),
    ("BPF_PROG_DETACH", 9),
    ("BPF_PROG_TEST_RUN", 10),
    ("BPF_PROG_GET_NEXT_ID", 11),
    ("BPF_MAP_GET_NEXT_ID", 12),
    ("BPF_PROG_GET_FD_BY_ID", 13),
    ("BPF_MAP_GET_FD_BY_ID", 14),
    ("BPF_OBJ_GET_INFO_BY_FD", 15),
    ("BPF_PROG_QUERY", 16),
    ("BPF_RAW_TRACEPOINT_OPEN", 17),
    ("BPF_BTF_LOAD", 18),
    ("BPF_BTF_GET_FD_BY_ID", 19),
    ("BPF_TASK_FD_QUERY", 20),
    ("BPF_MAP_LOOKUP_AND_DELETE_ELEM", 21),
    ("BPF_MAP_FREEZE", 22),
    ("BPF_BTF_GET_NEXT_ID", 23),
    ("BPF_MAP_LOOKUP_BATCH", 24),
    ("BPF_MAP_LOOKUP_AND_DELETE_BATCH", 25),
    ("BPF_MAP_UPDATE_BATCH", 26),
    ("BPF_MAP_DELETE_BATCH", 27),
    ("BPF_LINK_CREATE", 28),
    ("BPF_LINK_UPDATE", 29),
    ("BPF_LINK_GET_FD_BY_ID", 30),
    ("BPF_LINK_GET_NEXT_ID", 31),
    ("BPF_ENABLE_STATS", 32),
    ("BPF_ITER_CREATE", 33),
    ("BPF_LINK_DETACH", 34),
    ("BPF_PROG_BIND_MAP", 35),
    ("BPF_TOKEN_CREATE", 36),
    // linux/capability.h
    ("CAP_CHOWN", 0),
    ("CAP_DAC_OVERRIDE", 1),
    ("CAP_DAC_READ_SEARCH", 2),
    ("CAP_FOWNER", 3),
    ("CAP_FSETID", 4),
    ("CAP_KILL", 5),
    ("CAP_SETGID", 6),
    ("CAP_SETUID", 7),
    ("CAP_SETPCAP", 8),
    ("CAP_LINUX_IMMUTABLE", 9),
    ("CAP_NET_BIND_SERVICE", 10),
    ("CAP_NET_BROADCAST", 11),
    ("CAP_NET_ADMIN", 12),
    ("CAP_NET_RAW", 13),
    ("CAP_IPC_LOCK", 14),
    ("CAP_IPC_OWNER", 15),
    ("CAP_SYS_MODULE", 16),
    ("CAP_SYS_RAWIO", 17),
    ("CAP_SYS_CHROOT", 18),
    ("CAP_SYS_PTRACE", 19),
    ("CAP_SYS_PACCT", 20),
    ("CAP_SYS_ADMIN", 21),
    ("CAP_SYS_BOOT", 22),
    ("CAP_SYS_NICE", 23),
    ("CAP_SYS_RESOURCE", 24),
    ("CAP_SYS_TIME", 25),
    ("CAP_SYS_TTY_CONFIG", 26),
    ("CAP_MKNOD", 27),
    ("CAP_LEASE", 28),
    ("CAP_AUDIT_WRITE", 29),
    ("CAP_AUDIT_CONTROL", 30),
    ("CAP_SETFCAP", 31),
    ("CAP_MAC_OVERRIDE", 32),
    ("CAP_MAC_ADMIN", 33),
    ("CAP_SYSLOG", 34),
    ("CAP_WAKE_ALARM", 35),
    ("CAP_BLOCK_SUSPEND", 36),
    ("CAP_AUDIT_READ", 37),
    ("CAP_PERFMON", 38),
    ("CAP_BPF", 39),
    ("CAP_CHECKPOINT_RESTORE", 40),
];

/// x86 (`arch/x86/include/uapi/asm/mman.h`): two extra mmap flags for 64-bit processes.
const X86_64_OVERRIDES: Overrides = Overrides {
    values: &[("MAP_32BIT", 0x40), ("MAP_ABOVE4G", 0x80)],
    absent: &[],
};

/// The 32-bit `fcntl64` lock commands (`asm-generic/fcntl.h`, 32-bit ABIs only).
const I386_OVERRIDES: Overrides = Overrides {
    values: &[("F_GETLK64", 12), ("F_SETLK64", 13), ("F_SETLKW64", 14)],
    absent: &[],
};

/// `arch/arm/include/uapi/asm/fcntl.h`.
const ARM_OVERRIDES: Overrides = Overrides {
    values: &[
        ("O_DIRECTORY", 0o40000),
        ("O_NOFOLLOW", 0o100000),
        ("O_DIRECT", 0o200000),
        ("O_LARGEFILE", 0o400000),
        ("O_TMPFILE", 0o20040000),
        ("F_GETLK64", 12),
        ("F_SETLK64", 13),
        ("F_SETLKW64", 14),
    ],
    absent: &[],
};

/// `arch/arm64/include/uapi/asm/fcntl.h` (same as arm) and `.../asm/mman.h`.
const AARCH64_OVERRIDES: Overrides = Overrides {
    values: &[
        ("O_DIRECTORY", 0o40000),
        ("O_NOFOLLOW", 0o100000),
        ("O_DIRECT", 0o200000),
        ("O_LARGEFILE", 0o400000),
        ("O_TMPFILE", 0o20040000),
        ("PROT_BTI", 0x10),
        ("PROT_MTE", 0x20),
    ],
    absent: &[],
};

/// `arch/powerpc/include/uapi/asm/{fcntl,mman,ioctls,errno}.h`. The ioctl numbers use
/// powerpc's `_IOC` layout: `_IO` = 0x2000_0000, `_IOR` = 0x4000_0000, `_IOW` = 0x8000_0000,
/// size in bits 16–28.
const PPC64_OVERRIDES: Overrides = Overrides {
    values: &[
        ("O_DIRECTORY", 0o40000),
        ("O_NOFOLLOW", 0o100000),
        ("O_LARGEFILE", 0o200000),
        ("O_DIRECT", 0o400000),
        ("O_TMPFILE", 0o20040000),
        ("PROT_SAO", 0x10),
        ("MAP_NORESERVE", 0x40),
        ("MAP_LOCKED", 0x80),
        ("MCL_CURRENT", 0x2000),
        ("MCL_FUTURE", 0x4000),
        ("MCL_ONFAULT", 0x8000),
        ("EDEADLOCK", 58),
        ("FIOCLEX", 0x2000_6601),
        ("FIONCLEX", 0x2000_6602),
        ("FIOASYNC", 0x8004_667d),
        ("FIONBIO", 0x8004_667e),
        ("FIONREAD", 0x4004_667f),
        ("TIOCINQ", 0x4004_667f),
        ("FIOQSIZE", 0x4008_6680),
        ("TCGETS", 0x402c_7413),
        ("TCSETS", 0x802c_7414),
        ("TCSETSW", 0x802c_7415),
        ("TCSETSF", 0x802c_7416),
        ("TCGETA", 0x4014_7417),
        ("TCSETA", 0x8014_7418),
        ("TCSETAW", 0x8014_7419),
        ("TCSETAF", 0x8014_741c),
        ("TCSBRK", 0x2000_741d),
        ("TCXONC", 0x2000_741e),
        ("TCFLSH", 0x2000_741f),
        ("TIOCSWINSZ", 0x8008_7467),
        ("TIOCGWINSZ", 0x4008_7468),
        ("TIOCOUTQ", 0x4004_7473),
        ("TIOCSPGRP", 0x8004_7476),
        ("TIOCGPGRP", 0x4004_7477),
        ("TIOCGPTN", 0x4004_5430),
        ("TIOCSPTLCK", 0x8004_5431),
        ("TIOCGDEV", 0x4004_5432),
        ("TIOCSIG", 0x8004_5436),
        ("TIOCGPKT", 0x4004_5438),
        ("TIOCGPTLCK", 0x4004_5439),
        ("TIOCGEXCL", 0x4004_5440),
        ("TIOCGPTPEER", 0x2000_5441),
    ],
    absent: &[
        "TCGETS2", "TCSETS2", "TCSETSW2", "TCSETSF2", "TCGETX", "TCSETX", "TCSETXF", "TCSETXW",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Arch; 9] = Arch::ALL;

    fn everywhere(name: &str, v: u64) {
        for a in ALL {
            assert_eq!(constant(a, name), Some(v), "{name} on {a}");
        }
    }

    #[test]
    fn clone_flags() {
        everywhere("CLONE_NEWUSER", 0x1000_0000);
        everywhere("CLONE_NEWNS", 0x0002_0000);
        everywhere("CLONE_NEWNET", 0x4000_0000);
        everywhere("CLONE_NEWPID", 0x2000_0000);
        everywhere("CLONE_NEWCGROUP", 0x0200_0000);
        everywhere("CLONE_NEWTIME", 0x80);
        everywhere("CLONE_THREAD", 0x0001_0000);
        everywhere("CLONE_VM", 0x100);
        everywhere("CLONE_INTO_CGROUP", 0x2_0000_0000);
    }

    #[test]
    fn sockets() {
        everywhere("AF_UNIX", 1);
        everywhere("AF_INET6", 10);
        everywhere("AF_NETLINK", 16);
        everywhere("AF_PACKET", 17);
        everywhere("AF_BLUETOOTH", 31);
        everywhere("AF_ALG", 38);
        everywhere("AF_VSOCK", 40);
        everywhere("SOCK_RAW", 3);
        everywhere("SOCK_NONBLOCK", 0o4000);
        everywhere("SOCK_CLOEXEC", 0o2000000);
        everywhere("IPPROTO_TCP", 6);
        everywhere("SOL_SOCKET", 1);
    }

    #[test]
    fn memory() {
        everywhere("PROT_EXEC", 4);
        everywhere("MAP_ANONYMOUS", 0x20);
        everywhere("MAP_FIXED_NOREPLACE", 0x10_0000);
        everywhere("MADV_DONTNEED", 4);
        everywhere("MADV_HWPOISON", 100);
        assert_eq!(constant(Arch::X86_64, "MAP_NORESERVE"), Some(0x4000));
        assert_eq!(constant(Arch::Ppc64le, "MAP_NORESERVE"), Some(0x40));
        assert_eq!(constant(Arch::X86_64, "MAP_32BIT"), Some(0x40));
        assert_eq!(constant(Arch::Aarch64, "MAP_32BIT"), None);
    }

    #[test]
    fn open_flags_differ_per_arch() {
        assert_eq!(constant(Arch::X86_64, "O_DIRECTORY"), Some(0x1_0000));
        assert_eq!(constant(Arch::Arm, "O_DIRECTORY"), Some(0x4000));
        assert_eq!(constant(Arch::Aarch64, "O_DIRECTORY"), Some(0x4000));
        assert_ne!(
            constant(Arch::X86_64, "O_DIRECTORY"),
            constant(Arch::Aarch64, "O_DIRECTORY")
        );
        assert_eq!(constant(Arch::Aarch64, "O_NOFOLLOW"), Some(0x8000));
        assert_eq!(constant(Arch::Aarch64, "O_DIRECT"), Some(0x1_0000));
        assert_eq!(constant(Arch::Arm, "O_LARGEFILE"), Some(0x2_0000));
        assert_eq!(constant(Arch::X86_64, "O_LARGEFILE"), Some(0x8000));
        assert_eq!(constant(Arch::X86_64, "O_DIRECT"), Some(0x4000));
        assert_eq!(constant(Arch::Ppc64le, "O_LARGEFILE"), Some(0x1_0000));
        assert_eq!(constant(Arch::Ppc64le, "O_DIRECT"), Some(0x2_0000));
        assert_eq!(constant(Arch::S390x, "O_NOFOLLOW"), Some(0x2_0000));
        assert_eq!(constant(Arch::X86_64, "O_TMPFILE"), Some(0x41_0000));
        assert_eq!(constant(Arch::Arm, "O_TMPFILE"), Some(0x40_4000));
        everywhere("O_CLOEXEC", 0x8_0000);
        everywhere("O_CREAT", 0x40);
        everywhere("O_PATH", 0x20_0000);
        everywhere("O_SYNC", 0x10_1000);
    }

    #[test]
    fn prctl_personality_seccomp_futex_signals() {
        everywhere("PR_SET_NO_NEW_PRIVS", 38);
        everywhere("PR_SET_SECCOMP", 22);
        everywhere("PR_CAPBSET_DROP", 24);
        everywhere("PR_SET_DUMPABLE", 4);
        everywhere("PR_SET_VMA", 0x5356_4d41);
        everywhere("PER_LINUX", 0);
        everywhere("PER_LINUX32", 8);
        everywhere("UNAME26", 0x2_0000);
        everywhere("ADDR_NO_RANDOMIZE", 0x4_0000);
        everywhere("SECCOMP_SET_MODE_FILTER", 1);
        everywhere("SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4);
        everywhere("SECCOMP_RET_ALLOW", 0x7fff_0000);
        everywhere("FUTEX_WAIT", 0);
        everywhere("FUTEX_WAKE_PRIVATE", 129);
        everywhere("SIGKILL", 9);
        everywhere("SIGSYS", 31);
        everywhere("SIGCHLD", 17);
        everywhere("CAP_SYS_ADMIN", 21);
        everywhere("MS_BIND", 4096);
        everywhere("KEYCTL_JOIN_SESSION_KEYRING", 1);
        everywhere("BPF_PROG_LOAD", 5);
    }

    #[test]
    fn terminal_ioctls() {
        for a in ALL {
            // The plain 0x54xx ones are the same everywhere, powerpc included.
            assert_eq!(constant(a, "TIOCSTI"), Some(0x5412), "{a}");
            assert_eq!(constant(a, "TIOCLINUX"), Some(0x541c), "{a}");
        }
        assert_eq!(constant(Arch::X86_64, "TCGETS"), Some(0x5401));
        assert_eq!(constant(Arch::Aarch64, "TIOCGWINSZ"), Some(0x5413));
        assert_eq!(constant(Arch::S390x, "FIONREAD"), Some(0x541b));
        assert_eq!(constant(Arch::Arm, "FIONBIO"), Some(0x5421));
        assert_eq!(constant(Arch::X86_64, "TIOCGPTN"), Some(0x8004_5430));
        assert_eq!(constant(Arch::X86_64, "TCGETS2"), Some(0x802c_542a));
        assert_eq!(constant(Arch::Ppc64le, "TCGETS"), Some(0x402c_7413));
        assert_eq!(constant(Arch::Ppc64le, "TIOCGWINSZ"), Some(0x4008_7468));
        assert_eq!(constant(Arch::Ppc64le, "FIONREAD"), Some(0x4004_667f));
        assert_eq!(constant(Arch::Ppc64le, "FIONBIO"), Some(0x8004_667e));
        assert_eq!(constant(Arch::Ppc64le, "TCGETS2"), None);
    }

    #[test]
    fn errno_values() {
        assert_eq!(errno("EPERM"), Some(1));
        assert_eq!(errno("ENOENT"), Some(2));
        assert_eq!(errno("EAGAIN"), Some(11));
        assert_eq!(errno("EWOULDBLOCK"), Some(11));
        assert_eq!(errno("EACCES"), Some(13));
        assert_eq!(errno("EINVAL"), Some(22));
        assert_eq!(errno("ENOSYS"), Some(38));
        assert_eq!(errno("EOPNOTSUPP"), Some(95));
        assert_eq!(errno("EAFNOSUPPORT"), Some(97));
        assert_eq!(errno("EHWPOISON"), Some(133));
        assert_eq!(errno("EFOO"), None);
        assert_eq!(errno_name(11), Some("EAGAIN"));
        assert_eq!(errno_name(35), Some("EDEADLK"));
        assert_eq!(errno_name(95), Some("EOPNOTSUPP"));
        assert_eq!(errno_name(41), None);
        assert_eq!(errno_name(0), None);
        everywhere("ENOSYS", 38);
        assert_eq!(constant(Arch::X86_64, "EDEADLOCK"), Some(35));
        assert_eq!(constant(Arch::Ppc64le, "EDEADLOCK"), Some(58));
        for (name, v) in ERRNO {
            assert_eq!(errno(errno_name(*v).unwrap()), Some(*v), "{name}");
        }
    }

    #[test]
    fn names_are_unique_and_listed() {
        let mut seen = std::collections::HashSet::new();
        for (n, _) in GENERIC {
            assert!(seen.insert(*n), "duplicate generic constant {n}");
        }
        for (n, _) in ERRNO {
            assert!(seen.insert(*n), "errno {n} also in the generic table");
        }
        let names = constant_names();
        assert!(names.contains(&"CLONE_NEWUSER"));
        assert!(names.contains(&"EPERM"));
        assert!(names.contains(&"PROT_BTI"));
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        // Every listed name resolves on at least one arch.
        for n in names {
            assert!(ALL.iter().any(|a| constant(*a, n).is_some()), "{n}");
        }
    }
}
