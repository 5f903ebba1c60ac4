//! Parameter names and widths of syscalls, per architecture.
//!
//! Names follow the man pages (`domain`, `flags`, `request`…); widths follow the types in
//! the kernel's `SYSCALL_DEFINEx` (what the kernel actually reads from the register), not
//! glibc's prototypes: `int`, `unsigned int`, `pid_t`, `uid_t`… are 32 bits, `long`,
//! `unsigned long`, `size_t` and pointers are 64 bits; every width is then capped at
//! [`Arch::register_bits`]. Notable cases:
//!
//! - `umode_t` (the `mode` of `open`, `chmod`, `mkdir`, `mknod`…) is an `unsigned short`:
//!   the syscall wrapper truncates the register to 16 bits, so `chmod(p, 0x10000 | 04755)`
//!   sets mode 04755. Such a parameter is 16 bits wide; a condition on it is compiled over
//!   the low 16 bits (see `ir::Cond::atom`), or `mode == 04755` could be dodged with bit 16.
//! - The ids of the legacy `setuid`, `setgid`, `setreuid`, `setresuid`, `setfsuid`, `chown`,
//!   `fchown`… on i386 and arm are `old_uid_t`/`old_gid_t` (`unsigned short`; their `…32`
//!   variants take `uid_t`), so they are 16 bits there for the same reason:
//!   `setuid(0x10000)` is `setuid(0)`.
//!
//! - `ioctl`'s `request` is `unsigned int cmd` in the kernel (32 bits) even though glibc
//!   declares `unsigned long`; `personality` is `unsigned int`; `prctl`'s `option` is `int`.
//! - `clone`'s `flags` is declared `unsigned long`, but `sys_clone` only uses
//!   `lower_32_bits(clone_flags)` (the flags above bit 31 are reserved to `clone3`), so it is
//!   32 bits: a condition on the high word would test bits the kernel ignores.
//! - `mmap`'s `prot`/`flags` and `mprotect`'s `prot` are `unsigned long` (64 bits);
//!   `unshare`'s `flags` is `unsigned long` and the kernel rejects unknown high bits.
//! - x32's own entries (numbers 512–547) are compat implementations whose parameters are
//!   all 32-bit compat types, so they are capped at 32 bits.
//!
//! `clone`'s argument order differs per architecture (`CONFIG_CLONE_BACKWARDS*`):
//! x86_64/x32 pass `flags, stack, parent_tid, child_tid, tls`; i386, arm, aarch64,
//! riscv64, powerpc and loongarch64 (`CLONE_BACKWARDS`) pass `tls` before `child_tid`;
//! s390x (`CLONE_BACKWARDS2`) swaps the first two: `stack, flags, …`.
//!
//! Some parameters are not in registers at all: on i386 and s390x, `mmap` is the old
//! `old_mmap(struct mmap_arg_struct *)`, and `socketcall` passes its arguments as an array
//! in memory. [`params`] still describes them (for documentation, with the position in the
//! structure as `index`), but [`param_by_name`] returns [`ParamError::NotInRegister`], since
//! a seccomp filter cannot read user memory.

use super::{Arch, X32_SYSCALL_BIT};

/// One syscall parameter as a filter sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    /// Index into `seccomp_data.args`.
    pub index: u8,
    /// Bits the kernel uses: 16 for `umode_t`, 32 for `int`/`unsigned int` or on 32-bit
    /// ABIs, else 64.
    pub bits: u32,
    /// Whether its values are conventionally written in octal (`umode_t` file modes), so
    /// that text written for people (decompiled policies) says `0o755`, not `0x1ed`.
    pub octal: bool,
}

impl Param {
    /// The value the kernel sees for this parameter, given the raw register.
    pub fn operand(&self, raw: u64) -> u64 {
        if self.bits >= 64 {
            raw
        } else {
            raw & ((1u64 << self.bits) - 1)
        }
    }
}

/// Why a parameter cannot be named in a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamError {
    /// sysgate has no signature for this syscall (use `argN`).
    NoSignature,
    /// The syscall has no parameter of that name; `known` lists the ones it has.
    NoSuchParam { known: Vec<&'static str> },
    /// The parameter exists but is not in a register on this ABI (behind a pointer).
    NotInRegister { reason: &'static str },
}

/// Width class of a C parameter type in the kernel's definition.
#[derive(Clone, Copy)]
enum Ty {
    /// `umode_t` (`unsigned short`).
    M,
    /// `uid_t`/`gid_t`, which the legacy calls of [`UID16`] take as `old_uid_t`
    /// (`unsigned short`) where the ABI has their `…32` successors.
    U,
    /// `int`, `unsigned int`, `pid_t`, `uid_t`, `gid_t`, `key_serial_t`, `u32`.
    I,
    /// `long`, `unsigned long`, `size_t`, `off_t`, `loff_t`, pointers.
    L,
}
use Ty::{I, L, M, U};

impl Ty {
    /// The bits the kernel reads of a parameter of this type, before the register's cap;
    /// `narrow_ids`: the ABI's `old_uid_t` calls of [`UID16`].
    fn bits(self, narrow_ids: bool) -> u32 {
        match self {
            M => 16,
            U if narrow_ids => 16,
            I | U => 32,
            L => 64,
        }
    }
}

/// The parameters of every native x86_64 syscall as the kernel declares them (its syscall
/// tracepoints; `kernel_params.sh` writes the file): the signature of a syscall
/// [`SIGNATURES`] does not list, so that `argN` and the kernel's parameter names are
/// compared at the width the kernel reads (`dup2`'s `newfd` is an `unsigned int`: 32 bits,
/// whatever is above it in the register). Used on the ABIs whose syscalls are those very
/// definitions: x86_64, x32's common entries, and the generic tables of aarch64, riscv64
/// and loongarch64. Not on i386 and arm, where 64-bit values take two registers and some
/// names are older calls (i386 `select` is `old_select`), nor on s390x and ppc64le, whose
/// tables have their own wrappers; there `argN` keeps the register's width.
const KERNEL_PARAMS: &str = include_str!("kernel_params.tsv");

/// The width class of a C type from [`KERNEL_PARAMS`], `None` for one this table does not
/// classify (the signature is then not used).
fn kernel_ty(c_type: &str) -> Option<Ty> {
    if c_type.contains('*') {
        return Some(L);
    }
    let t = c_type.strip_prefix("const ").unwrap_or(c_type);
    if t.starts_with("enum ") {
        return Some(I);
    }
    match t {
        "umode_t" => Some(M),
        "int" | "unsigned int" | "unsigned" | "u32" | "__u32" | "__s32" | "pid_t" | "uid_t"
        | "gid_t" | "clockid_t" | "timer_t" | "mqd_t" | "key_t" | "key_serial_t" | "qid_t"
        | "rwf_t" => Some(I),
        "long" | "unsigned long" | "size_t" | "loff_t" | "off_t" | "aio_context_t" | "u64"
        | "__u64" | "cap_user_header_t" | "cap_user_data_t" => Some(L),
        _ => None,
    }
}

/// [`KERNEL_PARAMS`] read once: syscall name → its parameters (a syscall with a type
/// [`kernel_ty`] does not classify is left out).
fn kernel_signatures() -> &'static std::collections::HashMap<&'static str, Vec<(&'static str, Ty)>>
{
    static TABLE: std::sync::OnceLock<
        std::collections::HashMap<&'static str, Vec<(&'static str, Ty)>>,
    > = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        KERNEL_PARAMS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| {
                let mut fields = l.split('\t');
                let name = fields.next()?;
                let params = fields
                    .map(|f| {
                        let (ty, param) = f.rsplit_once(' ')?;
                        Some((param, kernel_ty(ty.trim_end())?))
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some((name, params))
            })
            .collect()
    })
}

/// Calls whose ids are 16 bits wide on ABIs that also have a `…32` variant (i386 and arm:
/// `setuid` is the kernel's `setuid16`, `setuid32` takes a full `uid_t`). The kernel
/// truncates the register to 16 bits, so a rule on `uid` must compare only those: bit 16
/// set would otherwise slip `setuid(0x10000)` past `deny setuid if uid == 0`. Elsewhere
/// (x86_64, ppc64le…) these names take 32-bit ids.
const UID16: &[&str] = &[
    "setuid",
    "setgid",
    "setfsuid",
    "setfsgid",
    "setreuid",
    "setregid",
    "setresuid",
    "setresgid",
    "chown",
    "lchown",
    "fchown",
];

type Sig = &'static [(&'static str, Ty)];

/// (syscall names sharing a signature, the signature). `clone` is handled separately.
const SIGNATURES: &[(&[&str], Sig)] = &[
    (&["clone3"], &[("uargs", L), ("size", L)]),
    (&["unshare"], &[("flags", L)]),
    (&["setns"], &[("fd", I), ("nstype", I)]),
    (&["socket"], &[("domain", I), ("type", I), ("protocol", I)]),
    (
        &["socketpair"],
        &[("domain", I), ("type", I), ("protocol", I), ("sv", L)],
    ),
    (
        &["bind", "connect"],
        &[("sockfd", I), ("addr", L), ("addrlen", I)],
    ),
    (
        &["accept", "getsockname", "getpeername"],
        &[("sockfd", I), ("addr", L), ("addrlen", L)],
    ),
    (
        &["accept4"],
        &[("sockfd", I), ("addr", L), ("addrlen", L), ("flags", I)],
    ),
    (&["listen"], &[("sockfd", I), ("backlog", I)]),
    (&["shutdown"], &[("sockfd", I), ("how", I)]),
    (
        &["setsockopt"],
        &[
            ("sockfd", I),
            ("level", I),
            ("optname", I),
            ("optval", L),
            ("optlen", I),
        ],
    ),
    (
        &["getsockopt"],
        &[
            ("sockfd", I),
            ("level", I),
            ("optname", I),
            ("optval", L),
            ("optlen", L),
        ],
    ),
    (
        &["sendto"],
        &[
            ("sockfd", I),
            ("buf", L),
            ("len", L),
            ("flags", I),
            ("dest_addr", L),
            ("addrlen", I),
        ],
    ),
    (
        &["recvfrom"],
        &[
            ("sockfd", I),
            ("buf", L),
            ("len", L),
            ("flags", I),
            ("src_addr", L),
            ("addrlen", L),
        ],
    ),
    (
        &["send", "recv"],
        &[("sockfd", I), ("buf", L), ("len", L), ("flags", I)],
    ),
    (
        &["sendmsg", "recvmsg"],
        &[("sockfd", I), ("msg", L), ("flags", I)],
    ),
    (
        &["sendmmsg"],
        &[("sockfd", I), ("msgvec", L), ("vlen", I), ("flags", I)],
    ),
    (
        &["recvmmsg", "recvmmsg_time64"],
        &[
            ("sockfd", I),
            ("msgvec", L),
            ("vlen", I),
            ("flags", I),
            ("timeout", L),
        ],
    ),
    (&["ioctl"], &[("fd", I), ("request", I), ("arg", L)]),
    (
        &["prctl"],
        &[
            ("option", I),
            ("arg2", L),
            ("arg3", L),
            ("arg4", L),
            ("arg5", L),
        ],
    ),
    (&["personality"], &[("persona", I)]),
    (
        &["mmap"],
        &[
            ("addr", L),
            ("length", L),
            ("prot", L),
            ("flags", L),
            ("fd", L),
            ("offset", L),
        ],
    ),
    (
        &["mmap2"],
        &[
            ("addr", L),
            ("length", L),
            ("prot", L),
            ("flags", L),
            ("fd", L),
            ("pgoffset", L),
        ],
    ),
    (&["mprotect"], &[("addr", L), ("len", L), ("prot", L)]),
    (
        &["pkey_mprotect"],
        &[("addr", L), ("len", L), ("prot", L), ("pkey", I)],
    ),
    (&["madvise"], &[("addr", L), ("length", L), ("advice", I)]),
    (
        &["futex", "futex_time64"],
        &[
            ("uaddr", L),
            ("futex_op", I),
            ("val", I),
            ("timeout", L),
            ("uaddr2", L),
            ("val3", I),
        ],
    ),
    (&["open"], &[("pathname", L), ("flags", I), ("mode", M)]),
    (&["creat"], &[("pathname", L), ("mode", M)]),
    (
        &["openat"],
        &[("dirfd", I), ("pathname", L), ("flags", I), ("mode", M)],
    ),
    (&["mkdir"], &[("pathname", L), ("mode", M)]),
    (&["mkdirat"], &[("dirfd", I), ("pathname", L), ("mode", M)]),
    (&["mknod"], &[("pathname", L), ("mode", M), ("dev", I)]),
    (
        &["mknodat"],
        &[("dirfd", I), ("pathname", L), ("mode", M), ("dev", I)],
    ),
    (
        &["mq_open"],
        &[("name", L), ("oflag", I), ("mode", M), ("attr", L)],
    ),
    (&["umask"], &[("mask", I)]),
    (
        &["openat2"],
        &[("dirfd", I), ("pathname", L), ("how", L), ("size", L)],
    ),
    (&["close"], &[("fd", I)]),
    (&["kill"], &[("pid", I), ("sig", I)]),
    (&["tkill"], &[("tid", I), ("sig", I)]),
    (&["tgkill"], &[("tgid", I), ("tid", I), ("sig", I)]),
    (
        &["pidfd_send_signal"],
        &[("pidfd", I), ("sig", I), ("info", L), ("flags", I)],
    ),
    (&["pidfd_open"], &[("pid", I), ("flags", I)]),
    (
        &["ptrace"],
        &[("request", L), ("pid", L), ("addr", L), ("data", L)],
    ),
    (&["seccomp"], &[("operation", I), ("flags", I), ("args", L)]),
    (&["bpf"], &[("cmd", I), ("attr", L), ("size", I)]),
    (
        &["perf_event_open"],
        &[
            ("attr", L),
            ("pid", I),
            ("cpu", I),
            ("group_fd", I),
            ("flags", L),
        ],
    ),
    (
        &["keyctl"],
        &[
            ("operation", I),
            ("arg2", L),
            ("arg3", L),
            ("arg4", L),
            ("arg5", L),
        ],
    ),
    (
        &["add_key"],
        &[
            ("type", L),
            ("description", L),
            ("payload", L),
            ("plen", L),
            ("keyring", I),
        ],
    ),
    (
        &["request_key"],
        &[
            ("type", L),
            ("description", L),
            ("callout_info", L),
            ("dest_keyring", I),
        ],
    ),
    (
        &["mount"],
        &[
            ("source", L),
            ("target", L),
            ("filesystemtype", L),
            ("mountflags", L),
            ("data", L),
        ],
    ),
    (&["umount2"], &[("target", L), ("flags", I)]),
    (&["umount"], &[("target", L)]),
    (&["chmod"], &[("pathname", L), ("mode", M)]),
    (&["fchmod"], &[("fd", I), ("mode", M)]),
    (&["fchmodat"], &[("dirfd", I), ("pathname", L), ("mode", M)]),
    (
        &["fchmodat2"],
        &[("dirfd", I), ("pathname", L), ("mode", M), ("flags", I)],
    ),
    (
        &["chown", "chown32", "lchown", "lchown32"],
        &[("pathname", L), ("owner", U), ("group", U)],
    ),
    (
        &["fchown", "fchown32"],
        &[("fd", I), ("owner", U), ("group", U)],
    ),
    (
        &["fchownat"],
        &[
            ("dirfd", I),
            ("pathname", L),
            ("owner", I),
            ("group", I),
            ("flags", I),
        ],
    ),
    (&["setuid", "setuid32"], &[("uid", U)]),
    (&["setgid", "setgid32"], &[("gid", U)]),
    (&["setfsuid", "setfsuid32"], &[("fsuid", U)]),
    (&["setfsgid", "setfsgid32"], &[("fsgid", U)]),
    (&["setreuid", "setreuid32"], &[("ruid", U), ("euid", U)]),
    (&["setregid", "setregid32"], &[("rgid", U), ("egid", U)]),
    (
        &["setresuid", "setresuid32"],
        &[("ruid", U), ("euid", U), ("suid", U)],
    ),
    (
        &["setresgid", "setresgid32"],
        &[("rgid", U), ("egid", U), ("sgid", U)],
    ),
    (&["setgroups", "setgroups32"], &[("size", I), ("list", L)]),
    (
        &["kcmp"],
        &[
            ("pid1", I),
            ("pid2", I),
            ("type", I),
            ("idx1", L),
            ("idx2", L),
        ],
    ),
    (&["fcntl", "fcntl64"], &[("fd", I), ("cmd", I), ("arg", L)]),
    (&["socketcall"], &[("call", I), ("args", L)]),
    (
        &["ipc"],
        &[
            ("call", I),
            ("first", I),
            ("second", L),
            ("third", L),
            ("ptr", L),
            ("fifth", L),
        ],
    ),
    (&["read", "write"], &[("fd", I), ("buf", L), ("count", L)]),
    (&["exit", "exit_group"], &[("status", I)]),
    (&["execve"], &[("pathname", L), ("argv", L), ("envp", L)]),
    (
        &["execveat"],
        &[
            ("dirfd", I),
            ("pathname", L),
            ("argv", L),
            ("envp", L),
            ("flags", I),
        ],
    ),
    (&["memfd_create"], &[("name", L), ("flags", I)]),
    (&["userfaultfd"], &[("flags", I)]),
    (
        &["reboot"],
        &[("magic", I), ("magic2", I), ("cmd", I), ("arg", L)],
    ),
    (
        &["finit_module"],
        &[("fd", I), ("param_values", L), ("flags", I)],
    ),
    (&["io_uring_setup"], &[("entries", I), ("params", L)]),
];

/// `clone`'s parameters in each of the three kernel orders (see the module docs).
const CLONE_DEFAULT: Sig = &[
    ("flags", I),
    ("stack", L),
    ("parent_tid", L),
    ("child_tid", L),
    ("tls", L),
];
const CLONE_BACKWARDS: Sig = &[
    ("flags", I),
    ("stack", L),
    ("parent_tid", L),
    ("tls", L),
    ("child_tid", L),
];
const CLONE_BACKWARDS2: Sig = &[
    ("stack", L),
    ("flags", I),
    ("parent_tid", L),
    ("child_tid", L),
    ("tls", L),
];

/// Why a syscall's parameters cannot be read from registers on `arch`, if that is so.
fn not_in_register(arch: Arch, syscall: &str, param: &str) -> Option<&'static str> {
    match (arch, syscall) {
        (Arch::I386 | Arch::S390x, "mmap") => Some(
            "on this architecture `mmap` is old_mmap: its arguments are in a struct in \
             memory, which seccomp cannot read (use `mmap2` on i386)",
        ),
        (_, "socketcall") if param == "args" => Some(
            "socketcall's arguments are an array in memory; arg1 is only its address, \
             which seccomp cannot dereference",
        ),
        _ => None,
    }
}

/// The parameters of `syscall` on `arch`, if sysgate knows its signature (and the
/// syscall exists on `arch`).
///
/// For calls whose arguments live in memory (`mmap` on i386/s390x), the list describes
/// the structure's fields; use [`param_by_name`] to build conditions, which reports
/// [`ParamError::NotInRegister`] for them.
pub fn params(arch: Arch, syscall: &str) -> Option<Vec<Param>> {
    let nr = arch.syscall_nr(syscall)?;
    let sig: Sig = if syscall == "clone" {
        match arch {
            Arch::X86_64 | Arch::X32 => CLONE_DEFAULT,
            Arch::S390x => CLONE_BACKWARDS2,
            Arch::I386
            | Arch::Arm
            | Arch::Aarch64
            | Arch::Riscv64
            | Arch::Ppc64le
            | Arch::Loongarch64 => CLONE_BACKWARDS,
        }
    } else if let Some((_, sig)) = SIGNATURES
        .iter()
        .find(|(names, _)| names.contains(&syscall))
    {
        sig
    } else {
        match arch {
            Arch::X86_64 | Arch::X32 | Arch::Aarch64 | Arch::Riscv64 | Arch::Loongarch64 => {
                kernel_signatures().get(syscall)?.as_slice()
            }
            Arch::I386 | Arch::Arm | Arch::S390x | Arch::Ppc64le => return None,
        }
    };
    // s390's ipc (sys_s390_ipc) takes five arguments: there is no `fifth`.
    let sig = if arch == Arch::S390x && syscall == "ipc" {
        &sig[..5]
    } else {
        sig
    };
    // x32's own entries (512 and up) are compat implementations: 32-bit types throughout.
    let x32_compat = arch == Arch::X32 && nr & !X32_SYSCALL_BIT >= 512;
    let cap = if x32_compat { 32 } else { arch.register_bits() };
    let uid16 = UID16.contains(&syscall) && arch.syscall_nr(&format!("{syscall}32")).is_some();
    Some(
        sig.iter()
            .enumerate()
            .map(|(i, (name, ty))| Param {
                name,
                index: i as u8,
                bits: ty.bits(uid16).min(cap),
                octal: matches!(ty, M),
            })
            .collect(),
    )
}

/// The position of parameter `name` of `syscall` as the kernel declares it for x86_64
/// (`src/arch/kernel_params.tsv`), whether or not [`params`] uses that declaration on a
/// given ABI.
pub fn kernel_param_index(syscall: &str, name: &str) -> Option<u8> {
    let sig = kernel_signatures().get(syscall)?;
    sig.iter().position(|(n, _)| *n == name).map(|i| i as u8)
}

/// Looks up one parameter by name.
pub fn param_by_name(arch: Arch, syscall: &str, name: &str) -> Result<Param, ParamError> {
    match params(arch, syscall) {
        None => Err(ParamError::NoSignature),
        Some(ps) => {
            let p = ps.iter().find(|p| p.name == name).copied().ok_or_else(|| {
                ParamError::NoSuchParam {
                    known: ps.iter().map(|p| p.name).collect(),
                }
            })?;
            match not_in_register(arch, syscall, name) {
                Some(reason) => Err(ParamError::NotInRegister { reason }),
                None => Ok(p),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(arch: Arch, sc: &str, name: &str) -> Param {
        param_by_name(arch, sc, name).unwrap_or_else(|e| panic!("{arch} {sc} {name}: {e:?}"))
    }

    #[test]
    fn every_kernel_signature_is_read() {
        let lines = KERNEL_PARAMS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty());
        for l in lines {
            let name = l.split('\t').next().unwrap();
            assert!(
                kernel_signatures().contains_key(name),
                "a type of {l:?} is not classified"
            );
        }
        assert!(kernel_signatures().len() > 300);
    }

    /// The hand-written signatures against the kernel's own declarations: the same widths,
    /// but for the cases where sysgate knows better than the declared type.
    #[test]
    fn hand_written_widths_agree_with_the_kernel() {
        // (syscall, parameter): why the width differs from the declared type.
        let known: &[(&str, &str)] = &[
            // `unsigned long clone_flags`, of which sys_clone uses lower_32_bits.
            ("clone", "flags"),
        ];
        let mut compared = 0;
        for (names, _) in SIGNATURES {
            for name in *names {
                let Some(kernel) = kernel_signatures().get(name) else {
                    continue;
                };
                let Some(ours) = params(Arch::X86_64, name) else {
                    continue;
                };
                for (o, (kname, kty)) in ours.iter().zip(kernel) {
                    let want = kty.bits(false);
                    if o.bits != want && !known.contains(&(name, o.name)) {
                        panic!(
                            "{name} {} ({kname} in the kernel): {} bits, kernel {want}",
                            o.name, o.bits
                        );
                    }
                    compared += 1;
                }
            }
        }
        assert!(compared > 100, "{compared}");
    }

    #[test]
    fn syscalls_without_a_hand_signature_take_the_kernels() {
        // `unsigned int newfd`: 32 bits, so `newfd == 1` holds for 0x1_0000_0001 too.
        let newfd = p(Arch::X86_64, "dup2", "newfd");
        assert_eq!((newfd.index, newfd.bits), (1, 32));
        assert_eq!(p(Arch::Aarch64, "dup3", "flags").bits, 32);
        assert_eq!(p(Arch::X86_64, "lseek", "offset").bits, 64);
        assert_eq!(p(Arch::X32, "lseek", "whence").bits, 32);
        // Not on the ABIs whose tables differ from these definitions.
        for arch in [Arch::I386, Arch::Arm, Arch::S390x, Arch::Ppc64le] {
            assert!(params(arch, "dup2").is_none(), "{arch}");
        }
        // i386 `select` is old_select (one pointer): no x86_64 names there.
        assert!(params(Arch::I386, "select").is_none());
    }

    #[test]
    fn clone_orders() {
        for a in [Arch::X86_64, Arch::X32] {
            assert_eq!(p(a, "clone", "flags").index, 0);
            assert_eq!(p(a, "clone", "child_tid").index, 3);
            assert_eq!(p(a, "clone", "tls").index, 4);
        }
        for a in [
            Arch::I386,
            Arch::Arm,
            Arch::Aarch64,
            Arch::Riscv64,
            Arch::Ppc64le,
            Arch::Loongarch64,
        ] {
            assert_eq!(p(a, "clone", "flags").index, 0, "{a}");
            assert_eq!(p(a, "clone", "tls").index, 3, "{a}");
            assert_eq!(p(a, "clone", "child_tid").index, 4, "{a}");
        }
        assert_eq!(p(Arch::S390x, "clone", "flags").index, 1);
        assert_eq!(p(Arch::S390x, "clone", "stack").index, 0);
        assert_eq!(p(Arch::S390x, "clone", "tls").index, 4);
        assert_eq!(p(Arch::X86_64, "clone", "flags").bits, 32);
        assert_eq!(p(Arch::X86_64, "clone3", "uargs").bits, 64);
    }

    #[test]
    fn widths() {
        assert_eq!(p(Arch::X86_64, "socket", "domain").bits, 32);
        assert_eq!(p(Arch::X86_64, "ioctl", "request").bits, 32);
        assert_eq!(p(Arch::X86_64, "ioctl", "arg").bits, 64);
        assert_eq!(p(Arch::X86_64, "personality", "persona").bits, 32);
        assert_eq!(p(Arch::X86_64, "prctl", "option").bits, 32);
        assert_eq!(p(Arch::X86_64, "prctl", "arg2").bits, 64);
        assert_eq!(p(Arch::X86_64, "unshare", "flags").bits, 64);
        assert_eq!(p(Arch::X86_64, "mmap", "prot").bits, 64);
        assert_eq!(p(Arch::X86_64, "mprotect", "prot").bits, 64);
        assert_eq!(p(Arch::X86_64, "futex", "futex_op").bits, 32);
        assert_eq!(p(Arch::X86_64, "ptrace", "request").bits, 64);
        for (sc, i) in [("chmod", 1), ("fchmodat", 2), ("openat", 3), ("mknodat", 2)] {
            let m = p(Arch::X86_64, sc, "mode");
            assert_eq!((m.index, m.bits), (i, 16), "{sc}");
            assert_eq!(m.operand(0x1_0000 | 0o4755), 0o4755);
        }
        assert_eq!(p(Arch::I386, "open", "mode").bits, 16);
        // The legacy id calls are 16-bit where a `…32` variant exists, 32-bit elsewhere.
        for arch in [Arch::I386, Arch::Arm] {
            assert_eq!(p(arch, "setuid", "uid").bits, 16);
            assert_eq!(p(arch, "setresgid", "sgid").bits, 16);
            assert_eq!(p(arch, "setuid32", "uid").bits, 32);
            assert_eq!(p(arch, "setreuid32", "euid").bits, 32);
            assert_eq!(p(arch, "fchown", "owner").bits, 16);
            assert_eq!(p(arch, "lchown", "group").bits, 16);
            assert_eq!(p(arch, "chown32", "owner").bits, 32);
            assert_eq!(p(arch, "fchownat", "owner").bits, 32);
        }
        for arch in [
            Arch::X86_64,
            Arch::X32,
            Arch::Ppc64le,
            Arch::S390x,
            Arch::Aarch64,
        ] {
            assert_eq!(p(arch, "setuid", "uid").bits, 32);
            assert_eq!(p(arch, "setresgid", "sgid").bits, 32);
            assert_eq!(p(arch, "fchownat", "owner").bits, 32);
        }
        assert_eq!(p(Arch::X86_64, "chown", "owner").bits, 32);
        // A 64-bit parameter on x86_64 is 32 bits on i386 and arm.
        assert_eq!(p(Arch::I386, "unshare", "flags").bits, 32);
        assert_eq!(p(Arch::I386, "mprotect", "prot").bits, 32);
        assert_eq!(p(Arch::Arm, "prctl", "arg2").bits, 32);
        assert_eq!(p(Arch::Aarch64, "prctl", "arg2").bits, 64);
        // x32's compat entries use 32-bit types; its common entries are the 64-bit ones.
        assert_eq!(p(Arch::X32, "ioctl", "arg").bits, 32);
        assert_eq!(p(Arch::X32, "mprotect", "prot").bits, 64);
    }

    #[test]
    fn indices() {
        assert_eq!(p(Arch::X86_64, "setsockopt", "optname").index, 2);
        assert_eq!(p(Arch::X86_64, "mmap", "flags").index, 3);
        assert_eq!(p(Arch::X86_64, "openat", "flags").index, 2);
        assert_eq!(p(Arch::X86_64, "open", "flags").index, 1);
        assert_eq!(p(Arch::X86_64, "execveat", "flags").index, 4);
        assert_eq!(p(Arch::X86_64, "accept4", "flags").index, 3);
        assert_eq!(p(Arch::X86_64, "seccomp", "operation").index, 0);
        assert_eq!(p(Arch::X86_64, "tgkill", "sig").index, 2);
        assert_eq!(p(Arch::I386, "mmap2", "prot").index, 2);
        assert_eq!(p(Arch::I386, "socketcall", "call").index, 0);
        assert_eq!(p(Arch::I386, "ipc", "call").index, 0);
        assert_eq!(p(Arch::I386, "ipc", "fifth").index, 5);
        assert!(param_by_name(Arch::S390x, "ipc", "fifth").is_err());
        assert_eq!(p(Arch::I386, "fcntl64", "cmd").index, 1);
        assert_eq!(p(Arch::I386, "setuid32", "uid").index, 0);
    }

    #[test]
    fn errors() {
        assert_eq!(
            param_by_name(Arch::I386, "getpid", "x"),
            Err(ParamError::NoSignature)
        );
        assert_eq!(
            param_by_name(Arch::X86_64, "getpid", "x"),
            Err(ParamError::NoSuchParam { known: vec![] })
        );
        // open does not exist on aarch64.
        assert_eq!(
            param_by_name(Arch::Aarch64, "open", "flags"),
            Err(ParamError::NoSignature)
        );
        match param_by_name(Arch::X86_64, "socket", "family") {
            Err(ParamError::NoSuchParam { known }) => {
                assert_eq!(known, vec!["domain", "type", "protocol"])
            }
            other => panic!("{other:?}"),
        }
        for a in [Arch::I386, Arch::S390x] {
            assert!(params(a, "mmap").is_some());
            assert!(matches!(
                param_by_name(a, "mmap", "prot"),
                Err(ParamError::NotInRegister { .. })
            ));
        }
        assert_eq!(p(Arch::Ppc64le, "mmap", "prot").index, 2);
        assert!(matches!(
            param_by_name(Arch::I386, "socketcall", "args"),
            Err(ParamError::NotInRegister { .. })
        ));
    }

    #[test]
    fn every_signature_names_a_real_syscall_and_unique_params() {
        let all = crate::arch::all_syscall_names();
        for (names, sig) in SIGNATURES {
            for n in *names {
                assert!(all.contains(n), "{n}");
            }
            assert!(sig.len() <= 6);
            for (i, (a, _)) in sig.iter().enumerate() {
                assert!(sig[i + 1..].iter().all(|(b, _)| a != b), "{names:?} {a}");
            }
        }
    }
}
