//! Whether a condition can hold: exact satisfiability of an [`ir::Cond`](crate::ir::Cond)
//! over the argument words of `seccomp_data`, for the "never matches" warnings of
//! [`super::resolve`].
//!
//! An atom tests an argument; as the filter sees it, that is a test of one or two 32-bit
//! words (the low word alone for a 32-bit parameter), and each word test has the form
//! `(w & m) ∈ S`, `S` a finite union of intervals, whose negation has it too (`S`'s
//! complement) — the constraints [`WordDom`] decides exactly. So a condition is put in
//! negation normal form over such literals and searched as a tableau:
//! - a conjunction adds all its parts; a literal is added to its word's [`WordDom`], and
//!   the branch is cut as soon as [`WordDom::solve`] finds that word impossible;
//! - once only disjunctions are left, each loses the alternatives (literals) the constraints
//!   so far rule out; a disjunction left with none cuts the branch, one left with a single
//!   alternative is that alternative; otherwise the search branches on the disjunction with
//!   the fewest alternatives, one at a time.
//!
//! Words are independent inputs (each of the twelve is any 32-bit value), so a branch that
//! ends with every word possible has a satisfying input, and a branch is only ever cut when
//! none of its inputs can satisfy it: the answer is exact. It can take exponential time
//! (this decides SAT), so every question is given [`BUDGET`] steps; past them the answer
//! is "unknown", which the warnings read as "can hold" and so say nothing.
//!
//! Two cheap shortcuts come first: the all-zero and all-ones arguments are tried as they
//! are (a rule without a condition after conditional ones is usually settled by one), and
//! [`Footprint`]s (per word, the values a condition's whole-word comparisons leave) tell
//! most pairs of conditions that never hold together apart without a search, so a rule
//! after a long list of rules on the same syscall is only searched with those it meets.

use crate::analyze::diff::symbolic::{IntervalSet, OutOfSteps, WordDom};
use crate::ir::{Atom, Cond, Test};

/// Steps one question may take: formula parts visited, alternatives tried, and steps of
/// [`WordDom::solve_within`]. Conditions written by hand take a few hundred at most; a rule
/// after a thousand conditional rules on the same syscall, a few thousand.
pub const BUDGET: usize = 200_000;

/// A condition in negation normal form over word literals.
#[derive(Clone, Debug)]
enum F {
    Const(bool),
    /// `(word & mask) ∈ set`; `word` is `2 * arg` (low) or `2 * arg + 1` (high).
    Lit {
        word: usize,
        mask: u32,
        set: IntervalSet,
    },
    And(Vec<F>),
    Or(Vec<F>),
}

/// The argument words: six arguments, low and high.
pub const WORDS: usize = 12;
const MAX: u32 = u32::MAX;

fn lit(word: usize, mask: u32, set: IntervalSet) -> F {
    if mask == 0 {
        F::Const(set.contains(0))
    } else if set.is_empty() {
        F::Const(false)
    } else if set.is_full() {
        F::Const(true)
    } else {
        F::Lit { word, mask, set }
    }
}

/// `or` when `any`, else `and`: flattened, constants folded.
fn junction(parts: impl IntoIterator<Item = F>, any: bool) -> F {
    let mut out = Vec::new();
    for f in parts {
        match f {
            F::Const(b) if b == any => return F::Const(any),
            F::Const(_) => {}
            F::Or(inner) if any => out.extend(inner),
            F::And(inner) if !any => out.extend(inner),
            f => out.push(f),
        }
    }
    match out.len() {
        0 => F::Const(!any),
        1 => out.pop().unwrap_or(F::Const(!any)),
        _ if any => F::Or(out),
        _ => F::And(out),
    }
}

fn negate(f: F) -> F {
    match f {
        F::Const(b) => F::Const(!b),
        F::Lit { word, mask, set } => lit(word, mask, set.complement()),
        F::And(v) => junction(v.into_iter().map(negate), true),
        F::Or(v) => junction(v.into_iter().map(negate), false),
    }
}

/// `c` (`positive`) or its negation.
fn nnf(c: &Cond, positive: bool) -> F {
    match c {
        Cond::True => F::Const(positive),
        Cond::False => F::Const(!positive),
        Cond::Not(c) => nnf(c, !positive),
        Cond::And(v) => junction(v.iter().map(|c| nnf(c, positive)), !positive),
        Cond::Or(v) => junction(v.iter().map(|c| nnf(c, positive)), positive),
        Cond::Atom(a) if positive => atom(a),
        Cond::Atom(a) => negate(atom(a)),
    }
}

/// One atom on its words, as [`Atom::eval`] reads it: a 32-bit atom sees the low word only.
fn atom(a: &Atom) -> F {
    let lo = 2 * usize::from(a.arg);
    let hi = lo + 1;
    let from = |v: u32| IntervalSet::range(v, MAX);
    let nonzero = || from(1);
    if a.bits == 32 {
        let fits = |v: u64| u32::try_from(v).ok();
        return match a.test {
            Test::Eq(v) => {
                fits(v).map_or(F::Const(false), |v| lit(lo, MAX, IntervalSet::single(v)))
            }
            Test::Gt(v) => match fits(v).and_then(|v| v.checked_add(1)) {
                Some(v) => lit(lo, MAX, from(v)),
                None => F::Const(false),
            },
            Test::Ge(v) => fits(v).map_or(F::Const(false), |v| lit(lo, MAX, from(v))),
            Test::AnySet(m) => lit(lo, m as u32, nonzero()),
            Test::MaskedEq { mask, value } => {
                if value & !(mask & u64::from(MAX)) != 0 {
                    F::Const(false)
                } else {
                    lit(lo, mask as u32, IntervalSet::single(value as u32))
                }
            }
        };
    }
    let split = |v: u64| (v as u32, (v >> 32) as u32);
    // x >= v: hi > vh, or hi == vh and lo >= vl.
    let at_least = |v: u64| {
        let (vl, vh) = split(v);
        let above = vh
            .checked_add(1)
            .map_or(F::Const(false), |h| lit(hi, MAX, from(h)));
        let level = junction(
            [
                lit(hi, MAX, IntervalSet::single(vh)),
                lit(lo, MAX, from(vl)),
            ],
            false,
        );
        junction([above, level], true)
    };
    match a.test {
        Test::Eq(v) => {
            let (vl, vh) = split(v);
            junction(
                [
                    lit(hi, MAX, IntervalSet::single(vh)),
                    lit(lo, MAX, IntervalSet::single(vl)),
                ],
                false,
            )
        }
        Test::Gt(v) => v.checked_add(1).map_or(F::Const(false), at_least),
        Test::Ge(v) => at_least(v),
        Test::AnySet(m) => {
            let (ml, mh) = split(m);
            junction([lit(hi, mh, nonzero()), lit(lo, ml, nonzero())], true)
        }
        Test::MaskedEq { mask, value } => {
            if value & !mask != 0 {
                return F::Const(false);
            }
            let ((ml, mh), (vl, vh)) = (split(mask), split(value));
            junction(
                [
                    lit(hi, mh, IntervalSet::single(vh)),
                    lit(lo, ml, IntervalSet::single(vl)),
                ],
                false,
            )
        }
    }
}

/// Whether some arguments make `cond` hold and every condition in `excluded` fail; `None`
/// when that takes more than [`BUDGET`] steps to decide.
pub fn satisfiable(cond: &Cond, excluded: &[&Cond]) -> Option<bool> {
    witness(cond, excluded).map(|w| w.is_some())
}

/// Arguments that make `cond` hold and every condition in `excluded` fail, or `Some(None)`
/// when there are none; `None` when that takes more than [`BUDGET`] steps to decide.
pub fn witness(cond: &Cond, excluded: &[&Cond]) -> Option<Option<[u64; 6]>> {
    // Often one of these will do (a rule with no condition after conditional ones), and
    // trying them costs one evaluation each.
    for guess in [[0; 6], [u64::MAX; 6]] {
        if cond.eval(&guess) && !excluded.iter().any(|c| c.eval(&guess)) {
            return Some(Some(guess));
        }
    }
    let mut parts = vec![nnf(cond, true)];
    parts.extend(excluded.iter().map(|c| nnf(c, false)));
    let f = junction(parts, false);
    let mut search = Search {
        steps: BUDGET,
        depth: 0,
    };
    let doms = vec![WordDom::default(); WORDS];
    search.sat(doms, vec![&f], Vec::new(), 0).ok()
}

/// Per word, a set holding every value the word can take where a condition holds (from its
/// comparisons of whole words; other words: any value). Two conditions whose footprints
/// do not meet on some word never hold together: a cheap first test before a search.
#[derive(Clone, Debug)]
pub struct Footprint {
    /// `None`: the condition never holds.
    words: Option<Vec<(usize, IntervalSet)>>,
}

impl Footprint {
    /// The footprint of `c`.
    pub fn of(c: &Cond) -> Footprint {
        Footprint {
            words: print(&nnf(c, true)),
        }
    }

    /// Whether the condition never holds, as far as the footprint tells.
    pub fn is_empty(&self) -> bool {
        self.words.is_none()
    }

    /// The values word `word` can take, if they are at most `limit`.
    pub fn points(&self, word: usize, limit: u64) -> Option<Vec<u32>> {
        let Some(words) = &self.words else {
            return Some(Vec::new());
        };
        let (_, set) = words.iter().find(|(w, _)| *w == word)?;
        let ivs = set.intervals();
        let n: u64 = ivs.iter().map(|&(a, b)| u64::from(b - a) + 1).sum();
        (n <= limit).then(|| ivs.iter().flat_map(|&(a, b)| a..=b).collect())
    }

    /// Whether the two conditions can be told apart by their footprints (so never hold
    /// together).
    pub fn disjoint(&self, other: &Footprint) -> bool {
        let (Some(a), Some(b)) = (&self.words, &other.words) else {
            return true;
        };
        a.iter()
            .any(|(w, s)| b.iter().any(|(v, t)| v == w && !s.meets(t)))
    }
}

fn print(f: &F) -> Option<Vec<(usize, IntervalSet)>> {
    match f {
        F::Const(b) => b.then(Vec::new),
        F::Lit { word, mask, set } if *mask == MAX => Some(vec![(*word, set.clone())]),
        F::Lit { .. } => Some(Vec::new()),
        F::And(v) => {
            let mut out: Vec<(usize, IntervalSet)> = Vec::new();
            for f in v {
                for (w, s) in print(f)? {
                    match out.iter_mut().find(|(v, _)| *v == w) {
                        Some((_, t)) => {
                            *t = t.intersect(&s);
                            if t.is_empty() {
                                return None;
                            }
                        }
                        None => out.push((w, s)),
                    }
                }
            }
            Some(out)
        }
        F::Or(v) => {
            // A word bounded in every alternative is bounded by their union.
            let mut out: Option<Vec<(usize, IntervalSet)>> = None;
            for f in v {
                let Some(p) = print(f) else { continue };
                out = Some(match out {
                    None => p,
                    Some(acc) => acc
                        .into_iter()
                        .filter_map(|(w, s)| {
                            let (_, t) = p.iter().find(|(v, _)| *v == w)?;
                            Some((w, s.union(t)))
                        })
                        .collect(),
                });
            }
            out
        }
    }
}

/// How deep the search may branch (each level a disjunction) before it gives up.
const MAX_DEPTH: usize = 400;

struct Search {
    steps: usize,
    depth: usize,
}

impl Search {
    fn step(&mut self, n: usize) -> Result<(), OutOfSteps> {
        self.steps = self.steps.checked_sub(n).ok_or(OutOfSteps)?;
        Ok(())
    }

    /// Adds `(w & mask) ∈ set` to `d`; whether the word can still take some value.
    fn add(&mut self, d: &mut WordDom, mask: u32, set: &IntervalSet) -> Result<bool, OutOfSteps> {
        // Intersections cost the sets' sizes.
        self.step(1 + set.intervals().len() / 16)?;
        Ok(d.constrain(mask, set) && d.solve_within(&mut self.steps)?.is_some())
    }

    /// Arguments under which the constraints in `doms`, every formula of `todo` and one
    /// alternative of each of `ors` hold, if any. The alternatives of `ors` are those left
    /// by the constraints in `doms` except on the words in `dirty` (a bit per word).
    fn sat<'f>(
        &mut self,
        mut doms: Vec<WordDom>,
        mut todo: Vec<&'f F>,
        mut ors: Vec<Vec<&'f F>>,
        mut dirty: u32,
    ) -> Result<Option<[u64; 6]>, OutOfSteps> {
        // Disjunctions met here, whose alternatives have not been checked yet.
        let mut fresh: Vec<Vec<&'f F>> = Vec::new();
        loop {
            while let Some(f) = todo.pop() {
                self.step(1)?;
                match f {
                    F::Const(true) => {}
                    F::Const(false) => return Ok(None),
                    F::Lit { word, mask, set } => {
                        if !self.add(&mut doms[*word], *mask, set)? {
                            return Ok(None);
                        }
                        dirty |= 1 << word;
                    }
                    F::And(v) => todo.extend(v),
                    F::Or(v) => fresh.push(v.iter().collect()),
                }
            }
            // Drop the alternatives the constraints so far rule out, and the disjunctions
            // they make true.
            let checked = ors.len();
            let mut kept_ors = Vec::with_capacity(checked + fresh.len());
            for (i, alts) in ors.drain(..).chain(fresh.drain(..)).enumerate() {
                let mut kept = Vec::with_capacity(alts.len());
                let mut holds = false;
                for &f in &alts {
                    match f {
                        F::Lit { word, mask, set } if i >= checked || dirty & (1 << word) != 0 => {
                            let dom = &doms[*word];
                            self.step(1)?;
                            if !self.add(&mut dom.clone(), *mask, &set.complement())? {
                                holds = true;
                                break;
                            }
                            if self.add(&mut dom.clone(), *mask, set)? {
                                kept.push(f);
                            }
                        }
                        _ => kept.push(f),
                    }
                }
                if holds {
                    continue;
                }
                if kept.is_empty() {
                    return Ok(None);
                }
                kept_ors.push(kept);
            }
            ors = kept_ors;
            let forced = ors.iter().position(|alts| alts.len() == 1);
            dirty = 0;
            if let Some(i) = forced {
                todo.extend(ors.swap_remove(i));
                continue;
            }
            // Branch on the disjunction with the fewest alternatives.
            let Some(i) = (0..ors.len()).min_by_key(|&i| ors[i].len()) else {
                // Every word can take a value satisfying all its constraints, whatever the
                // other words are: together they satisfy the whole.
                let mut args = [0u64; 6];
                for (w, d) in doms.iter().enumerate() {
                    let v = d.solve_within(&mut self.steps)?.unwrap_or(0);
                    args[w / 2] |= u64::from(v) << (32 * (w % 2));
                }
                return Ok(Some(args));
            };
            let alts = ors.swap_remove(i);
            if self.depth == MAX_DEPTH {
                return Err(OutOfSteps);
            }
            self.depth += 1;
            let mut found = None;
            for f in alts {
                found = self.sat(doms.clone(), vec![f], ors.clone(), 0)?;
                if found.is_some() {
                    break;
                }
            }
            self.depth -= 1;
            return Ok(found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Rng;

    fn at(arg: u8, bits: u8, test: Test) -> Cond {
        Cond::Atom(Atom { arg, bits, test })
    }
    fn not(c: Cond) -> Cond {
        Cond::Not(Box::new(c))
    }

    #[test]
    fn contradictions_and_their_neighbours() {
        let fd = |t| at(0, 32, t);
        let unsat = [
            Cond::And(vec![fd(Test::Eq(1)), fd(Test::Eq(2))]),
            // fd > 5 && fd < 3
            Cond::And(vec![fd(Test::Gt(5)), not(fd(Test::Ge(3)))]),
            fd(Test::MaskedEq { mask: 3, value: 4 }),
            // x & 1 set, x & 2 set, but (x & 3) != 3
            Cond::And(vec![
                fd(Test::AnySet(1)),
                fd(Test::AnySet(2)),
                not(fd(Test::MaskedEq { mask: 3, value: 3 })),
            ]),
            // 64 bits: above 2^32 but its high word 0
            Cond::And(vec![
                at(1, 64, Test::Gt(0xffff_ffff)),
                at(
                    1,
                    64,
                    Test::MaskedEq {
                        mask: 0xffff_ffff_0000_0000,
                        value: 0,
                    },
                ),
            ]),
            // (a || b) && !a && !b
            Cond::And(vec![
                Cond::Or(vec![fd(Test::Eq(1)), at(2, 64, Test::Eq(1 << 40))]),
                not(fd(Test::Eq(1))),
                not(at(2, 64, Test::Ge(1 << 40))),
            ]),
        ];
        for c in &unsat {
            assert_eq!(satisfiable(c, &[]), Some(false), "{c:?}");
        }
        let sat = [
            Cond::And(vec![fd(Test::Gt(5)), not(fd(Test::Ge(7)))]),
            fd(Test::MaskedEq { mask: 3, value: 3 }),
            // The low word of a 64-bit argument is free once the high word is above.
            Cond::And(vec![
                at(1, 64, Test::Gt(0xffff_ffff)),
                at(
                    1,
                    64,
                    Test::MaskedEq {
                        mask: 0xffff_ffff,
                        value: 0,
                    },
                ),
            ]),
            // A 32-bit test ignores the high word the 64-bit one needs.
            Cond::And(vec![at(1, 32, Test::Eq(7)), at(1, 64, Test::Gt(1 << 40))]),
        ];
        for c in &sat {
            assert_eq!(satisfiable(c, &[]), Some(true), "{c:?}");
        }
        // Earlier conditions that together cover the rule's.
        let rule = fd(Test::Gt(9));
        let lower = Cond::And(vec![fd(Test::Gt(9)), not(fd(Test::Ge(100)))]);
        let upper = fd(Test::Ge(100));
        assert_eq!(satisfiable(&rule, &[&lower, &upper]), Some(false));
        assert_eq!(satisfiable(&rule, &[&lower]), Some(true));
        assert_eq!(satisfiable(&Cond::True, &[&lower, &upper]), Some(true));
    }

    /// Random conditions on two arguments whose tests only involve the low 3 bits of each
    /// word and the top bit of the low one, checked against every input over those bits.
    #[test]
    fn matches_brute_force() {
        let mut rng = Rng(0x5a71_5f1a);
        let bits = [0u64, 1, 2, 4, 7, 0x8000_0000, 0x1_0000_0000, 0x3_0000_0000];
        fn random(rng: &mut Rng, bits: &[u64], depth: u32) -> Cond {
            let pick = |rng: &mut Rng| {
                let n = rng.below(3);
                (0..=n).fold(0u64, |v, _| v | rng.pick(bits))
            };
            if depth == 0 || rng.below(3) == 0 {
                let (v, m) = (pick(rng), pick(rng));
                let outside = if rng.below(4) == 0 { u64::MAX } else { m };
                let test = Test::random(rng, v, m, v & outside);
                let bits = rng.pick(&[32u8, 64]);
                return at(rng.below(2) as u8, bits, test);
            }
            let parts = (0..2 + rng.below(2))
                .map(|_| random(rng, bits, depth - 1))
                .collect();
            match rng.below(3) {
                0 => Cond::And(parts),
                1 => Cond::Or(parts),
                _ => not(Cond::And(parts)),
            }
        }
        // Every input over the bits the tests look at (each word: 3 low bits and bit 31;
        // the high words: their 2 low bits).
        let words: Vec<u64> = (0u64..64)
            .map(|x| (x & 7) | ((x >> 3) & 1) << 31 | ((x >> 4) & 3) << 32)
            .collect();
        let (mut yes, mut no) = (0, 0);
        for _ in 0..3000 {
            let c = random(&mut rng, &bits, 3);
            let earlier = random(&mut rng, &bits, 2);
            let want = words.iter().any(|&a| {
                words.iter().any(|&b| {
                    let args = [a, b, 0, 0, 0, 0];
                    c.eval(&args) && !earlier.eval(&args)
                })
            });
            // Values between the sampled ones (x > 7 with x < 0x80000000, say) may satisfy
            // what no sampled input does; an "unsatisfiable" answer must be right, and a
            // witness must be one.
            match witness(&c, &[&earlier]) {
                Some(None) => {
                    assert!(!want, "{c:?} && !{earlier:?}: missed a solution");
                    no += 1;
                }
                Some(Some(args)) => {
                    assert!(
                        c.eval(&args) && !earlier.eval(&args),
                        "{c:?} && !{earlier:?}: {args:x?}"
                    );
                    yes += 1;
                }
                None => panic!("{c:?} && !{earlier:?}: out of steps"),
            }
        }
        assert!(yes > 500 && no > 300, "{yes} {no}");
    }

    #[test]
    fn a_hard_condition_runs_out_of_steps_instead_of_time() {
        // Eleven pigeons (words), ten holes (bits): each pigeon in a hole, no two in one.
        // Unsatisfiable, and a classic that takes a tableau exponential time.
        let in_hole =
            |p: usize, h: usize| at((p / 2) as u8, 64, Test::AnySet(1 << (h + 32 * (p % 2))));
        let mut parts: Vec<Cond> = (0..11)
            .map(|p| Cond::Or((0..10).map(|h| in_hole(p, h)).collect()))
            .collect();
        for h in 0..10 {
            for p in 0..11 {
                for q in p + 1..11 {
                    parts.push(not(Cond::And(vec![in_hole(p, h), in_hole(q, h)])));
                }
            }
        }
        let c = Cond::And(parts);
        let start = std::time::Instant::now();
        assert_eq!(satisfiable(&c, &[]), None);
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    }

    /// A rule after a thousand conditional ones on the same syscall, as in a long allow
    /// list of `ioctl` requests per file descriptor, is decided within the budget.
    #[test]
    fn long_lists_of_earlier_rules_are_decided() {
        let pair =
            |fd: u64, req: u64| Cond::And(vec![at(0, 32, Test::Eq(fd)), at(1, 32, Test::Eq(req))]);
        let earlier: Vec<Cond> = (0..1000).map(|i| pair(i % 7, 0x5400 + i)).collect();
        let earlier: Vec<&Cond> = earlier.iter().collect();
        // Decided before: the same pair again.
        assert_eq!(satisfiable(&pair(3, 0x5400 + 3), &earlier), Some(false));
        // Not decided before: a request with another descriptor.
        assert_eq!(satisfiable(&pair(4, 0x5400 + 3), &earlier), Some(true));
        // Requests 0x5400..0x57e8 on descriptors 0..7: the 1000 pairs cover none of them
        // for every descriptor.
        let range = Cond::And(vec![
            at(1, 32, Test::Ge(0x5400)),
            Cond::Not(Box::new(at(1, 32, Test::Ge(0x5400 + 1000)))),
        ]);
        assert_eq!(satisfiable(&range, &earlier), Some(true));
        let one = |fd: u64| {
            Cond::And(vec![
                at(0, 32, Test::Eq(fd)),
                at(1, 32, Test::Ge(0x5400)),
                Cond::Not(Box::new(at(1, 32, Test::Ge(0x5400 + 1000)))),
            ])
        };
        let all: Vec<Cond> = (0..7).map(one).collect();
        let all: Vec<&Cond> = all.iter().collect();
        assert_eq!(satisfiable(&range, &all), Some(true)); // fd 7 and up
        let low_fds = Cond::And(vec![
            range.clone(),
            Cond::Not(Box::new(at(0, 32, Test::Ge(7)))),
        ]);
        assert_eq!(satisfiable(&low_fds, &all), Some(false));
    }
}
