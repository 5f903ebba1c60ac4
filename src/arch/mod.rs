//! Target architectures: the `AUDIT_ARCH_*` value seccomp reports, the syscall table,
//! the multiplexed calls (`socketcall`, `ipc`), named constants and parameter layouts.
//!
//! A seccomp filter sees an architecture as `seccomp_data.arch` plus a syscall number. Two
//! of our targets share an `AUDIT_ARCH` value: x86_64 and x32 both report
//! `AUDIT_ARCH_X86_64`; x32 is told apart by bit 30 of the number
//! ([`X32_SYSCALL_BIT`]). Numbers for x32 are therefore stored here *with* that bit set, so
//! that every number in this module is exactly what the filter compares.
//!
//! ```
//! use sysgate::arch::Arch;
//! assert_eq!(Arch::X86_64.syscall_nr("openat"), Some(257));
//! assert_eq!(Arch::X32.syscall_nr("openat"), Some(257 | 0x4000_0000));
//! assert_eq!(Arch::I386.syscall_name(11), Some("execve"));
//! ```

mod constants;
mod multiplex;
mod params;
mod tables;

pub use constants::{constant, constant_names, errno, errno_name};
pub use multiplex::{multiplexed, multiplexed_calls, Multiplexed, Multiplexer};
pub use params::{kernel_param_index, param_by_name, params, Param, ParamError};

use serde::Serialize;
use std::fmt;

/// Bit 30 marks an x32 syscall number on x86_64 (`__X32_SYSCALL_BIT`).
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// A kernel syscall ABI sysgate can target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    X86_64,
    I386,
    X32,
    Aarch64,
    Arm,
    Riscv64,
    S390x,
    Ppc64le,
    Loongarch64,
}

impl Arch {
    /// Every architecture, in a stable order (the order used in outputs).
    pub const ALL: [Arch; 9] = [
        Arch::X86_64,
        Arch::I386,
        Arch::X32,
        Arch::Aarch64,
        Arch::Arm,
        Arch::Riscv64,
        Arch::S390x,
        Arch::Ppc64le,
        Arch::Loongarch64,
    ];

    /// The canonical name used in policies and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::I386 => "i386",
            Arch::X32 => "x32",
            Arch::Aarch64 => "aarch64",
            Arch::Arm => "arm",
            Arch::Riscv64 => "riscv64",
            Arch::S390x => "s390x",
            Arch::Ppc64le => "ppc64le",
            Arch::Loongarch64 => "loongarch64",
        }
    }

    /// Parses a canonical name or a common alias (`amd64`, `x86`, `arm64`, `armhf`, …).
    pub fn from_name(s: &str) -> Option<Arch> {
        Some(match s.to_ascii_lowercase().as_str() {
            "x86_64" | "amd64" | "x86-64" => Arch::X86_64,
            "i386" | "x86" | "i686" | "ia32" => Arch::I386,
            "x32" => Arch::X32,
            "aarch64" | "arm64" => Arch::Aarch64,
            "arm" | "armhf" | "armel" | "armv7" => Arch::Arm,
            "riscv64" => Arch::Riscv64,
            "s390x" => Arch::S390x,
            "ppc64le" | "powerpc64le" => Arch::Ppc64le,
            "loongarch64" | "loong64" => Arch::Loongarch64,
            _ => return None,
        })
    }

    /// The `AUDIT_ARCH_*` value the kernel puts in `seccomp_data.arch`.
    pub const fn audit_arch(self) -> u32 {
        const EM_386: u32 = 3;
        const EM_S390: u32 = 22;
        const EM_PPC64: u32 = 21;
        const EM_ARM: u32 = 40;
        const EM_X86_64: u32 = 62;
        const EM_AARCH64: u32 = 183;
        const EM_RISCV: u32 = 243;
        const EM_LOONGARCH: u32 = 258;
        const A64: u32 = 0x8000_0000; // __AUDIT_ARCH_64BIT
        const LE: u32 = 0x4000_0000; // __AUDIT_ARCH_LE
        match self {
            Arch::X86_64 | Arch::X32 => EM_X86_64 | A64 | LE,
            Arch::I386 => EM_386 | LE,
            Arch::Aarch64 => EM_AARCH64 | A64 | LE,
            Arch::Arm => EM_ARM | LE,
            Arch::Riscv64 => EM_RISCV | A64 | LE,
            Arch::S390x => EM_S390 | A64,
            Arch::Ppc64le => EM_PPC64 | A64 | LE,
            Arch::Loongarch64 => EM_LOONGARCH | A64 | LE,
        }
    }

    /// The architectures whose `audit_arch` equals `value` (x86_64 and x32 share one).
    pub fn from_audit_arch(value: u32) -> Vec<Arch> {
        Arch::ALL
            .into_iter()
            .filter(|a| a.audit_arch() == value)
            .collect()
    }

    /// Width in bits of a syscall argument register as the kernel reads it. x32 passes
    /// full 64-bit registers and most of its syscalls are the 64-bit implementations.
    pub const fn register_bits(self) -> u32 {
        match self {
            Arch::I386 | Arch::Arm => 32,
            _ => 64,
        }
    }

    /// Whether `seccomp_data.args[i]` is stored big-endian (the high word first).
    pub const fn big_endian(self) -> bool {
        matches!(self, Arch::S390x)
    }

    /// The architectures `native` means on this host: its own ABI plus its compat ABIs.
    pub fn native() -> Vec<Arch> {
        let host = Arch::host();
        match host {
            Arch::X86_64 => vec![Arch::X86_64, Arch::I386, Arch::X32],
            Arch::Aarch64 => vec![Arch::Aarch64, Arch::Arm],
            other => vec![other],
        }
    }

    /// The ABI this binary was built for.
    pub const fn host() -> Arch {
        #[cfg(all(target_arch = "x86_64", target_pointer_width = "64"))]
        return Arch::X86_64;
        #[cfg(all(target_arch = "x86_64", target_pointer_width = "32"))]
        return Arch::X32;
        #[cfg(target_arch = "x86")]
        return Arch::I386;
        #[cfg(target_arch = "aarch64")]
        return Arch::Aarch64;
        #[cfg(target_arch = "arm")]
        return Arch::Arm;
        #[cfg(target_arch = "riscv64")]
        return Arch::Riscv64;
        #[cfg(target_arch = "s390x")]
        return Arch::S390x;
        #[cfg(target_arch = "powerpc64")]
        return Arch::Ppc64le;
        #[cfg(target_arch = "loongarch64")]
        return Arch::Loongarch64;
    }

    /// The syscall number the filter sees for `name`, if this ABI has that syscall.
    pub fn syscall_nr(self, name: &str) -> Option<u32> {
        tables::by_name(self).get(name).copied()
    }

    /// The name of syscall number `nr` on this ABI.
    pub fn syscall_name(self, nr: u32) -> Option<&'static str> {
        tables::table(self)
            .iter()
            .find(|(_, n)| *n == nr)
            .map(|(name, _)| *name)
    }

    /// Every (name, number) of this ABI, sorted by number.
    pub fn syscalls(self) -> &'static [(&'static str, u32)] {
        tables::table(self)
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every syscall name known on at least one architecture, sorted and deduplicated.
pub fn all_syscall_names() -> Vec<&'static str> {
    syscall_names().to_vec()
}

/// [`all_syscall_names`], built once and shared.
pub fn syscall_names() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut v: Vec<&'static str> = Arch::ALL
            .iter()
            .flat_map(|a| a.syscalls().iter().map(|(n, _)| *n))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_arch_values_match_the_kernel_headers() {
        // Values from linux/audit.h, written out independently of the computation above.
        assert_eq!(Arch::X86_64.audit_arch(), 0xc000_003e);
        assert_eq!(Arch::I386.audit_arch(), 0x4000_0003);
        assert_eq!(Arch::Aarch64.audit_arch(), 0xc000_00b7);
        assert_eq!(Arch::Arm.audit_arch(), 0x4000_0028);
        assert_eq!(Arch::Riscv64.audit_arch(), 0xc000_00f3);
        assert_eq!(Arch::S390x.audit_arch(), 0x8000_0016);
        assert_eq!(Arch::Ppc64le.audit_arch(), 0xc000_0015);
        assert_eq!(Arch::Loongarch64.audit_arch(), 0xc000_0102);
    }

    #[test]
    fn names_round_trip() {
        for a in Arch::ALL {
            assert_eq!(Arch::from_name(a.name()), Some(a));
        }
    }
}
