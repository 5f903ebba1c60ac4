//! The straightforward translation: each rule, and each alternative of a rule, tested in
//! order, every atom with its own loads and comparisons (large 32-bit value sets excepted:
//! they are gathered and searched, `x != a && x != b && …` as well as `x == a || x == b ||
//! …`). Small, but it re-tests words the diagram would test once; [`super::decision`] keeps
//! it where it is no worse.

use super::{arg_offsets, dispatch};
use crate::arch::Arch;
use crate::bpf::insn::{BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET};
use crate::compile::dag::{Dag, NodeId};
use crate::ir::{Atom, Cond, Decision, Test};

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
fn cond(dag: &mut Dag, arch: Arch, c: &Cond, t: NodeId, f: NodeId) -> NodeId {
    match c {
        Cond::True => t,
        Cond::False => f,
        Cond::Not(c) => cond(dag, arch, c, f, t),
        Cond::Or(_) => {
            let mut alts = Vec::new();
            alternatives(c, false, &mut alts);
            or(dag, arch, &alts, t, f)
        }
        // `c1 && c2 && …` is `!(!c1 || !c2 || …)`: `fd != 0 && fd != 1 && …` is the value set
        // `fd in {0, 1, …}` with the exits swapped, and searched like one. Tested in the same
        // order, each `ci` continuing at the next one or at `f`, as the conjunction reads.
        Cond::And(_) => {
            let mut alts = Vec::new();
            alternatives(c, true, &mut alts);
            or(dag, arch, &alts, f, t)
        }
        Cond::Atom(a) => atom(dag, arch, a, t, f),
    }
}

/// `c`, negated when `neg`, as alternatives that hold when one of them does, in order: each
/// a condition and whether it is negated. An `or` is its operands' alternatives, a negated
/// `and` its operands' negations' (De Morgan), a negation flips `neg`.
fn alternatives<'a>(c: &'a Cond, neg: bool, out: &mut Vec<(&'a Cond, bool)>) {
    match (c, neg) {
        (Cond::Not(inner), _) => alternatives(inner, !neg, out),
        (Cond::Or(v), false) | (Cond::And(v), true) => {
            v.iter().for_each(|c| alternatives(c, neg, out));
        }
        _ => out.push((c, neg)),
    }
}

/// One alternative: continues at `t` when it holds.
fn alternative(dag: &mut Dag, arch: Arch, alt: (&Cond, bool), t: NodeId, f: NodeId) -> NodeId {
    match alt {
        (c, false) => cond(dag, arch, c, t, f),
        (c, true) => cond(dag, arch, c, f, t),
    }
}

/// Alternatives tried in order (see [`alternatives`]). Large value sets (`x in {…}`: many
/// `==` on the same argument) are gathered at the place of their first member and
/// binary-searched.
fn or(dag: &mut Dag, arch: Arch, v: &[(&Cond, bool)], t: NodeId, f: NodeId) -> NodeId {
    // 32-bit parameters only for now: a 64-bit set grouped by high word is so much smaller
    // than its chain that tests/data/bad/too_long.policy (a set of 64-bit `addr` values)
    // would compile; that test needs a larger example first.
    let key = |&(c, neg): &(&Cond, bool)| match c {
        Cond::Atom(
            a @ Atom {
                test: Test::Eq(x),
                bits: 32,
                ..
            },
        ) if !neg && a.constant().is_none() => Some(((a.arg, a.bits), *x)),
        _ => None,
    };
    // (argument and width, the values, where the first one is)
    let mut sets: Vec<((u8, u8), Vec<u64>, usize)> = Vec::new();
    for (i, (k, x)) in v.iter().enumerate().filter_map(|(i, c)| Some((i, key(c)?))) {
        match sets.iter_mut().find(|s| s.0 == k) {
            Some(s) => s.1.push(x),
            None => sets.push((k, vec![x], i)),
        }
    }
    sets.retain(|s| s.1.len() >= dispatch::SET_SEARCH_MIN);
    if sets.is_empty() {
        return v
            .iter()
            .rev()
            .fold(f, |next, &alt| alternative(dag, arch, alt, t, next));
    }
    // The alternatives in order, each large set once (at its first member).
    let mut next = f;
    for (i, c) in v.iter().enumerate().rev() {
        match key(c).and_then(|(k, _)| sets.iter().find(|s| s.0 == k)) {
            Some(s) => {
                if s.2 == i {
                    next = member(dag, arch, s.0 .0, &s.1, t, next);
                }
            }
            None => next = alternative(dag, arch, *c, t, next),
        }
    }
    next
}

/// `arg in values` for a 32-bit parameter: one load, then a search.
fn member(dag: &mut Dag, arch: Arch, arg: u8, values: &[u64], t: NodeId, f: NodeId) -> NodeId {
    let (lo_off, _) = arg_offsets(arch, arg);
    let mut los: Vec<u32> = values.iter().map(|&x| x as u32).collect();
    los.sort_unstable();
    los.dedup();
    let s = dispatch::member(dag, &los, t, f);
    dag.load(lo_off, s)
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
