//! Argument conditions to graph nodes.
//!
//! `seccomp_data.args[i]` is a 64-bit value that classic BPF reads as two 32-bit words.
//! A 64-bit comparison therefore tests the high word first and looks at the low word only
//! when the high words are equal. A 32-bit parameter (`bits == 32`, which is every
//! parameter on i386 and arm) tests the low word alone: the kernel ignores the high word,
//! and a 64-bit task calling through `int 0x80` can put anything there.

use super::dag::{Dag, NodeId};
use crate::arch::Arch;
use crate::bpf::insn::{BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET};
use crate::ir::{Atom, Cond, Decision, Test};

/// Offsets of the (low, high) words of argument `i` in `seccomp_data`.
pub fn arg_offsets(arch: Arch, i: u8) -> (u32, u32) {
    let base = 16 + 8 * u32::from(i);
    if arch.big_endian() {
        (base + 4, base)
    } else {
        (base, base + 4)
    }
}

/// The graph for a decision: rules tested in order, first match wins.
pub fn decision(dag: &mut Dag, arch: Arch, d: &Decision) -> NodeId {
    let mut next = dag.ret(d.otherwise.action.ret_value());
    for r in d.rules.iter().rev() {
        let hit = dag.ret(r.ruling.action.ret_value());
        next = cond(dag, arch, &r.cond, hit, next);
    }
    next
}

/// Continues at `t` when `c` holds, at `f` otherwise.
pub fn cond(dag: &mut Dag, arch: Arch, c: &Cond, t: NodeId, f: NodeId) -> NodeId {
    match c {
        Cond::True => t,
        Cond::False => f,
        Cond::Not(c) => cond(dag, arch, c, f, t),
        Cond::And(v) => v
            .iter()
            .rev()
            .fold(t, |next, c| cond(dag, arch, c, next, f)),
        Cond::Or(v) => v
            .iter()
            .rev()
            .fold(f, |next, c| cond(dag, arch, c, t, next)),
        Cond::Atom(a) => atom(dag, arch, a, t, f),
    }
}

fn split(v: u64) -> (u32, u32) {
    (v as u32, (v >> 32) as u32)
}

fn atom(dag: &mut Dag, arch: Arch, a: &Atom, t: NodeId, f: NodeId) -> NodeId {
    if let Some(k) = a.constant() {
        return if k { t } else { f };
    }
    let (lo_off, hi_off) = arg_offsets(arch, a.arg);
    let wide = a.bits == 64;
    match a.test {
        Test::Eq(v) => {
            let (lo, hi) = split(v);
            let low = word_jump(dag, lo_off, BPF_JEQ, lo, t, f);
            if wide {
                word_jump(dag, hi_off, BPF_JEQ, hi, low, f)
            } else {
                low
            }
        }
        Test::Gt(v) | Test::Ge(v) => {
            let op = if matches!(a.test, Test::Gt(_)) {
                BPF_JGT
            } else {
                BPF_JGE
            };
            let (lo, hi) = split(v);
            let low = word_jump(dag, lo_off, op, lo, t, f);
            if !wide {
                return low;
            }
            // hi > k_hi: true; hi == k_hi: decide on the low word; else false.
            let eq = dag.jump(BPF_JEQ, hi, low, f);
            let gt = dag.jump(BPF_JGT, hi, t, eq);
            dag.load(hi_off, gt)
        }
        Test::AnySet(m) => {
            let (lo, hi) = split(m);
            let low = if lo != 0 {
                word_jump(dag, lo_off, BPF_JSET, lo, t, f)
            } else {
                f
            };
            if wide && hi != 0 {
                word_jump(dag, hi_off, BPF_JSET, hi, t, low)
            } else {
                low
            }
        }
        Test::MaskedEq { mask, value } => {
            let (mlo, mhi) = split(mask);
            let (vlo, vhi) = split(value);
            let low = masked_eq(dag, lo_off, mlo, vlo, t, f);
            if wide {
                masked_eq(dag, hi_off, mhi, vhi, low, f)
            } else {
                low
            }
        }
    }
}

/// `ld [off]; op #k` continuing at `t`/`f`.
fn word_jump(dag: &mut Dag, off: u32, op: u16, k: u32, t: NodeId, f: NodeId) -> NodeId {
    let j = dag.jump(op, k, t, f);
    if j == t || j == f {
        return j;
    }
    dag.load(off, j)
}

/// `(word & mask) == value` on one word.
fn masked_eq(dag: &mut Dag, off: u32, mask: u32, value: u32, t: NodeId, f: NodeId) -> NodeId {
    if value & !mask != 0 {
        return f;
    }
    if mask == 0 {
        return t;
    }
    let j = dag.jump(BPF_JEQ, value, t, f);
    let a = dag.and(mask, j);
    dag.load(off, a)
}
