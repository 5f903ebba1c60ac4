//! Syscall groups (`@mount`, `@system-service`…).
//!
//! Names follow systemd's `SystemCallFilter=` groups where one exists, so that policies read
//! familiar; the member lists are sysgate's own. Members are syscall names from any
//! architecture's table (i386-only names such as `socketcall`, `mmap2`, `_llseek`, the
//! `*32` uid calls and the `*_time64` calls are listed next to their 64-bit siblings) and
//! other `@groups`. A name that does not exist on a target architecture is simply skipped
//! there.
//!
//! `@known` is special: it means every syscall in any table. It has no member list;
//! [`Group::is_all_known`] tells it apart and [`expand`] fills it in.

use std::collections::BTreeSet;

/// A named group: its members are syscall names or other `@groups`.
pub struct Group {
    pub name: &'static str,
    pub description: &'static str,
    pub members: &'static [&'static str],
}

impl Group {
    /// Whether this group means "every syscall known on any architecture" (`@known`),
    /// whose `members` list is empty on purpose.
    pub fn is_all_known(&self) -> bool {
        self.name == KNOWN
    }
}

const KNOWN: &str = "@known";

/// Every group, sorted by name.
pub fn groups() -> &'static [Group] {
    GROUPS
}

/// The group called `name` (with its leading `@`).
pub fn group(name: &str) -> Option<&'static Group> {
    groups().iter().find(|g| g.name == name)
}

/// The syscall names of group `name`, nested groups flattened, sorted and deduplicated;
/// `None` if there is no such group. `@known` expands to every syscall name of every table.
pub fn expand(name: &str) -> Option<Vec<&'static str>> {
    let g = group(name)?;
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    collect(g, &mut out, &mut seen);
    Some(out.into_iter().collect())
}

fn collect(g: &'static Group, out: &mut BTreeSet<&'static str>, seen: &mut BTreeSet<&'static str>) {
    if !seen.insert(g.name) {
        return;
    }
    if g.is_all_known() {
        out.extend(crate::arch::all_syscall_names());
        return;
    }
    for m in g.members {
        if m.starts_with('@') {
            if let Some(sub) = group(m) {
                collect(sub, out, seen);
            }
        } else {
            out.insert(m);
        }
    }
}

const GROUPS: &[Group] = &[
    Group {
        name: "@aio",
        description: "Asynchronous I/O (Linux AIO and io_uring)",
        members: &[
            "io_cancel",
            "io_destroy",
            "io_getevents",
            "io_pgetevents",
            "io_pgetevents_time64",
            "io_setup",
            "io_submit",
            "io_uring_enter",
            "io_uring_register",
            "io_uring_setup",
        ],
    },
    Group {
        name: "@basic-io",
        description: "Reading, writing, seeking and closing file descriptors",
        members: &[
            "_llseek",
            "close",
            "close_range",
            "dup",
            "dup2",
            "dup3",
            "lseek",
            "pread64",
            "preadv",
            "preadv2",
            "pwrite64",
            "pwritev",
            "pwritev2",
            "read",
            "readv",
            "write",
            "writev",
        ],
    },
    Group {
        name: "@chown",
        description: "Changing file ownership",
        members: &[
            "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32",
        ],
    },
    Group {
        name: "@clock",
        description: "Setting the system clock",
        members: &[
            "adjtimex",
            "clock_adjtime",
            "clock_adjtime64",
            "clock_settime",
            "clock_settime64",
            "settimeofday",
            "stime",
        ],
    },
    Group {
        name: "@cpu-emulation",
        description: "CPU emulation and mode switching (vm86, LDT, endianness)",
        members: &[
            "modify_ldt",
            "subpage_prot",
            "switch_endian",
            "vm86",
            "vm86old",
        ],
    },
    Group {
        name: "@debug",
        description: "Debugging, tracing and performance monitoring of processes",
        members: &[
            "lookup_dcookie",
            "perf_event_open",
            "pidfd_getfd",
            "process_vm_readv",
            "process_vm_writev",
            "ptrace",
            "rtas",
            "s390_runtime_instr",
            "sys_debug_setcontext",
        ],
    },
    Group {
        name: "@default",
        description: "Calls virtually every program makes (start-up, TLS, memory, identity, time)",
        members: &[
            "arch_prctl",
            "brk",
            "cacheflush",
            "clock_getres",
            "clock_getres_time64",
            "clock_gettime",
            "clock_gettime64",
            "clock_nanosleep",
            "clock_nanosleep_time64",
            "execve",
            "exit",
            "exit_group",
            "futex",
            "futex_requeue",
            "futex_time64",
            "futex_wait",
            "futex_waitv",
            "futex_wake",
            "get_robust_list",
            "get_thread_area",
            "get_tls",
            "getegid",
            "getegid32",
            "geteuid",
            "geteuid32",
            "getgid",
            "getgid32",
            "getgroups",
            "getgroups32",
            "getpgid",
            "getpgrp",
            "getpid",
            "getppid",
            "getrandom",
            "getresgid",
            "getresgid32",
            "getresuid",
            "getresuid32",
            "getrlimit",
            "getsid",
            "gettid",
            "gettimeofday",
            "getuid",
            "getuid32",
            "membarrier",
            "mmap",
            "mmap2",
            "mprotect",
            "munmap",
            "nanosleep",
            "pause",
            "prlimit64",
            "restart_syscall",
            "riscv_flush_icache",
            "riscv_hwprobe",
            "rseq",
            "rt_sigreturn",
            "sched_getaffinity",
            "sched_yield",
            "set_robust_list",
            "set_thread_area",
            "set_tid_address",
            "set_tls",
            "sigreturn",
            "time",
            "ugetrlimit",
            "uname",
        ],
    },
    Group {
        name: "@file-system",
        description:
            "File system access: opening, creating, inspecting, renaming and deleting files",
        members: &[
            "access",
            "chdir",
            "chmod",
            "creat",
            "faccessat",
            "faccessat2",
            "fallocate",
            "fchdir",
            "fchmod",
            "fchmodat",
            "fchmodat2",
            "fcntl",
            "fcntl64",
            "fgetxattr",
            "file_getattr",
            "flistxattr",
            "fremovexattr",
            "fsetxattr",
            "fstat",
            "fstat64",
            "fstatat",
            "fstatat64",
            "fstatfs",
            "fstatfs64",
            "ftruncate",
            "ftruncate64",
            "futimesat",
            "getcwd",
            "getdents",
            "getdents64",
            "getxattr",
            "getxattrat",
            "inotify_add_watch",
            "inotify_init",
            "inotify_init1",
            "inotify_rm_watch",
            "lgetxattr",
            "link",
            "linkat",
            "listxattr",
            "listxattrat",
            "llistxattr",
            "lremovexattr",
            "lsetxattr",
            "lstat",
            "lstat64",
            "mkdir",
            "mkdirat",
            "mknod",
            "mknodat",
            "mmap",
            "mmap2",
            "munmap",
            "newfstatat",
            "oldfstat",
            "oldlstat",
            "oldstat",
            "open",
            "openat",
            "openat2",
            "readdir",
            "readlink",
            "readlinkat",
            "removexattr",
            "removexattrat",
            "rename",
            "renameat",
            "renameat2",
            "rmdir",
            "setxattr",
            "setxattrat",
            "stat",
            "stat64",
            "statfs",
            "statfs64",
            "statx",
            "symlink",
            "symlinkat",
            "truncate",
            "truncate64",
            "umask",
            "unlink",
            "unlinkat",
            "utime",
            "utimensat",
            "utimensat_time64",
            "utimes",
        ],
    },
    Group {
        name: "@io-event",
        description: "Waiting for events on file descriptors (poll, select, epoll, eventfd)",
        members: &[
            "_newselect",
            "epoll_create",
            "epoll_create1",
            "epoll_ctl",
            "epoll_ctl_old",
            "epoll_pwait",
            "epoll_pwait2",
            "epoll_wait",
            "epoll_wait_old",
            "eventfd",
            "eventfd2",
            "poll",
            "ppoll",
            "ppoll_time64",
            "pselect6",
            "pselect6_time64",
            "select",
        ],
    },
    Group {
        name: "@ipc",
        description: "Inter-process communication: pipes, SysV IPC, POSIX message queues, memfd",
        members: &[
            "ipc",
            "memfd_create",
            "mq_getsetattr",
            "mq_notify",
            "mq_open",
            "mq_timedreceive",
            "mq_timedreceive_time64",
            "mq_timedsend",
            "mq_timedsend_time64",
            "mq_unlink",
            "msgctl",
            "msgget",
            "msgrcv",
            "msgsnd",
            "pipe",
            "pipe2",
            "semctl",
            "semget",
            "semop",
            "semtimedop",
            "semtimedop_time64",
            "shmat",
            "shmctl",
            "shmdt",
            "shmget",
        ],
    },
    Group {
        name: "@keyring",
        description: "The kernel keyring",
        members: &["add_key", "keyctl", "request_key"],
    },
    Group {
        name: KNOWN,
        description: "Every syscall sysgate knows on any architecture",
        members: &[],
    },
    Group {
        name: "@memlock",
        description: "Locking memory into RAM",
        members: &["mlock", "mlock2", "mlockall", "munlock", "munlockall"],
    },
    Group {
        name: "@module",
        description: "Loading and unloading kernel modules",
        members: &["delete_module", "finit_module", "init_module"],
    },
    Group {
        name: "@mount",
        description: "Mounting and unmounting file systems, changing the root",
        members: &[
            "chroot",
            "fsconfig",
            "fsmount",
            "fsopen",
            "fspick",
            "listmount",
            "mount",
            "mount_setattr",
            "move_mount",
            "open_tree",
            "open_tree_attr",
            "pivot_root",
            "statmount",
            "umount",
            "umount2",
        ],
    },
    Group {
        name: "@namespaces",
        description: "Entering or creating namespaces without clone (sysgate)",
        members: &["setns", "unshare"],
    },
    Group {
        name: "@network-io",
        description: "Sockets: creating, connecting, sending and receiving",
        members: &[
            "accept",
            "accept4",
            "bind",
            "connect",
            "getpeername",
            "getsockname",
            "getsockopt",
            "listen",
            "recv",
            "recvfrom",
            "recvmmsg",
            "recvmmsg_time64",
            "recvmsg",
            "send",
            "sendmmsg",
            "sendmsg",
            "sendto",
            "setsockopt",
            "shutdown",
            "socket",
            "socketcall",
            "socketpair",
        ],
    },
    Group {
        name: "@obsolete",
        description: "Unimplemented, removed or long-obsolete syscalls",
        members: &[
            "_sysctl",
            "afs_syscall",
            "bdflush",
            "create_module",
            "ftime",
            "get_kernel_syms",
            "getpmsg",
            "gtty",
            "idle",
            "lock",
            "mpx",
            "nfsservctl",
            "prof",
            "profil",
            "putpmsg",
            "query_module",
            "security",
            "sgetmask",
            "ssetmask",
            "stty",
            "sysfs",
            "tuxcall",
            "ulimit",
            "uselib",
            "ustat",
            "vserver",
        ],
    },
    Group {
        name: "@pkey",
        description: "Memory protection keys",
        members: &["pkey_alloc", "pkey_free", "pkey_mprotect"],
    },
    Group {
        name: "@privileged",
        description: "Calls that need super-user capabilities",
        members: &[
            "@chown",
            "@clock",
            "@module",
            "@raw-io",
            "@reboot",
            "@swap",
            "_sysctl",
            "acct",
            "bpf",
            "capset",
            "chroot",
            "fanotify_init",
            "fanotify_mark",
            "nfsservctl",
            "open_by_handle_at",
            "pivot_root",
            "quotactl",
            "quotactl_fd",
            "setdomainname",
            "setfsuid",
            "setfsuid32",
            "setgroups",
            "setgroups32",
            "sethostname",
            "setresuid",
            "setresuid32",
            "setreuid",
            "setreuid32",
            "setuid",
            "setuid32",
            "syslog",
            "vhangup",
        ],
    },
    Group {
        name: "@process",
        description: "Creating, executing, waiting for and signalling processes",
        members: &[
            "capget",
            "clone",
            "clone3",
            "execve",
            "execveat",
            "fork",
            "getrusage",
            "kill",
            "pidfd_open",
            "pidfd_send_signal",
            "prctl",
            "process_mrelease",
            "rt_sigqueueinfo",
            "rt_tgsigqueueinfo",
            "setns",
            "swapcontext",
            "tgkill",
            "times",
            "tkill",
            "unshare",
            "vfork",
            "wait4",
            "waitid",
            "waitpid",
        ],
    },
    Group {
        name: "@raw-io",
        description: "Raw I/O port and PCI access",
        members: &[
            "ioperm",
            "iopl",
            "pciconfig_iobase",
            "pciconfig_read",
            "pciconfig_write",
            "s390_pci_mmio_read",
            "s390_pci_mmio_write",
        ],
    },
    Group {
        name: "@reboot",
        description: "Rebooting and loading a new kernel",
        members: &["kexec_file_load", "kexec_load", "reboot"],
    },
    Group {
        name: "@resources",
        description: "Changing resource limits, scheduling and memory placement",
        members: &[
            "ioprio_set",
            "mbind",
            "migrate_pages",
            "move_pages",
            "nice",
            "prlimit64",
            "sched_setaffinity",
            "sched_setattr",
            "sched_setparam",
            "sched_setscheduler",
            "set_mempolicy",
            "set_mempolicy_home_node",
            "setpriority",
            "setrlimit",
        ],
    },
    Group {
        name: "@sandbox",
        description: "Sandboxing: seccomp and Landlock",
        members: &[
            "landlock_add_rule",
            "landlock_create_ruleset",
            "landlock_restrict_self",
            "seccomp",
        ],
    },
    Group {
        name: "@setuid",
        description: "Changing user and group identities",
        members: &[
            "setfsgid",
            "setfsgid32",
            "setfsuid",
            "setfsuid32",
            "setgid",
            "setgid32",
            "setgroups",
            "setgroups32",
            "setregid",
            "setregid32",
            "setresgid",
            "setresgid32",
            "setresuid",
            "setresuid32",
            "setreuid",
            "setreuid32",
            "setuid",
            "setuid32",
        ],
    },
    Group {
        name: "@signal",
        description: "Signal handling: masks, handlers, waiting, signalfd",
        members: &[
            "rt_sigaction",
            "rt_sigpending",
            "rt_sigprocmask",
            "rt_sigsuspend",
            "rt_sigtimedwait",
            "rt_sigtimedwait_time64",
            "sigaction",
            "sigaltstack",
            "signal",
            "signalfd",
            "signalfd4",
            "sigpending",
            "sigprocmask",
            "sigsuspend",
        ],
    },
    Group {
        name: "@swap",
        description: "Enabling and disabling swap devices",
        members: &["swapoff", "swapon"],
    },
    Group {
        name: "@sync",
        description: "Flushing file and memory contents to storage",
        members: &[
            "arm_sync_file_range",
            "fdatasync",
            "fsync",
            "msync",
            "sync",
            "sync_file_range",
            "sync_file_range2",
            "syncfs",
        ],
    },
    Group {
        name: "@system-service",
        description: "A reasonable base set for ordinary system services",
        members: &[
            "@aio",
            "@basic-io",
            "@chown",
            "@default",
            "@file-system",
            "@io-event",
            "@ipc",
            "@keyring",
            "@memlock",
            "@network-io",
            "@process",
            "@resources",
            "@setuid",
            "@signal",
            "@sync",
            "@timer",
            "arm_fadvise64_64",
            "cachestat",
            "capset",
            "copy_file_range",
            "fadvise64",
            "fadvise64_64",
            "flock",
            "get_mempolicy",
            "getcpu",
            "getpriority",
            "ioctl",
            "ioprio_get",
            "kcmp",
            "madvise",
            "mincore",
            "mremap",
            "mseal",
            "name_to_handle_at",
            "oldolduname",
            "olduname",
            "personality",
            "readahead",
            "remap_file_pages",
            "sched_get_priority_max",
            "sched_get_priority_min",
            "sched_getattr",
            "sched_getparam",
            "sched_getscheduler",
            "sched_rr_get_interval",
            "sched_rr_get_interval_time64",
            "sendfile",
            "sendfile64",
            "setpgid",
            "setsid",
            "splice",
            "sysinfo",
            "tee",
            "vmsplice",
        ],
    },
    Group {
        name: "@timer",
        description: "Timers: alarms, interval timers, POSIX timers, timerfd",
        members: &[
            "alarm",
            "getitimer",
            "setitimer",
            "timer_create",
            "timer_delete",
            "timer_getoverrun",
            "timer_gettime",
            "timer_gettime64",
            "timer_settime",
            "timer_settime64",
            "timerfd",
            "timerfd_create",
            "timerfd_gettime",
            "timerfd_gettime64",
            "timerfd_settime",
            "timerfd_settime64",
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn sorted_unique_and_described() {
        assert!(groups().windows(2).all(|w| w[0].name < w[1].name));
        for g in groups() {
            assert!(g.name.starts_with('@'), "{}", g.name);
            assert!(!g.description.is_empty(), "{}", g.name);
            assert!(!g.description.contains('\n'), "{}", g.name);
            let mut m = g.members.to_vec();
            m.sort_unstable();
            m.dedup();
            assert_eq!(m.len(), g.members.len(), "duplicate member in {}", g.name);
            assert!(g.is_all_known() || !g.members.is_empty(), "{}", g.name);
        }
    }

    #[test]
    fn systemd_names_exist() {
        for n in [
            "@system-service",
            "@mount",
            "@privileged",
            "@obsolete",
            "@raw-io",
            "@clock",
            "@keyring",
            "@module",
            "@reboot",
            "@swap",
            "@debug",
            "@cpu-emulation",
            "@network-io",
            "@file-system",
            "@process",
            "@io-event",
            "@ipc",
            "@signal",
            "@timer",
            "@aio",
            "@basic-io",
            "@chown",
            "@memlock",
            "@pkey",
            "@resources",
            "@sandbox",
            "@setuid",
            "@sync",
            "@default",
            "@known",
        ] {
            assert!(group(n).is_some(), "{n}");
        }
    }

    #[test]
    fn every_member_exists() {
        let all = crate::arch::all_syscall_names();
        for g in groups() {
            for m in g.members {
                if m.starts_with('@') {
                    assert!(group(m).is_some(), "{} includes unknown group {m}", g.name);
                    assert_ne!(*m, KNOWN, "{} nests @known", g.name);
                } else {
                    assert!(
                        all.binary_search(m).is_ok(),
                        "{} lists {m}, which is in no syscall table",
                        g.name
                    );
                }
            }
        }
    }

    #[test]
    fn no_cycles() {
        // Depth-first search with white/grey/black colouring.
        fn visit(name: &'static str, state: &mut BTreeMap<&'static str, u8>) {
            match state.get(name) {
                Some(1) => panic!("cycle through {name}"),
                Some(2) => return,
                _ => {}
            }
            state.insert(name, 1);
            for m in group(name).unwrap().members {
                if m.starts_with('@') {
                    visit(m, state);
                }
            }
            state.insert(name, 2);
        }
        let mut state = BTreeMap::new();
        for g in groups() {
            visit(g.name, &mut state);
        }
    }

    #[test]
    fn expansion() {
        assert_eq!(expand("@nope"), None);
        assert_eq!(
            expand("@keyring").unwrap(),
            vec!["add_key", "keyctl", "request_key"]
        );
        let p = expand("@privileged").unwrap();
        assert!(p.contains(&"reboot") && p.contains(&"chown32") && p.contains(&"iopl"));
        assert!(p.windows(2).all(|w| w[0] < w[1]));
        assert!(p.iter().all(|m| !m.starts_with('@')));
        let s = expand("@system-service").unwrap();
        for n in [
            "read",
            "openat",
            "socket",
            "socketcall",
            "mmap2",
            "_llseek",
            "futex_time64",
        ] {
            assert!(s.contains(&n), "{n}");
        }
        assert!(!s.contains(&"mount") && !s.contains(&"reboot") && !s.contains(&"bpf"));
        let known = expand("@known").unwrap();
        assert_eq!(known, crate::arch::all_syscall_names());
        assert!(group("@known").unwrap().is_all_known());
        assert!(!group("@mount").unwrap().is_all_known());
    }
}
