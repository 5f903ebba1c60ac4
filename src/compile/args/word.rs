//! Conditions rewritten as formulas over predicates on single 32-bit words, the only thing
//! classic BPF can test.
//!
//! Each predicate is normalised so that equal tests are written equally (`x >= 5` is
//! `x > 4`, `(x & m) == 0` is `!(x & m)`), which is what lets the diagram substitute a
//! decided predicate everywhere it occurs.

use super::arg_offsets;
use crate::arch::Arch;
use crate::ir::{Atom, Cond, Test};
use rustc_hash::FxHashSet as HashSet;

/// A test of the word at byte offset `off` of `seccomp_data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pred {
    pub off: u32,
    pub test: WordTest,
}

/// What is tested; the constructors below never build a test that is constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WordTest {
    Eq(u32),
    /// `x > k`, `k < u32::MAX`.
    Gt(u32),
    /// `x & m != 0`, `m != 0`.
    AnySet(u32),
    /// `(x & mask) == value`: `value` within `mask`, neither 0, `mask` not all ones.
    Masked {
        mask: u32,
        value: u32,
    },
}

impl WordTest {
    pub fn holds(self, x: u32) -> bool {
        match self {
            WordTest::Eq(k) => x == k,
            WordTest::Gt(k) => x > k,
            WordTest::AnySet(m) => x & m != 0,
            WordTest::Masked { mask, value } => x & mask == value,
        }
    }

    /// The truth of the test for every `x` in `lo..=hi`, when it is the same for all of them.
    pub fn on_interval(self, lo: u32, hi: u32) -> Option<bool> {
        match self {
            WordTest::Eq(k) if k < lo || k > hi => Some(false),
            WordTest::Gt(k) if lo > k => Some(true),
            WordTest::Gt(k) if hi <= k => Some(false),
            _ if lo == hi => Some(self.holds(lo)),
            _ => None,
        }
    }

    /// `Eq` and `Gt` cut the word's range into intervals; the others do not.
    pub fn is_interval(self) -> bool {
        matches!(self, WordTest::Eq(_) | WordTest::Gt(_))
    }

    /// The truth of `other` (on the same word) once `self` is known to be `b`, when that
    /// follows from the two alone.
    pub fn implies(self, b: bool, other: WordTest) -> Option<bool> {
        use WordTest::*;
        if self == other {
            return Some(b);
        }
        let sub = |part: u32, of: u32| part & !of == 0;
        match (self, b, other) {
            // x & m == 0
            (AnySet(m), false, Eq(k)) if k & m != 0 => Some(false),
            (AnySet(m), false, AnySet(m2)) if sub(m2, m) => Some(false),
            (AnySet(m), false, Masked { value, .. }) if value & m != 0 => Some(false),
            // x & m != 0
            (AnySet(m), true, Eq(k)) if k & m == 0 => Some(false),
            (AnySet(m), true, AnySet(m2)) if sub(m, m2) => Some(true),
            // x & mask == value
            (Masked { mask, value }, true, Eq(k)) if k & mask != value => Some(false),
            (Masked { value, .. }, true, AnySet(m2)) if value & m2 != 0 => Some(true),
            (Masked { mask, .. }, true, AnySet(m2)) if sub(m2, mask) => Some(false),
            (
                Masked { mask, value },
                true,
                Masked {
                    mask: m2,
                    value: v2,
                },
            ) => {
                if sub(m2, mask) {
                    Some(value & m2 == v2)
                } else if value & m2 != v2 & mask {
                    Some(false)
                } else {
                    None
                }
            }
            // x & mask != value
            (Masked { mask, value }, false, Eq(k)) if k & mask == value => Some(false),
            _ => None,
        }
    }
}

/// A condition over word predicates. Built only through [`and`], [`or`], [`not`] and the
/// word constructors, so constants never appear inside a larger formula.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Formula {
    Const(bool),
    Pred(Pred),
    Not(Box<Formula>),
    And(Vec<Formula>),
    Or(Vec<Formula>),
}

pub fn not(f: Formula) -> Formula {
    match f {
        Formula::Const(b) => Formula::Const(!b),
        Formula::Not(inner) => *inner,
        f => Formula::Not(Box::new(f)),
    }
}

pub fn and(v: impl IntoIterator<Item = Formula>) -> Formula {
    junction(v, false)
}

pub fn or(v: impl IntoIterator<Item = Formula>) -> Formula {
    junction(v, true)
}

/// `or` when `any`, else `and`: flattened, constants folded, literals reduced ([`reduce`]).
fn junction(v: impl IntoIterator<Item = Formula>, any: bool) -> Formula {
    let mut out = Vec::new();
    for f in v {
        match f {
            Formula::Const(b) if b == any => return Formula::Const(any),
            Formula::Const(_) => {}
            Formula::Or(inner) if any => out.extend(inner),
            Formula::And(inner) if !any => out.extend(inner),
            f => out.push(f),
        }
    }
    reduce(&mut out, any);
    match out.len() {
        0 => Formula::Const(!any),
        1 => out.pop().unwrap_or(Formula::Const(!any)),
        _ if any => Formula::Or(out),
        _ => Formula::And(out),
    }
}

/// A predicate (`true`) or its negation (`false`).
fn literal(f: &Formula) -> Option<(Pred, bool)> {
    match f {
        Formula::Pred(p) => Some((*p, true)),
        Formula::Not(inner) => match **inner {
            Formula::Pred(p) => Some((p, false)),
            _ => None,
        },
        _ => None,
    }
}

/// Simplifies the operands of an `or` (`any`) or `and` by their literals: a repeated literal
/// goes, and so does a junction of the other kind with one of the literals among its own
/// operands (absorption: `x || (x && y)` is `x`, `x && (x || y)` is `x`). It never makes a
/// constant (so [`Formula::decide`] says which substitutions do).
///
/// Why: substituting a decided test into `(h && a) || (h && b) || …` leaves `h || (h && b)
/// || …`. Without absorption the diagram would go on to test `b` and every other operand's
/// words, with each order of outcomes a different formula to build (exponentially many, each
/// ending where `h` alone would have).
fn reduce(out: &mut Vec<Formula>, any: bool) {
    if out.len() < 2 {
        return;
    }
    let mut lits: HashSet<(Pred, bool)> = HashSet::default();
    let mut repeated = false;
    for l in out.iter().filter_map(literal) {
        repeated |= !lits.insert(l);
    }
    if lits.is_empty() {
        return;
    }
    let absorbed = |f: &Formula| match (f, any) {
        (Formula::And(v), true) | (Formula::Or(v), false) => v
            .iter()
            .any(|g| literal(g).is_some_and(|l| lits.contains(&l))),
        _ => false,
    };
    if !repeated && !out.iter().any(absorbed) {
        return;
    }
    let mut seen: HashSet<(Pred, bool)> = HashSet::default();
    out.retain(|f| match literal(f) {
        Some(l) => seen.insert(l),
        None => !absorbed(f),
    });
}

impl Formula {
    /// The formula with the predicates `known` decides replaced by their value, or `None`
    /// when it decides none of them (so unchanged formulas are not copied). Adds the nodes
    /// it looks at to `visited`, the measure of its work.
    pub fn substitute(
        &self,
        known: &impl Fn(&Pred) -> Option<bool>,
        visited: &mut usize,
    ) -> Option<Formula> {
        *visited += 1;
        match self {
            Formula::Const(_) => None,
            Formula::Pred(p) => known(p).map(Formula::Const),
            Formula::Not(f) => f.substitute(known, visited).map(not),
            Formula::And(v) | Formula::Or(v) => {
                let any = matches!(self, Formula::Or(_));
                let mut changed: Vec<Option<Formula>> = Vec::with_capacity(v.len());
                for f in v {
                    let s = f.substitute(known, visited);
                    // One operand decides the whole junction: the rest need no work.
                    if s == Some(Formula::Const(any)) {
                        return Some(Formula::Const(any));
                    }
                    changed.push(s);
                }
                if changed.iter().all(Option::is_none) {
                    return None;
                }
                let parts = v
                    .iter()
                    .zip(changed)
                    .map(|(f, s)| s.unwrap_or_else(|| f.clone()));
                Some(junction(parts, any))
            }
        }
    }

    /// The constant [`substitute`](Formula::substitute) would make of the formula, if any,
    /// found without building anything: a junction stops at its first deciding operand.
    /// Adds the nodes it looks at to `visited`.
    pub fn decide(
        &self,
        known: &impl Fn(&Pred) -> Option<bool>,
        visited: &mut usize,
    ) -> Option<bool> {
        *visited += 1;
        match self {
            Formula::Const(b) => Some(*b),
            Formula::Pred(p) => known(p),
            Formula::Not(f) => f.decide(known, visited).map(|b| !b),
            Formula::And(v) | Formula::Or(v) => {
                let any = matches!(self, Formula::Or(_));
                let mut open = false;
                for f in v {
                    match f.decide(known, visited) {
                        Some(b) if b == any => return Some(any),
                        Some(_) => {}
                        None => open = true,
                    }
                }
                (!open).then_some(!any)
            }
        }
    }

    /// Every predicate, depth first.
    pub fn preds<'a>(&'a self, out: &mut Vec<&'a Pred>) {
        match self {
            Formula::Const(_) => {}
            Formula::Pred(p) => out.push(p),
            Formula::Not(f) => f.preds(out),
            Formula::And(v) | Formula::Or(v) => v.iter().for_each(|f| f.preds(out)),
        }
    }

    /// The number of nodes, as a measure of work.
    pub fn size(&self) -> usize {
        match self {
            Formula::Const(_) | Formula::Pred(_) => 1,
            Formula::Not(f) => 1 + f.size(),
            Formula::And(v) | Formula::Or(v) => 1 + v.iter().map(Formula::size).sum::<usize>(),
        }
    }
}

fn pred(off: u32, test: WordTest) -> Formula {
    Formula::Pred(Pred { off, test })
}

fn eq(off: u32, k: u32) -> Formula {
    pred(off, WordTest::Eq(k))
}

fn gt(off: u32, k: u32) -> Formula {
    if k == u32::MAX {
        return Formula::Const(false);
    }
    pred(off, WordTest::Gt(k))
}

fn ge(off: u32, k: u32) -> Formula {
    match k.checked_sub(1) {
        Some(k) => gt(off, k),
        None => Formula::Const(true),
    }
}

fn any_set(off: u32, m: u32) -> Formula {
    if m == 0 {
        return Formula::Const(false);
    }
    pred(off, WordTest::AnySet(m))
}

fn masked(off: u32, mask: u32, value: u32) -> Formula {
    if value & !mask != 0 {
        Formula::Const(false)
    } else if mask == u32::MAX {
        eq(off, value)
    } else if value == 0 {
        // One `jset` instead of `and` + `jeq`.
        not(any_set(off, mask))
    } else if value == mask && mask.is_power_of_two() {
        any_set(off, mask)
    } else {
        pred(off, WordTest::Masked { mask, value })
    }
}

/// `c` on `arch`'s argument words.
pub fn formula(arch: Arch, c: &Cond) -> Formula {
    match c {
        Cond::True => Formula::Const(true),
        Cond::False => Formula::Const(false),
        Cond::Atom(a) => atom(arch, a),
        Cond::Not(c) => not(formula(arch, c)),
        Cond::And(v) => and(v.iter().map(|c| formula(arch, c))),
        Cond::Or(v) => or(v.iter().map(|c| formula(arch, c))),
    }
}

/// One atom. A 32-bit parameter is its low word alone (see the module doc of `args`); a
/// 64-bit one tests the high word first.
fn atom(arch: Arch, a: &Atom) -> Formula {
    if let Some(k) = a.constant() {
        return Formula::Const(k);
    }
    let (lo, hi) = arg_offsets(arch, a.arg);
    let split = |v: u64| (v as u32, (v >> 32) as u32);
    if a.bits == 32 {
        // `constant` has ruled out constants that do not fit the low word.
        return match a.test {
            Test::Eq(v) => eq(lo, v as u32),
            Test::Gt(v) => gt(lo, v as u32),
            Test::Ge(v) => ge(lo, v as u32),
            Test::AnySet(m) => any_set(lo, m as u32),
            Test::MaskedEq { mask, value } => masked(lo, mask as u32, value as u32),
        };
    }
    match a.test {
        Test::Eq(v) => {
            let (vl, vh) = split(v);
            and([eq(hi, vh), eq(lo, vl)])
        }
        Test::Ge(0) => Formula::Const(true),
        Test::Ge(v) => wide_gt(lo, hi, v - 1),
        Test::Gt(v) => wide_gt(lo, hi, v),
        Test::AnySet(m) => {
            let (ml, mh) = split(m);
            or([any_set(hi, mh), any_set(lo, ml)])
        }
        Test::MaskedEq { mask, value } => {
            let ((ml, mh), (vl, vh)) = (split(mask), split(value));
            and([masked(hi, mh, vh), masked(lo, ml, vl)])
        }
    }
}

/// 64-bit `x > v`: `hi > vh || (hi == vh && lo > vl)`.
fn wide_gt(lo: u32, hi: u32, v: u64) -> Formula {
    let (vl, vh) = (v as u32, (v >> 32) as u32);
    or([gt(hi, vh), and([eq(hi, vh), gt(lo, vl)])])
}
