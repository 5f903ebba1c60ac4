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
//!
//! The kernel does not run the classic program itself: it converts it to eBPF once, and a
//! classic instruction may become one, two or more eBPF instructions. [`ebpf_size`] and
//! [`ebpf_executed`] model that conversion exactly (the rules are at [`EBPF_PROLOGUE`]).

use crate::arch::Arch;
use crate::bpf::emulator::{run_branches, EmuError, SeccompData};
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
    /// The mean over the mix of the eBPF instructions the kernel's converted program runs
    /// ([`ebpf_executed`]).
    pub ebpf_mean: f64,
}

/// Runs `prog` for each `(data, weight)` of `mix`, and for every input of `worst_inputs`.
pub fn mix_cost(
    prog: &[Insn],
    mix: &[(SeccompData, f64)],
    worst_inputs: &[SeccompData],
) -> MixCost {
    let executed = |d: &SeccompData| {
        run_branches(prog, d)
            .map(|(o, taken)| (o.executed, ebpf_path(prog, &o.path, &taken)))
            .unwrap_or((usize::MAX, usize::MAX))
    };
    let total: f64 = mix.iter().map(|m| m.1).sum();
    let mut sum = 0.0;
    let mut sum_uncached = 0.0;
    let mut sum_ebpf = 0.0;
    for (d, w) in mix {
        let (e, ebpf) = executed(d);
        let e = e as f64;
        sum += e * w;
        sum_ebpf += ebpf as f64 * w;
        let x32 = d.nr & crate::arch::X32_SYSCALL_BIT != 0;
        if x32 || !is_const_allow(prog, d.arch, d.nr) {
            sum_uncached += e * w;
        }
    }
    let worst = worst_inputs
        .iter()
        .map(|d| executed(d).0)
        .max()
        .unwrap_or(0);
    let mean = |s: f64| if total > 0.0 { s / total } else { 0.0 };
    MixCost {
        mean: mean(sum),
        mean_uncached: mean(sum_uncached),
        worst,
        ebpf_mean: mean(sum_ebpf),
    }
}

/// The eBPF the kernel runs: seccomp converts the classic program once, when it is loaded
/// (`bpf_convert_filter` in net/core/filter.c, after `seccomp_check_filter` in
/// kernel/seccomp.c turned `ld [k]` into a direct load from `struct seccomp_data` and
/// `ld len` into `ld #64`), and the JIT or the interpreter runs the result. The conversion
/// is instruction by instruction, after a prologue:
///
/// | classic | eBPF | runs |
/// |---|---|---|
/// | prologue (clear A and X, keep the context pointer) | 3 | 3 |
/// | `ld [k]`, `ld #k`, `ld M[k]`, `st`, `tax`, ALU (but `div x`), `ja` | 1 | 1 |
/// | `div x` (a zero check that returns 0 is put in front) | 5 | 3, or 4 when x is 0 |
/// | `ret #k` (set the return register, exit) | 2 | 2 |
/// | `ret a` | 1 | 1 |
/// | `jeq/jgt/jge/jset` with `jf == 0`, or `jt == 0` for `jeq/jgt/jge` (made `jne/jle/jlt`) | 1 | 1 |
/// | any other conditional jump: the jump to `jt`, then a `ja` to `jf` | 2 | 1 if taken, 2 if not |
/// | … with `#k` of bit 31 set (eBPF immediates are signed: `k` is moved to a register first) | +1 | +1 |
///
/// Classic JITs (only on a few old architectures) compile the classic program directly;
/// then this is not what runs.
pub const EBPF_PROLOGUE: usize = 3;

/// How a conditional jump converts: whether `k` must be moved to a register first, and
/// whether it needs a second instruction (the `ja` to `jf`).
fn jump_shape(ins: &Insn) -> (bool, bool) {
    let imm = ins.code & BPF_X == 0 && (ins.k as i32) < 0;
    let inverts = matches!(ins.code & 0xf0, BPF_JEQ | BPF_JGT | BPF_JGE);
    let one = ins.jf == 0 || (ins.jt == 0 && inverts);
    (imm, !one)
}

fn is_cond_jump(ins: &Insn) -> bool {
    ins.class() == BPF_JMP && ins.code & 0xf0 != BPF_JA
}

/// How many eBPF instructions the kernel makes of one classic instruction (see
/// [`EBPF_PROLOGUE`] for the rules).
pub fn ebpf_len(ins: &Insn) -> usize {
    if is_cond_jump(ins) {
        let (imm, two) = jump_shape(ins);
        return 1 + usize::from(imm) + usize::from(two);
    }
    match ins.code {
        c if c == BPF_RET | BPF_K => 2,
        c if c == BPF_ALU | BPF_DIV | BPF_X => 5,
        _ => 1,
    }
}

/// The size of the eBPF program the kernel makes of `prog`, prologue included.
pub fn ebpf_size(prog: &[Insn]) -> usize {
    EBPF_PROLOGUE + prog.iter().map(ebpf_len).sum::<usize>()
}

/// The eBPF instructions run for one input, prologue included, given the classic path and
/// the outcome of each conditional jump on it (from [`run_branches`]).
fn ebpf_path(prog: &[Insn], path: &[usize], taken: &[bool]) -> usize {
    let mut branches = taken.iter();
    let mut n = EBPF_PROLOGUE;
    for (step, &at) in path.iter().enumerate() {
        let ins = prog[at];
        n += if is_cond_jump(&ins) {
            let (imm, two) = jump_shape(&ins);
            let taken = *branches.next().expect("one outcome per conditional jump");
            1 + usize::from(imm) + usize::from(two && !taken)
        } else if ins.code == BPF_ALU | BPF_DIV | BPF_X {
            // The path ends here only when x was 0 (the program returned 0).
            if step + 1 == path.len() {
                4
            } else {
                3
            }
        } else {
            ebpf_len(&ins)
        };
    }
    n
}

/// How many eBPF instructions the kernel's converted program runs for `data`, prologue
/// included (see [`EBPF_PROLOGUE`]).
pub fn ebpf_executed(prog: &[Insn], data: &SeccompData) -> Result<usize, EmuError> {
    let (out, taken) = run_branches(prog, data)?;
    Ok(ebpf_path(prog, &out.path, &taken))
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

    fn nr(nr: u32) -> SeccompData {
        SeccompData {
            nr,
            arch: X86_64,
            ..Default::default()
        }
    }

    #[test]
    fn ebpf_size_per_instruction() {
        let x = |code: u16| Insn::new(code, 1, 1, 0x8000_0000);
        let cases = [
            // seccomp_check_filter makes `ld [k]` an LDX|ABS: one direct load.
            (Insn::load_abs(0), 1),
            // `ld len` becomes `ld #64`, one move; `tax`: one move.
            (Insn::new(BPF_LD | BPF_W | BPF_LEN, 0, 0, 0), 1),
            (Insn::new(BPF_MISC | BPF_TAX, 0, 0, 0), 1),
            // ALU immediates map as they are, bit 31 or not.
            (Insn::and(0x8000_0000), 1),
            (Insn::ja(3), 1),
            // `div x`: mov32 x, jne x 0, xor a, exit, then the division.
            (Insn::new(BPF_ALU | BPF_DIV | BPF_X, 0, 0, 0), 5),
            (Insn::new(BPF_ALU | BPF_DIV | BPF_K, 0, 0, 3), 1),
            // `ret #k`: mov32 r0, exit; `ret a`: exit (A already is r0).
            (Insn::ret(0), 2),
            (Insn::new(BPF_RET | BPF_A, 0, 0, 0), 1),
            // jf == 0: one jump, whatever jt.
            (Insn::jump(BPF_JSET, 1, 5, 0), 1),
            // jt == 0: jeq/jgt/jge become jne/jle/jlt, one jump; jset has no inverse.
            (Insn::jump(BPF_JEQ, 1, 0, 5), 1),
            (Insn::jump(BPF_JGT, 1, 0, 5), 1),
            (Insn::jump(BPF_JGE, 1, 0, 5), 1),
            (Insn::jump(BPF_JSET, 1, 0, 5), 2),
            // Both non-zero: the jump to jt and a `ja` to jf.
            (Insn::jump(BPF_JGE, 1, 2, 5), 2),
            // k with bit 31 set is moved to a register first.
            (Insn::jump(BPF_JEQ, 0xc000_003e, 9, 0), 2),
            (Insn::jump(BPF_JSET, 0x8000_0000, 0, 5), 3),
            // An `x` operand needs no move, whatever k holds.
            (x(BPF_JMP | BPF_JEQ | BPF_X), 2),
        ];
        for (ins, want) in cases {
            assert_eq!(ebpf_len(&ins), want, "{ins:?}");
        }
    }

    #[test]
    fn ebpf_size_and_executed_of_a_small_filter() {
        let p = vec![
            Insn::load_abs(0),                      // 0: 1
            Insn::jump(BPF_JEQ, 0x8000_0001, 4, 0), // 1: 2 (k moved), jf == 0
            Insn::jump(BPF_JGT, 5, 2, 0),           // 2: 1, jf == 0
            Insn::jump(BPF_JSET, 4, 0, 1),          // 3: 2, jset with jt == 0
            Insn::ret(1),                           // 4: 2
            Insn::new(BPF_RET | BPF_A, 0, 0, 0),    // 5: 1
            Insn::ret(2),                           // 6: 2
        ];
        assert_eq!(ebpf_size(&p), 3 + 1 + 2 + 1 + 2 + 2 + 1 + 2);
        let run = |n: u32| ebpf_executed(&p, &nr(n)).unwrap();
        // Prologue 3, ld 1, jeq 2 (move, jump taken), ret #k 2.
        assert_eq!(run(0x8000_0001), 3 + 1 + 2 + 2);
        // jeq not taken 2, jgt taken 1, ret a 1.
        assert_eq!(run(6), 3 + 1 + 2 + 1 + 1);
        // jset taken: the jump skips its `ja`, 1; then ret #1, 2.
        assert_eq!(run(4), 3 + 1 + 2 + 1 + 1 + 2);
        // jset not taken: the jump and the `ja`, 2; then ret a, 1.
        assert_eq!(run(3), 3 + 1 + 2 + 1 + 2 + 1);
    }

    #[test]
    fn ebpf_executed_knows_the_side_when_both_ways_meet() {
        let p = vec![
            Insn::load_abs(0),
            Insn::jump(BPF_JEQ, 1, 1, 1), // two instructions, both to 3
            Insn::ret(0),
            Insn::ret(1),
        ];
        assert_eq!(ebpf_executed(&p, &nr(1)).unwrap(), 3 + 1 + 1 + 2);
        assert_eq!(ebpf_executed(&p, &nr(2)).unwrap(), 3 + 1 + 2 + 2);
    }

    #[test]
    fn ebpf_division_by_x_runs_its_zero_check() {
        let p = vec![
            Insn::load_abs(16),
            Insn::new(BPF_MISC | BPF_TAX, 0, 0, 0),
            Insn::new(BPF_LD | BPF_IMM, 0, 0, 100),
            Insn::new(BPF_ALU | BPF_DIV | BPF_X, 0, 0, 0),
            Insn::new(BPF_RET | BPF_A, 0, 0, 0),
        ];
        assert_eq!(ebpf_size(&p), 3 + 1 + 1 + 1 + 5 + 1);
        let mut d = nr(0);
        d.args[0] = 5;
        // x != 0: mov32, jne (taken past the exit), div; then ret a.
        assert_eq!(ebpf_executed(&p, &d).unwrap(), 3 + 3 + 3 + 1);
        // x == 0: mov32, jne, xor a, exit: the program ends there.
        d.args[0] = 0;
        assert_eq!(ebpf_executed(&p, &d).unwrap(), 3 + 3 + 4);
    }

    #[test]
    fn mix_cost_counts_ebpf() {
        let p = vec![
            Insn::load_abs(0),
            Insn::jump(BPF_JEQ, 1, 1, 2), // two instructions
            Insn::ret(0),
            Insn::ret(1),
            Insn::ret(2),
        ];
        // nr 1: 3 + 1 + 1 + 2 = 7; nr 2: 3 + 1 + 2 + 2 = 8.
        let c = mix_cost(&p, &[(nr(1), 1.0), (nr(2), 3.0)], &[]);
        assert_eq!(c.ebpf_mean, (7.0 + 3.0 * 8.0) / 4.0);
        assert_eq!(c.mean, 3.0);
    }
}
