//! What a filter costs the kernel: which syscalls its action cache can serve without running
//! the filter, and how many instructions the filter runs for a syscall mix.
//!
//! The cache (Linux 5.11+) is built once per filter: for every syscall number of the native
//! and compat ABIs the kernel runs `seccomp_is_const_allow` (kernel/seccomp.c), a symbolic
//! execution that knows only `nr` and `arch`. It follows `ld [0]`/`ld [4]`, `jeq`/`jge`/
//! `jgt`/`jset #k`, `ja` and `and #k`; any other instruction (a load of an argument, an
//! `X`-operand jump, other ALU operations) makes the syscall uncacheable, and so does
//! reaching a `ret` other than `SECCOMP_RET_ALLOW`. [`is_const_allow`] repeats that
//! procedure exactly. x32 numbers (bit 30 set) are outside every bitmap, so x32 syscalls
//! are never cached.

use crate::arch::Arch;
use crate::bpf::emulator::{run, SeccompData};
use crate::bpf::insn::*;
use crate::ir::Policy;
use crate::policy::ast::Action;

/// `SECCOMP_RET_ALLOW`.
const RET_ALLOW: u32 = 0x7fff_0000;

/// Whether the kernel's action cache would always allow syscall `nr` of ABI `audit_arch`
/// without running `prog` (the kernel's `seccomp_is_const_allow`).
pub fn is_const_allow(prog: &[Insn], audit_arch: u32, nr: u32) -> bool {
    let mut acc: u32 = 0;
    let mut pc: usize = 0;
    while pc < prog.len() {
        let ins = prog[pc];
        let k = ins.k;
        const LD: u16 = BPF_LD | BPF_W | BPF_ABS;
        const RET: u16 = BPF_RET | BPF_K;
        const JA: u16 = BPF_JMP | BPF_JA;
        const JEQ: u16 = BPF_JMP | BPF_JEQ | BPF_K;
        const JGE: u16 = BPF_JMP | BPF_JGE | BPF_K;
        const JGT: u16 = BPF_JMP | BPF_JGT | BPF_K;
        const JSET: u16 = BPF_JMP | BPF_JSET | BPF_K;
        const AND: u16 = BPF_ALU | BPF_AND | BPF_K;
        match ins.code {
            LD => match k {
                0 => acc = nr,
                4 => acc = audit_arch,
                _ => return false,
            },
            RET => return k == RET_ALLOW,
            JA => pc += k as usize,
            JEQ | JGE | JGT | JSET => {
                let taken = match ins.code {
                    JEQ => acc == k,
                    JGE => acc >= k,
                    JGT => acc > k,
                    _ => acc & k != 0,
                };
                pc += usize::from(if taken { ins.jt } else { ins.jf });
            }
            AND => acc &= k,
            _ => return false,
        }
        pc += 1;
    }
    false
}

/// Whether the kernel keeps an action-cache bitmap for this ABI (x32 has none).
pub fn has_cache(arch: Arch) -> bool {
    arch != Arch::X32
}

/// The unconditionally allowed syscalls of a policy, and how many of them the cache serves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheShare {
    /// (arch, syscall) pairs whose decision is `allow` whatever the arguments, on ABIs that
    /// have a cache.
    pub allowed: usize,
    /// How many of those the kernel would cache.
    pub cached: usize,
    /// The ones it would not, by name.
    pub missed: Vec<(Arch, String)>,
}

impl CacheShare {
    pub fn percent(&self) -> f64 {
        if self.allowed == 0 {
            100.0
        } else {
            100.0 * self.cached as f64 / self.allowed as f64
        }
    }
}

/// Checks every unconditionally allowed syscall of `policy` against `prog`'s cacheability.
/// `prog` need not come from sysgate (libseccomp's output works too); only the policy's
/// decisions say which syscalls should be cacheable.
pub fn cache_share(prog: &[Insn], policy: &Policy) -> CacheShare {
    let mut out = CacheShare::default();
    for s in policy.sections.iter().filter(|s| has_cache(s.arch)) {
        for (&nr, d) in &s.syscalls {
            if !(d.rules.is_empty() && d.otherwise.action == Action::Allow) {
                continue;
            }
            out.allowed += 1;
            if is_const_allow(prog, s.arch.audit_arch(), nr) {
                out.cached += 1;
            } else {
                out.missed
                    .push((s.arch, s.arch.syscall_name(nr).unwrap_or("?").to_string()));
            }
        }
    }
    out
}

/// Instructions a filter runs over a syscall mix.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MixCost {
    /// The mean over the mix, weighted by call counts (every call runs the filter).
    pub mean: f64,
    /// The mean when calls the kernel's cache serves count as 0 (what really runs).
    pub mean_uncached: f64,
    /// The most any input of `worst_inputs` ran.
    pub worst: usize,
}

/// Runs `prog` for each `(data, weight)` of `mix`, and for every input of `worst_inputs`.
pub fn mix_cost(
    prog: &[Insn],
    mix: &[(SeccompData, f64)],
    worst_inputs: &[SeccompData],
) -> MixCost {
    let executed = |d: &SeccompData| run(prog, d).map(|o| o.executed).unwrap_or(usize::MAX);
    let total: f64 = mix.iter().map(|m| m.1).sum();
    let mut sum = 0.0;
    let mut sum_uncached = 0.0;
    for (d, w) in mix {
        let e = executed(d) as f64;
        sum += e * w;
        let x32 = d.nr & crate::arch::X32_SYSCALL_BIT != 0;
        if x32 || !is_const_allow(prog, d.arch, d.nr) {
            sum_uncached += e * w;
        }
    }
    let worst = worst_inputs.iter().map(executed).max().unwrap_or(0);
    let mean = |s: f64| if total > 0.0 { s / total } else { 0.0 };
    MixCost {
        mean: mean(sum),
        mean_uncached: mean(sum_uncached),
        worst,
    }
}

/// How many eBPF instructions the kernel's converter makes of `prog`, roughly: a
/// conditional jump with both offsets non-zero needs a second (`ja`) instruction, and a
/// `jset` whose immediate has bit 31 set needs one more to load it.
pub fn ebpf_estimate(prog: &[Insn]) -> usize {
    prog.iter()
        .map(|i| {
            let mut n = 1;
            if i.class() == BPF_JMP && i.code & 0xf0 != BPF_JA {
                if i.jt != 0 && i.jf != 0 {
                    n += 1;
                }
                if i.k & 0x8000_0000 != 0 && i.code & 0xf0 == BPF_JSET {
                    n += 1;
                }
            }
            n
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const X86_64: u32 = 0xc000_003e;

    #[test]
    fn a_number_test_is_cacheable() {
        // ld arch; jeq x86_64 else kill; ld nr; jeq 39 → allow; kill.
        let p = vec![
            Insn::load_abs(4),
            Insn::jump(BPF_JEQ, X86_64, 0, 3),
            Insn::load_abs(0),
            Insn::jump(BPF_JEQ, 39, 0, 1),
            Insn::ret(RET_ALLOW),
            Insn::ret(0),
        ];
        assert!(is_const_allow(&p, X86_64, 39));
        assert!(!is_const_allow(&p, X86_64, 40), "ends in kill");
        assert!(!is_const_allow(&p, 0x4000_0003, 39), "other arch: kill");
    }

    #[test]
    fn an_argument_load_on_the_path_is_not() {
        // ld nr; jeq 1 → (ld arg0; jeq 0 → allow else errno) else allow
        let p = vec![
            Insn::load_abs(0),
            Insn::jump(BPF_JEQ, 1, 0, 3),
            Insn::load_abs(16),
            Insn::jump(BPF_JEQ, 0, 1, 0),
            Insn::ret(0x0005_0001),
            Insn::ret(RET_ALLOW),
        ];
        assert!(!is_const_allow(&p, X86_64, 1));
        assert!(is_const_allow(&p, X86_64, 2));
    }

    #[test]
    fn and_jset_ja_and_jgt_are_followed() {
        // ld nr; and 0xff; jset 0x80 → kill; jgt 10 → (ja → allow) else errno
        let p = vec![
            Insn::load_abs(0),
            Insn::and(0xff),
            Insn::jump(BPF_JSET, 0x80, 3, 0),
            Insn::jump(BPF_JGT, 10, 0, 1),
            Insn::ja(2),
            Insn::ret(0x0005_0001),
            Insn::ret(0),
            Insn::ret(RET_ALLOW),
        ];
        assert!(is_const_allow(&p, X86_64, 0x10b)); // & 0xff = 11 > 10
        assert!(!is_const_allow(&p, X86_64, 5)); // errno
        assert!(!is_const_allow(&p, X86_64, 0x90)); // bit 7 set: kill
    }

    #[test]
    fn x_operands_other_alu_and_non_allow_returns_are_not() {
        let tax = Insn::new(BPF_MISC | BPF_TAX, 0, 0, 0);
        let p = vec![Insn::load_abs(0), tax, Insn::ret(RET_ALLOW)];
        assert!(!is_const_allow(&p, X86_64, 0));
        let or = Insn::new(BPF_ALU | BPF_OR | BPF_K, 0, 0, 1);
        let p = vec![Insn::load_abs(0), or, Insn::ret(RET_ALLOW)];
        assert!(!is_const_allow(&p, X86_64, 0));
        assert!(is_const_allow(&[Insn::ret(RET_ALLOW)], X86_64, 0));
        // `log` lets the call through but is not an allow.
        assert!(!is_const_allow(&[Insn::ret(0x7ffc_0000)], X86_64, 0));
    }

    #[test]
    fn sysgate_output_is_fully_cacheable() {
        let p = crate::policy::Policy::builtin("container").unwrap();
        let prog = p.compile().unwrap();
        let share = cache_share(&prog.insns, &p.resolved);
        assert!(share.allowed > 300, "{share:?}");
        assert_eq!(share.cached, share.allowed, "missed: {:?}", share.missed);
    }

    #[test]
    fn ebpf_estimate_counts_two_way_jumps() {
        let p = vec![
            Insn::load_abs(0),
            Insn::jump(BPF_JEQ, 1, 1, 2),
            Insn::jump(BPF_JEQ, 1, 0, 1),
            Insn::ret(0),
            Insn::ret(1),
        ];
        assert_eq!(ebpf_estimate(&p), 6);
    }
}
