//! sysgate conditions → the comparisons an OCI/libseccomp profile can hold.
//!
//! An OCI profile entry ANDs comparisons of *different* arguments; runc turns several
//! comparisons of one argument into separate rules (OR). So every entry may test each
//! argument at most once, with one of `EQ NE LT LE GT GE MASKED_EQ`. This module turns an
//! arbitrary [`Cond`] (`&& || !`, masks, ranges) into a union of such entries:
//!
//! 1. negation normal form, then disjunctive normal form (a list of terms, each a list of
//!    possibly negated atoms); unsatisfiable terms are pruned as the product is built;
//! 2. inside a term, the literals on one argument are replaced by a *union* of single
//!    comparisons with exactly the same set of values: one literal maps to its operator
//!    (`!(x & M)` is `MASKED_EQ(M, 0)`, `x & M` is one `MASKED_EQ(b, b)` per bit `b` of
//!    `M`); several range literals become disjoint intervals, each one comparison when it
//!    touches an end of the domain, else a few prefix masks (`MASKED_EQ` with high bits);
//!    anything mixing masks and ranges is computed exactly as a disjoint union of ternary
//!    "cubes" (`(x & mask) == value`);
//! 3. the term becomes the cross product of its arguments' alternatives.
//!
//! Alternatives of one term may overlap; they all carry the same action, so libseccomp's
//! "most restrictive matching action wins" cannot pick a different one.
//!
//! Widths: for a 32-bit parameter the domain is `0..2^32`; an equality is written
//! `MASKED_EQ(0xffffffff, v)`, which libseccomp evaluates exactly like sysgate (the low word
//! only) even when a caller sets the high word. `NE`/`LT`/`LE`/`GT`/`GE` on a 32-bit
//! parameter agree with sysgate whenever the high word is 0; on a 64-bit libseccomp ABI with
//! a non-zero high word libseccomp sees a value ≥ 2^32 (so `NE`, `GT`, `GE` hold and `LT`,
//! `LE` fail), where sysgate looks at the low word only.

use crate::ir::{Atom, Cond, Test};
use std::collections::BTreeMap;

/// A libseccomp comparison operator (`SCMP_CMP_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    Ne,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    MaskedEq,
}

impl Op {
    pub const fn name(self) -> &'static str {
        match self {
            Op::Ne => "SCMP_CMP_NE",
            Op::Lt => "SCMP_CMP_LT",
            Op::Le => "SCMP_CMP_LE",
            Op::Eq => "SCMP_CMP_EQ",
            Op::Ge => "SCMP_CMP_GE",
            Op::Gt => "SCMP_CMP_GT",
            Op::MaskedEq => "SCMP_CMP_MASKED_EQ",
        }
    }
}

/// One comparison of an argument, as an OCI `args` element: for `MASKED_EQ`, `value` is the
/// mask and `value_two` the expected masked value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cmp {
    pub index: u8,
    pub op: Op,
    pub value: u64,
    pub value_two: u64,
}

impl Cmp {
    /// libseccomp's result on a 64-bit ABI (all 64 bits compared).
    pub fn eval(&self, x: u64) -> bool {
        match self.op {
            Op::Ne => x != self.value,
            Op::Lt => x < self.value,
            Op::Le => x <= self.value,
            Op::Eq => x == self.value,
            Op::Ge => x >= self.value,
            Op::Gt => x > self.value,
            Op::MaskedEq => x & self.value == self.value_two & self.value,
        }
    }
}

/// Why a condition could not be converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooLarge {
    pub terms: usize,
}

/// Above this many entries for one region the conversion gives up.
pub const MAX_TERMS: usize = 4096;

type Lit = (Atom, bool);
/// A single comparison without its index; `None` is "no condition".
type Alt = Option<(Op, u64, u64)>;

fn dm(bits: u8) -> u64 {
    if bits == 32 {
        0xffff_ffff
    } else {
        u64::MAX
    }
}

fn span(k: u32) -> u64 {
    if k >= 64 {
        u64::MAX
    } else {
        (1u64 << k) - 1
    }
}

fn eq_alt(v: u64, bits: u8) -> Alt {
    if bits == 32 {
        Some((Op::MaskedEq, 0xffff_ffff, v))
    } else {
        Some((Op::Eq, v, 0))
    }
}

fn cube_alt((m, v): (u64, u64), bits: u8) -> Alt {
    if m == 0 {
        None
    } else if m == dm(bits) {
        eq_alt(v, bits)
    } else {
        Some((Op::MaskedEq, m, v))
    }
}

/// `[lo, hi]` as disjoint prefix cubes within the domain.
fn prefix_cubes(lo: u64, hi: u64, bits: u8) -> Vec<(u64, u64)> {
    let d = dm(bits);
    let mut out = Vec::new();
    let mut a = lo;
    loop {
        let mut k = if a == 0 {
            u32::from(bits)
        } else {
            a.trailing_zeros().min(u32::from(bits))
        };
        while k > 0 && span(k) > hi - a {
            k -= 1;
        }
        out.push((d & !span(k), a));
        let last = a + span(k);
        if last >= hi {
            break;
        }
        a = last + 1;
    }
    out
}

/// The values of one literal as disjoint intervals (range literals only).
fn lit_intervals(t: Test, pos: bool, bits: u8) -> Option<Vec<(u64, u64)>> {
    let d = dm(bits);
    let p: Vec<(u64, u64)> = match t {
        Test::Eq(v) if v <= d => vec![(v, v)],
        Test::Eq(_) => vec![],
        Test::Gt(v) if v < d => vec![(v + 1, d)],
        Test::Gt(_) => vec![],
        Test::Ge(v) if v <= d => vec![(v, d)],
        Test::Ge(_) => vec![],
        _ => return None,
    };
    Some(if pos { p } else { complement_intervals(&p, d) })
}

fn complement_intervals(p: &[(u64, u64)], d: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut next = Some(0u64);
    for &(lo, hi) in p {
        if let Some(n) = next {
            if lo > n {
                out.push((n, lo - 1));
            }
        }
        next = hi.checked_add(1).filter(|x| *x <= d);
    }
    if let Some(n) = next {
        out.push((n, d));
    }
    out
}

fn intersect_intervals(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &(l1, h1) in a {
        for &(l2, h2) in b {
            let (l, h) = (l1.max(l2), h1.min(h2));
            if l <= h {
                out.push((l, h));
            }
        }
    }
    out.sort_unstable();
    out
}

fn complement_cube((m, v): (u64, u64)) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut seen = 0u64;
    for i in 0..64 {
        let b = 1u64 << i;
        if m & b == 0 {
            continue;
        }
        out.push((seen | b, (v & seen) | ((v & b) ^ b)));
        seen |= b;
    }
    out
}

fn intersect_cubes(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for &(m1, v1) in a {
        for &(m2, v2) in b {
            if (v1 ^ v2) & m1 & m2 == 0 {
                out.push((m1 | m2, v1 | v2));
            }
        }
    }
    out
}

/// The values of one literal as disjoint cubes.
fn lit_cubes(t: Test, pos: bool, bits: u8) -> Vec<(u64, u64)> {
    let d = dm(bits);
    if let Some(iv) = lit_intervals(t, pos, bits) {
        return iv
            .into_iter()
            .flat_map(|(l, h)| prefix_cubes(l, h, bits))
            .collect();
    }
    let (m, v, pos) = match t {
        Test::AnySet(m) => (m & d, 0, !pos),
        Test::MaskedEq { mask, value } => (mask & d, value, pos),
        _ => unreachable!("range tests are intervals"),
    };
    if v & !m != 0 {
        return if pos { vec![] } else { vec![(0, 0)] };
    }
    if pos {
        vec![(m, v)]
    } else {
        complement_cube((m, v))
    }
}

/// One literal as a union of single comparisons (empty: never holds).
fn single(t: Test, pos: bool, bits: u8) -> Vec<Alt> {
    let d = dm(bits);
    let yes = |c: bool| if c { vec![None] } else { vec![] };
    match t {
        Test::Eq(v) if v > d => yes(!pos),
        Test::Eq(v) => vec![if pos {
            eq_alt(v, bits)
        } else {
            Some((Op::Ne, v, 0))
        }],
        Test::Gt(v) if v >= d => yes(!pos),
        Test::Gt(v) => vec![Some((if pos { Op::Gt } else { Op::Le }, v, 0))],
        Test::Ge(0) => yes(pos),
        Test::Ge(v) if v > d => yes(!pos),
        Test::Ge(v) => vec![Some((if pos { Op::Ge } else { Op::Lt }, v, 0))],
        Test::AnySet(m) | Test::MaskedEq { mask: m, .. } => {
            let m = m & d;
            let (v, pos) = match t {
                Test::MaskedEq { value, .. } => (value, pos),
                _ => (0, !pos),
            };
            if v & !m != 0 {
                return yes(!pos);
            }
            if m == 0 {
                return yes(pos);
            }
            if pos {
                vec![cube_alt((m, v), bits)]
            } else {
                // x & m != v: some bit of m differs (overlapping alternatives are fine).
                (0..64)
                    .map(|i| 1u64 << i)
                    .filter(|b| m & b != 0)
                    .map(|b| Some((Op::MaskedEq, b, (v & b) ^ b)))
                    .collect()
            }
        }
    }
}

/// The literals on one argument as a union of single comparisons with exactly their values.
fn arg_alts(lits: &[(Test, bool)], bits: u8) -> Vec<Alt> {
    let mut lits = lits.to_vec();
    lits.sort_by_key(|(t, p)| (format!("{t:?}"), *p));
    lits.dedup();
    if lits.len() == 1 {
        return single(lits[0].0, lits[0].1, bits);
    }
    let d = dm(bits);
    let ranges: Option<Vec<Vec<(u64, u64)>>> = lits
        .iter()
        .map(|(t, p)| lit_intervals(*t, *p, bits))
        .collect();
    if let Some(sets) = ranges {
        let mut cur = vec![(0, d)];
        for s in sets {
            cur = intersect_intervals(&cur, &s);
        }
        let mut out = Vec::new();
        for (lo, hi) in cur {
            if lo == 0 && hi == d {
                out.push(None);
            } else if lo == hi {
                out.push(eq_alt(lo, bits));
            } else if lo == 0 {
                out.push(Some((Op::Le, hi, 0)));
            } else if hi == d {
                out.push(Some((Op::Ge, lo, 0)));
            } else {
                out.extend(
                    prefix_cubes(lo, hi, bits)
                        .into_iter()
                        .map(|c| cube_alt(c, bits)),
                );
            }
        }
        return out;
    }
    let mut cur = vec![(0u64, 0u64)];
    for (t, p) in lits {
        cur = intersect_cubes(&cur, &lit_cubes(t, p, bits));
    }
    cur.into_iter().map(|c| cube_alt(c, bits)).collect()
}

/// A DNF term's literals by argument: (width, literals).
fn by_arg(term: &[Lit]) -> BTreeMap<u8, (u8, Vec<(Test, bool)>)> {
    let mut m: BTreeMap<u8, (u8, Vec<(Test, bool)>)> = BTreeMap::new();
    for (a, pos) in term {
        let e = m.entry(a.arg).or_insert((a.bits, Vec::new()));
        e.0 = e.0.max(a.bits);
        e.1.push((a.test, *pos));
    }
    m
}

fn satisfiable(term: &[Lit]) -> bool {
    by_arg(term)
        .values()
        .all(|(bits, lits)| !arg_alts(lits, *bits).is_empty())
}

fn product(a: Vec<Vec<Lit>>, b: Vec<Vec<Lit>>) -> Result<Vec<Vec<Lit>>, TooLarge> {
    let mut out = Vec::new();
    for x in &a {
        for y in &b {
            let mut t = x.clone();
            for l in y {
                if !t.contains(l) {
                    t.push(*l);
                }
            }
            if t.iter().any(|(at, p)| t.contains(&(*at, !p))) || !satisfiable(&t) {
                continue;
            }
            out.push(t);
            if out.len() > MAX_TERMS {
                return Err(TooLarge { terms: out.len() });
            }
        }
    }
    Ok(out)
}

/// Disjunctive normal form of `c` (negated when `neg`).
fn dnf(c: &Cond, neg: bool) -> Result<Vec<Vec<Lit>>, TooLarge> {
    Ok(match c {
        Cond::True if neg => vec![],
        Cond::True => vec![vec![]],
        Cond::False if neg => vec![vec![]],
        Cond::False => vec![],
        Cond::Atom(a) => vec![vec![(*a, !neg)]],
        Cond::Not(inner) => dnf(inner, !neg)?,
        Cond::And(v) | Cond::Or(v) => {
            let conj = matches!(c, Cond::And(_)) != neg;
            if conj {
                let mut acc = vec![vec![]];
                for x in v {
                    acc = product(acc, dnf(x, neg)?)?;
                    if acc.is_empty() {
                        break;
                    }
                }
                acc
            } else {
                let mut acc = Vec::new();
                for x in v {
                    acc.extend(dnf(x, neg)?);
                    if acc.len() > MAX_TERMS {
                        return Err(TooLarge { terms: acc.len() });
                    }
                }
                acc
            }
        }
    })
}

/// `c` as a union of entries, each a list of comparisons on distinct arguments (sorted by
/// index; an empty list is "always"). The union has exactly the values of `c` (see the
/// module notes for 32-bit parameters with a non-zero high word).
pub fn to_entries(c: &Cond) -> Result<Vec<Vec<Cmp>>, TooLarge> {
    let mut out: Vec<Vec<Cmp>> = Vec::new();
    for term in dnf(&c.clone().simplify(), false)? {
        let mut combos: Vec<Vec<Cmp>> = vec![vec![]];
        for (index, (bits, lits)) in by_arg(&term) {
            let alts = arg_alts(&lits, bits);
            let mut next = Vec::new();
            for base in &combos {
                for alt in &alts {
                    let mut e = base.clone();
                    if let Some((op, value, value_two)) = *alt {
                        e.push(Cmp {
                            index,
                            op,
                            value,
                            value_two,
                        });
                    }
                    next.push(e);
                }
            }
            combos = next;
            if combos.len() > MAX_TERMS {
                return Err(TooLarge {
                    terms: combos.len(),
                });
            }
        }
        for e in combos {
            if !out.contains(&e) {
                out.push(e);
            }
        }
        if out.len() > MAX_TERMS {
            return Err(TooLarge { terms: out.len() });
        }
    }
    // An unconditional entry covers the rest.
    if out.iter().any(Vec::is_empty) {
        return Ok(vec![vec![]]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(arg: u8, bits: u8, test: Test) -> Cond {
        Cond::Atom(Atom { arg, bits, test })
    }

    fn holds(entries: &[Vec<Cmp>], args: &[u64; 6]) -> bool {
        entries
            .iter()
            .any(|e| e.iter().all(|c| c.eval(args[usize::from(c.index)])))
    }

    fn probes() -> Vec<u64> {
        let mut v = vec![0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 15, 16, 17, 0xff, 0x100];
        v.extend([0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff]);
        v.extend([1 << 32, u64::MAX, u64::MAX - 1, 0x8000_0000_0000_0000]);
        v
    }

    fn check(c: &Cond) {
        let e = to_entries(c).unwrap();
        for a in probes() {
            for b in probes() {
                let args = [a, b, 0, 0, 0, 0];
                // 32-bit atoms: compare where the high word is 0
                if (a >> 32 != 0 || b >> 32 != 0) && has32(c) {
                    continue;
                }
                assert_eq!(holds(&e, &args), c.eval(&args), "{c:?} at {args:?}: {e:?}");
                for x in &e {
                    let mut idx: Vec<u8> = x.iter().map(|c| c.index).collect();
                    idx.dedup();
                    assert_eq!(idx.len(), x.len(), "one comparison per argument: {x:?}");
                }
            }
        }
    }

    fn has32(c: &Cond) -> bool {
        let mut v = Vec::new();
        c.atoms(&mut v);
        v.iter().any(|a| a.bits == 32)
    }

    #[test]
    fn conversions_are_exact() {
        for bits in [32, 64] {
            let not = |c| Cond::Not(Box::new(c));
            let cases = vec![
                atom(0, bits, Test::Eq(5)),
                not(atom(0, bits, Test::Eq(5))),
                atom(0, bits, Test::Gt(5)),
                not(atom(0, bits, Test::Gt(5))),
                atom(0, bits, Test::Ge(6)),
                not(atom(0, bits, Test::Ge(6))),
                atom(0, bits, Test::AnySet(0x6)),
                not(atom(0, bits, Test::AnySet(0x6))),
                atom(
                    0,
                    bits,
                    Test::MaskedEq {
                        mask: 0xf,
                        value: 5,
                    },
                ),
                not(atom(
                    0,
                    bits,
                    Test::MaskedEq {
                        mask: 0xf,
                        value: 5,
                    },
                )),
                Cond::And(vec![
                    atom(0, bits, Test::Gt(2)),
                    not(atom(0, bits, Test::Gt(9))),
                ]),
                Cond::And(vec![
                    not(atom(0, bits, Test::Eq(0))),
                    not(atom(0, bits, Test::Eq(8))),
                    not(atom(0, bits, Test::Eq(0xffff_ffff))),
                ]),
                Cond::And(vec![
                    atom(0, bits, Test::AnySet(3)),
                    atom(0, bits, Test::Gt(2)),
                ]),
                Cond::Or(vec![atom(0, bits, Test::Eq(1)), atom(1, bits, Test::Eq(2))]),
                not(Cond::And(vec![
                    atom(0, bits, Test::Eq(1)),
                    atom(1, bits, Test::AnySet(0x10)),
                ])),
                Cond::And(vec![
                    not(atom(0, bits, Test::MaskedEq { mask: 3, value: 1 })),
                    atom(0, bits, Test::Ge(7)),
                    atom(1, bits, Test::Eq(16)),
                ]),
            ];
            for c in &cases {
                check(c);
            }
        }
    }

    #[test]
    fn interval_prefixes() {
        let c = prefix_cubes(3, 9, 64);
        let covered: Vec<u64> = (0..20)
            .filter(|x| c.iter().any(|(m, v)| x & m == *v))
            .collect();
        assert_eq!(covered, (3..=9).collect::<Vec<_>>());
    }
}
